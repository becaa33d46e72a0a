// Rooms through the host's `join` / `to-room` handlers, with two clients on different transports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, connectSocket, emitWithAckArgs, expectNoEvent, useConformanceHost, waitForEvent } from '../../lib/index.mjs';

// Relaxed heartbeats: these tests are about events, not timing, and must not fail on a busy machine.
const host = useConformanceHost({ pingInterval: 2000, pingTimeout: 5000 });

test('to-room reaches the sockets that joined the room and nobody else (websocket + polling clients)', async () => {
  const alice = await connectSocket(host.url, { transports: ['websocket'] });
  const bob = await connectSocket(host.url, { transports: ['polling'] });
  const room = `room-${Date.now()}`;
  const bobSaw = collect(bob);

  assert.deepEqual(await emitWithAckArgs(alice, 'join', [room]), [true]);

  const aliceGets = waitForEvent(alice, 'room-msg');
  const bobGetsNothing = expectNoEvent(bob, 'room-msg', 500);
  bob.emit('to-room', room, 'room-msg', 'for the room ✅', Buffer.from([1, 2, 3]));
  const [text, buf] = await aliceGets;
  assert.equal(text, 'for the room ✅');
  assert.deepEqual(Buffer.from(buf), Buffer.from([1, 2, 3]));
  await bobGetsNothing;

  assert.deepEqual(await emitWithAckArgs(bob, 'join', [room]), [true]);
  const both = Promise.all([waitForEvent(alice, 'room-msg'), waitForEvent(bob, 'room-msg')]);
  alice.emit('to-room', room, 'room-msg', 'to both', Buffer.from([4]));
  const [[a1, a2], [b1, b2]] = await both;
  assert.equal(a1, 'to both');
  assert.equal(b1, 'to both');
  assert.deepEqual(Buffer.from(a2), Buffer.from([4]), 'websocket member got wrong bytes');
  assert.deepEqual(Buffer.from(b2), Buffer.from([4]), 'polling member got wrong bytes');

  // Everything bob received: only the emit made after he joined.
  assert.deepEqual(bobSaw.of('room-msg').map((e) => e.args[0]), ['to both']);
  bobSaw.stop();
  alice.close();
  bob.close();
});

test('a room emit to another room is not delivered, and a disconnected member is skipped', async () => {
  const a = await connectSocket(host.url, { transports: ['websocket'] });
  const b = await connectSocket(host.url, { transports: ['websocket'] });
  const c = await connectSocket(host.url, { transports: ['websocket'] });
  await emitWithAckArgs(a, 'join', ['red']);
  await emitWithAckArgs(b, 'join', ['blue']);
  await emitWithAckArgs(c, 'join', ['blue']);
  c.disconnect();

  const aNothing = expectNoEvent(a, 'colour', 400);
  const bGets = waitForEvent(b, 'colour');
  a.emit('to-room', 'blue', 'colour', 'blue');
  assert.deepEqual(await bGets, ['blue']);
  await aNothing;
  a.close();
  b.close();
});
