// maxPayload (maxHttpBufferSize) on both transports, with a host started at --max-payload 10000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, emitWithAckArgs, sleep, useConformanceHost, waitForEvent } from '../../lib/index.mjs';

const MAX = 10000;
const host = useConformanceHost({ maxPayload: MAX, pingInterval: 2000, pingTimeout: 5000 });

test('the handshake advertises the configured maxPayload', async () => {
  const res = await fetch(`${host.url}/engine.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(5000) });
  assert.equal(JSON.parse((await res.text()).slice(1)).maxPayload, MAX);
});

test('a polling POST over maxPayload is refused (413 or connection closed) and the server keeps serving', async () => {
  const hs = await fetch(`${host.url}/engine.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(5000) });
  const { sid } = JSON.parse((await hs.text()).slice(1));
  const url = `${host.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`;
  let status;
  try {
    const res = await fetch(url, { method: 'POST', body: `4${'x'.repeat(MAX + 10)}`, signal: AbortSignal.timeout(5000) });
    status = res.status;
    await res.text();
  } catch { status = 'connection closed'; }
  // The reference engine.io answers 413 (or drops the connection mid-body); either way nothing is accepted.
  assert.ok(status === 413 || status === 'connection closed', `oversized POST answered ${status}`);
  const socket = await connectSocket(host.url, { transports: ['polling'] });
  assert.deepEqual(await emitWithAckArgs(socket, 'message-with-ack', ['fine']), ['fine']);
  socket.close();
});

test('a websocket message over maxPayload disconnects that client only', async () => {
  const bystander = await connectSocket(host.url, { transports: ['websocket'] });
  const socket = await connectSocket(host.url, { transports: ['websocket'] });
  const disconnected = waitForEvent(socket, 'disconnect');
  socket.emit('message', 'y'.repeat(MAX + 10));
  const [reason] = await disconnected;
  assert.ok(['transport close', 'transport error'].includes(reason), `reason ${reason}`);
  assert.deepEqual(await emitWithAckArgs(bystander, 'message-with-ack', ['still here']), ['still here']);
  bystander.close();
});

test('a message just under maxPayload is accepted on both transports', async () => {
  for (const transport of ['websocket', 'polling']) {
    const socket = await connectSocket(host.url, { transports: [transport] });
    const text = 'z'.repeat(MAX - 100);
    const [echoed] = await emitWithAckArgs(socket, 'message-with-ack', [text]);
    assert.equal(echoed.length, text.length, transport);
    socket.close();
  }
});

test('maxPayload counts bytes: a websocket message under the limit in characters but over it in UTF-8 bytes disconnects', async () => {
  const socket = await connectSocket(host.url, { transports: ['websocket'] });
  const disconnected = waitForEvent(socket, 'disconnect');
  socket.emit('message', '日'.repeat(4000)); // 4000 UTF-16 units, 12000 UTF-8 bytes
  const [reason] = await disconnected;
  assert.ok(['transport close', 'transport error'].includes(reason), `reason ${reason}`);
});

test('a polling burst larger than maxPayload in total is accepted (the client splits it into several POSTs)', async () => {
  const socket = await connectSocket(host.url, { transports: ['polling'] });
  const received = [];
  socket.on('message-back', (i) => received.push(i));
  for (let i = 0; i < 40; i++) socket.emit('message', i, 'é'.repeat(300)); // 40 × ~620 bytes ≈ 25 kB
  const deadline = Date.now() + 5000;
  while (received.length < 40 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(received, Array.from({ length: 40 }, (_, i) => i));
  assert.equal(socket.connected, true);
  socket.close();
});

test('polling requests for a session that upgraded to websocket are refused with 400', async () => {
  const socket = await connectSocket(host.url);
  if (socket.io.engine.transport.name !== 'websocket') await waitForEvent(socket.io.engine, 'upgrade');
  // The client's 'upgrade' fires when it has sent "5"; an ack round trip on the same socket proves the server has
  // processed it too. Without it the GET can overtake the "5" and is answered as a poll during the probe (noop).
  await emitWithAckArgs(socket, 'message-with-ack', []);
  const res = await fetch(`${host.url}/socket.io/?EIO=4&transport=polling&sid=${socket.io.engine.id}`, { signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  assert.equal(res.status, 400, `GET after upgrade answered ${res.status}: ${body.slice(0, 80)}`);
  assert.deepEqual(JSON.parse(body), { code: 3, message: 'Bad request' });
  assert.equal(socket.connected, true, 'the refused poll must not hurt the websocket session');
  socket.close();
});
