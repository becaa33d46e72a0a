// Namespaces, the CONNECT payload (auth), connect middleware errors and unknown namespaces.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, createManager, createSocket, expectNoEvent, useConformanceHost, waitConnected, waitForEvent } from '../../lib/index.mjs';

// Relaxed heartbeats: these tests are about events, not timing, and must not fail on a busy machine.
const host = useConformanceHost({ pingInterval: 2000, pingTimeout: 5000 });

/** Resolves with the connect_error of a socket that must be refused. */
async function refusal(socket) {
  let connected = false;
  socket.on('connect', () => { connected = true; });
  const failed = waitForEvent(socket, 'connect_error');
  socket.connect();
  const [err] = await failed;
  socket.close();
  assert.equal(connected, false, 'the socket connected although it should have been refused');
  return err;
}

for (const transport of ['websocket', 'polling']) {
  describe(`namespaces over ${transport}`, () => {
    const opts = (more = {}) => ({ transports: [transport], ...more });

    test('main namespace emits auth with the handshake auth object', async () => {
      const auth = { token: 'abc', user: { id: 7, name: 'Zoë 🚀' } };
      const socket = createSocket(host.url, opts({ auth }));
      const got = waitForEvent(socket, 'auth');
      await waitConnected(socket);
      assert.deepEqual(await got, [auth]);
      socket.close();
    });

    test('/custom namespace emits auth with the handshake auth object', async () => {
      const auth = { token: 'custom-token', n: 1 };
      const socket = createSocket(`${host.url}/custom`, opts({ auth }));
      const got = waitForEvent(socket, 'auth');
      await waitConnected(socket);
      assert.equal(socket.nsp, '/custom');
      assert.deepEqual(await got, [auth]);
      socket.close();
    });

    test('/ and /custom multiplexed on one Engine.IO connection', async () => {
      const manager = createManager(host.url, opts());
      const main = manager.socket('/', { auth: { which: 'main' } });
      const custom = manager.socket('/custom', { auth: { which: 'custom' } });
      const mainAuth = waitForEvent(main, 'auth');
      const customAuth = waitForEvent(custom, 'auth');
      await Promise.all([waitConnected(main), waitConnected(custom)]);
      assert.deepEqual(await mainAuth, [{ which: 'main' }]);
      assert.deepEqual(await customAuth, [{ which: 'custom' }]);
      assert.notEqual(main.id, custom.id);
      // /custom has no message handler, so the echo must come back on / only.
      const back = waitForEvent(main, 'message-back');
      const stray = expectNoEvent(custom, 'message-back', 300);
      main.emit('message', 'mux');
      assert.deepEqual(await back, ['mux']);
      await stray;
      // Leaving one namespace keeps the other (and the shared connection) alive.
      custom.disconnect();
      await expectNoEvent(main, 'disconnect', 300);
      assert.equal(main.connected, true);
      main.disconnect();
    });

    test('/restricted refuses a bad token with connect_error "not authorized" and data.reason bad_token', async () => {
      const err = await refusal(createSocket(`${host.url}/restricted`, opts({ auth: { token: 'nope' } })));
      assert.equal(err.message, 'not authorized');
      assert.deepEqual(err.data, { reason: 'bad_token' });
    });

    test('/restricted refuses a missing auth object the same way', async () => {
      const err = await refusal(createSocket(`${host.url}/restricted`, opts()));
      assert.equal(err.message, 'not authorized');
      assert.equal(err.data?.reason, 'bad_token');
    });

    test('/restricted accepts the right token', async () => {
      const socket = await connectSocket(`${host.url}/restricted`, opts({ auth: { token: 'let-me-in' } }));
      assert.equal(socket.connected, true);
      socket.close();
    });

    test('an unknown namespace is refused with connect_error "Invalid namespace"', async () => {
      const err = await refusal(createSocket(`${host.url}/no-such-namespace`, opts()));
      assert.equal(err.message, 'Invalid namespace');
    });

    test('a refused namespace does not break the main namespace on the same connection', async () => {
      const manager = createManager(host.url, opts());
      const main = manager.socket('/');
      await waitConnected(main);
      const err = await refusal(manager.socket('/restricted', { auth: { token: 'wrong' } }));
      assert.equal(err.message, 'not authorized');
      const back = waitForEvent(main, 'message-back');
      main.emit('message', 'still here');
      assert.deepEqual(await back, ['still here']);
      main.disconnect();
    });
  });
}
