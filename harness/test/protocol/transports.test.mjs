// socket.io-client 4.8 over each transport combination a real frontend uses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, createSocket, expectNoEvent, sleep, useConformanceHost, waitConnected, waitForEvent } from '../../lib/index.mjs';

const host = useConformanceHost();

describe('transports', () => {
  test('websocket-only client connects directly over websocket and round-trips an event', async () => {
    const socket = await connectSocket(host.url, { transports: ['websocket'] });
    assert.equal(socket.io.engine.transport.name, 'websocket');
    const back = waitForEvent(socket, 'message-back');
    socket.emit('message', 'over websocket');
    assert.deepEqual(await back, ['over websocket']);
    socket.close();
  });

  test('polling-only client connects over long-polling, round-trips events and never upgrades', async () => {
    const socket = createSocket(host.url, { transports: ['polling'] });
    const upgraded = expectNoEvent(socket.io, 'upgrade', 1200);
    await waitConnected(socket);
    assert.equal(socket.io.engine.transport.name, 'polling');
    for (const text of ['one', 'two', 'three']) {
      const back = waitForEvent(socket, 'message-back');
      socket.emit('message', text);
      assert.deepEqual(await back, [text]);
    }
    await upgraded;
    assert.equal(socket.io.engine.transport.name, 'polling');
    socket.close();
  });

  test('default client starts on polling and upgrades to websocket', async () => {
    const socket = createSocket(host.url);
    let firstTransport;
    socket.io.on('open', () => { firstTransport = socket.io.engine.transport.name; });
    await waitConnected(socket);
    assert.equal(firstTransport, 'polling');
    await waitUpgraded(socket);
    assert.equal(socket.io.engine.transport.name, 'websocket');
    const back = waitForEvent(socket, 'message-back');
    socket.emit('message', 'after upgrade');
    assert.deepEqual(await back, ['after upgrade']);
    socket.close();
  });

  test('events emitted during the upgrade are neither lost nor reordered', async () => {
    const socket = createSocket(host.url);
    const received = [];
    socket.on('message-back', (n) => received.push(n));
    socket.on('connect', () => { for (let i = 0; i < 20; i++) socket.emit('message', i); });
    await waitConnected(socket);
    await waitUpgraded(socket);
    for (let i = 20; i < 40; i++) socket.emit('message', i);
    const deadline = Date.now() + 5000;
    while (received.length < 40 && Date.now() < deadline) await sleep(20);
    assert.deepEqual(received, Array.from({ length: 40 }, (_, i) => i));
    socket.close();
  });

  for (const transport of ['websocket', 'polling']) {
    test(`${transport} session survives several heartbeats (pingInterval 300 ms, pingTimeout 200 ms)`, async () => {
      const socket = await connectSocket(host.url, { transports: [transport] });
      let pings = 0;
      socket.io.on('ping', () => { pings++; });
      await expectNoEvent(socket, 'disconnect', 1500);
      assert.ok(pings >= 3, `expected at least 3 pings in 1.5 s, got ${pings}`);
      assert.equal(socket.connected, true);
      socket.close();
    });
  }

  test('client disconnect is seen by the client as "io client disconnect"', async () => {
    const socket = await connectSocket(host.url, { transports: ['websocket'] });
    const disconnected = waitForEvent(socket, 'disconnect');
    socket.disconnect();
    const [reason] = await disconnected;
    assert.equal(reason, 'io client disconnect');
  });
});

function waitUpgraded(socket, timeoutMs = 5000) {
  if (socket.io.engine.transport.name === 'websocket') return Promise.resolve();
  return waitForEvent(socket.io.engine, 'upgrade', () => true, timeoutMs);
}
