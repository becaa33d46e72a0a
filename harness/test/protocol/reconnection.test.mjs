// Reconnection after a server-side disconnect and after a server restart on the same port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeAllSockets, createSocket, emitWithAckArgs, expectNoEvent, restartOnSamePort, sleep, startConformanceHost,
  waitConnected, waitForEvent,
} from '../../lib/index.mjs';

let host;
before(async () => { host = await startConformanceHost(); });
after(async () => { closeAllSockets(); await host?.stop(); });

for (const transport of ['websocket', 'polling']) {
  test(`disconnect-me over ${transport}: "io server disconnect", no automatic reconnect, socket.connect() works again`, async () => {
    const socket = createSocket(host.url, { transports: [transport], reconnection: true, reconnectionDelay: 100 });
    await waitConnected(socket);
    const firstId = socket.id;

    const disconnected = waitForEvent(socket, 'disconnect');
    socket.emit('disconnect-me');
    const [reason] = await disconnected;
    assert.equal(reason, 'io server disconnect');
    assert.equal(socket.connected, false);
    // socket.io semantics: after a server-side disconnect the client must not reconnect on its own.
    await expectNoEvent(socket, 'connect', 700);

    const reconnected = waitForEvent(socket, 'connect');
    socket.connect();
    await reconnected;
    assert.notEqual(socket.id, firstId, 'a new connection gets a new socket id');
    assert.deepEqual(await emitWithAckArgs(socket, 'message-with-ack', ['again']), ['again']);
    socket.close();
  });
}

/**
 * Kills (or gracefully stops) the host while a client is connected, keeps it down long enough for several
 * reconnection attempts to fail, starts a new host on the same port and expects the client back by itself.
 */
async function restartScenario({ transports, signal }) {
  const socket = createSocket(host.url, {
    transports, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 800, randomizationFactor: 0,
  });
  await waitConnected(socket);
  const firstId = socket.id;
  const attempts = [];
  socket.io.on('reconnect_attempt', (n) => attempts.push({ n, at: Date.now() }));
  const disconnected = waitForEvent(socket, 'disconnect', () => true, 8000);

  // Assert only after the new host is up, so one failure does not leave the later tests without a server.
  let reason;
  const { host: next, stopped } = await restartOnSamePort(host, {
    signal,
    beforeStart: async () => {
      reason = await disconnected.then(([r]) => r, (err) => `(no disconnect: ${err.message})`);
      await sleep(900); // 100 + 200 + 400 ms of backoff: at least three attempts fail while the server is down
    },
  });
  host = next;
  assert.ok(['transport close', 'transport error'].includes(reason),
    `disconnect reason on server ${signal === 'SIGKILL' ? 'crash' : 'shutdown'} should let the client reconnect, got '${reason}'`);

  await waitForEvent(socket, 'connect', () => true, 8000);
  assert.notEqual(socket.id, firstId);
  assert.ok(attempts.length >= 3, `expected several reconnection attempts, got ${attempts.length}`);
  const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
  assert.ok(gaps[1] >= gaps[0], `backoff should not shrink: gaps ${gaps.join(', ')} ms`);
  assert.deepEqual(await emitWithAckArgs(socket, 'message-with-ack', ['back']), ['back']);
  socket.close();
  return stopped;
}

describe('server restart on the same port', () => {
  test('websocket client reconnects with backoff after the server is killed', async () => {
    await restartScenario({ transports: ['websocket'], signal: 'SIGKILL' });
  });

  test('polling client reconnects with backoff after the server is killed', async () => {
    await restartScenario({ transports: ['polling'], signal: 'SIGKILL' });
  });

  test('default client reconnects after a graceful shutdown (SIGTERM), which closes live connections promptly', async () => {
    const stopped = await restartScenario({ transports: ['polling', 'websocket'], signal: 'SIGTERM' });
    assert.equal(stopped.neededKill, false, `SIGTERM did not stop the host within 5 s (took ${stopped.ms} ms, needed SIGKILL)`);
  });
});
