// Emit/receive, acks both ways, binary both ways and UTF-8, on both transports.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, emitWithAckArgs, sleep, useConformanceHost, waitForEvent } from '../../lib/index.mjs';

// Relaxed heartbeats: these tests are about events, not timing, and must not fail on a busy machine.
const host = useConformanceHost({ pingInterval: 2000, pingTimeout: 5000 });

const UNICODE = 'héllo wörld ✅📦🚚❌⏳ 日本語テキスト 中文 한국어 العربية 👩‍👩‍👧‍👦 𝄞';
const bytes = (...b) => Buffer.from(b);
/** Received binary is a Buffer in Node, an ArrayBuffer in browsers: compare bytes, not types. */
const asBuffer = (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value));

for (const transport of ['websocket', 'polling']) {
  describe(`events over ${transport}`, () => {
    const connect = (opts = {}) => connectSocket(host.url, { transports: [transport], ...opts });

    test('message is answered by message-back with the same arguments', async () => {
      const socket = await connect();
      const args = ['text', 42, 3.5, true, null, { nested: { list: [1, 'two', { three: 3 }] } }, [], {}];
      const back = waitForEvent(socket, 'message-back');
      socket.emit('message', ...args);
      assert.deepEqual(await back, args);
      socket.close();
    });

    test('events and acks without arguments', async () => {
      const socket = await connect();
      const back = waitForEvent(socket, 'message-back');
      socket.emit('message');
      assert.deepEqual(await back, []);
      assert.deepEqual(await emitWithAckArgs(socket, 'message-with-ack', []), []);
      socket.close();
    });

    test('non-ASCII event names travel both ways (call-me-back with "événement ✅ 事件")', async () => {
      const socket = await connect();
      const got = waitForEvent(socket, 'événement ✅ 事件');
      socket.on('événement ✅ 事件', (...args) => args.pop()());
      socket.emit('call-me-back', 'événement ✅ 事件', 'ünï');
      assert.deepEqual((await got).slice(0, 1), ['ünï']);
      socket.close();
    });

    test('client-to-server ack returns every argument (message-with-ack)', async () => {
      const socket = await connect();
      const args = [1, '2', { 3: [4, { five: 5 }] }];
      assert.deepEqual(await emitWithAckArgs(socket, 'message-with-ack', args), args);
      assert.deepEqual(await socket.timeout(3000).emitWithAck('message-with-ack', 'only'), 'only');
      socket.close();
    });

    test('concurrent acks are matched to their own ids', async () => {
      const socket = await connect();
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => emitWithAckArgs(socket, 'message-with-ack', [i, `n${i}`])));
      assert.deepEqual(results, Array.from({ length: 25 }, (_, i) => [i, `n${i}`]));
      socket.close();
    });

    test('server-to-client ack: call-me-back, client acks, server reports ack-result', async () => {
      const socket = await connect();
      const seen = [];
      socket.on('please-ack', (...args) => {
        const ack = args.pop();
        assert.equal(typeof ack, 'function', 'the server event should carry an ack id');
        seen.push(args);
        ack('acked', 7, { ok: true });
      });
      const result = waitForEvent(socket, 'ack-result');
      socket.emit('call-me-back', 'please-ack', 'a', 1);
      assert.deepEqual(await result, ['acked', 7, { ok: true }]);
      assert.deepEqual(seen, [['a', 1]]);
      socket.close();
    });

    test('binary arguments echo back as equal bytes, top-level and nested', async () => {
      const socket = await connect();
      const small = bytes(0, 1, 2, 0xfe, 0xff);
      const big = Buffer.alloc(70000, 0xab);
      const back = waitForEvent(socket, 'message-back');
      socket.emit('message', small, { nested: { buf: bytes(9, 8, 7), list: ['text', big] } }, 'after');
      const [a, obj, after] = await back;
      assert.deepEqual(asBuffer(a), small);
      assert.deepEqual(asBuffer(obj.nested.buf), bytes(9, 8, 7));
      assert.equal(obj.nested.list[0], 'text');
      assert.ok(asBuffer(obj.nested.list[1]).equals(big), 'the 70 kB attachment should come back unchanged');
      assert.equal(after, 'after');
      socket.close();
    });

    test('a zero-length binary attachment round-trips (alone and nested)', async () => {
      const socket = await connect();
      const back = waitForEvent(socket, 'message-back');
      socket.emit('message', bytes(), { list: [bytes(), bytes(1)] });
      const [empty, obj] = await back;
      assert.deepEqual(asBuffer(empty), bytes());
      assert.deepEqual(asBuffer(obj.list[0]), bytes());
      assert.deepEqual(asBuffer(obj.list[1]), bytes(1));
      socket.close();
    });

    test('binary acks both ways (BINARY_ACK from server and from client)', async () => {
      const socket = await connect();
      const [buf, obj] = await emitWithAckArgs(socket, 'message-with-ack', [bytes(1, 2, 3), { b: bytes(4) }]);
      assert.deepEqual(asBuffer(buf), bytes(1, 2, 3));
      assert.deepEqual(asBuffer(obj.b), bytes(4));

      socket.on('binary-ack-please', (...args) => args.pop()(bytes(5, 6), { deep: [bytes(7)] }));
      const result = waitForEvent(socket, 'ack-result');
      socket.emit('call-me-back', 'binary-ack-please', bytes(0));
      const [r1, r2] = await result;
      assert.deepEqual(asBuffer(r1), bytes(5, 6));
      assert.deepEqual(asBuffer(r2.deep[0]), bytes(7));
      socket.close();
    });

    test('server-to-client event carries binary arguments (call-me-back with a Buffer)', async () => {
      const socket = await connect();
      const got = waitForEvent(socket, 'bin-event');
      socket.on('bin-event', (...args) => args.pop()());
      socket.emit('call-me-back', 'bin-event', bytes(0xca, 0xfe), 'x');
      const [buf, x] = await got;
      assert.deepEqual(asBuffer(buf), bytes(0xca, 0xfe));
      assert.equal(x, 'x');
      socket.close();
    });

    test('UTF-8 beyond ASCII (emoji, CJK, RTL, ZWJ sequences, astral plane) round-trips unchanged', async () => {
      const socket = await connect();
      const back = waitForEvent(socket, 'message-back');
      socket.emit('message', UNICODE, { [UNICODE]: UNICODE });
      assert.deepEqual(await back, [UNICODE, { [UNICODE]: UNICODE }]);
      const [acked] = await emitWithAckArgs(socket, 'message-with-ack', ['📦'.repeat(3)]);
      assert.equal(acked, '📦📦📦');
      socket.close();
    });

    test('a 400 kB multi-byte string (under maxPayload) round-trips unchanged', async () => {
      const socket = await connect();
      const text = '日本🚚'.repeat(40000); // 3+3+4 bytes × 40000 = 400 kB of UTF-8, 160000 UTF-16 units
      const back = waitForEvent(socket, 'message-back', () => true, 10000);
      socket.emit('message', text);
      const [echoed] = await back;
      assert.equal(echoed.length, text.length);
      assert.ok(echoed === text, 'the echoed string differs');
      socket.close();
    });

    test('a burst of 100 events arrives complete and in order', async () => {
      const socket = await connect();
      const received = [];
      socket.on('message-back', (i, s) => received.push([i, s]));
      for (let i = 0; i < 100; i++) socket.emit('message', i, `é${i}✅`);
      const deadline = Date.now() + 5000;
      while (received.length < 100 && Date.now() < deadline) await sleep(20);
      assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => [i, `é${i}✅`]));
      socket.close();
    });
  });
}
