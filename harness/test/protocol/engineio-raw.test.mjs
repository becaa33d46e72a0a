// Raw Engine.IO v4 over HTTP long-polling (no client library): the exact wire format the clients rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useConformanceHost } from '../../lib/index.mjs';

const host = useConformanceHost();
const SEP = '\x1e';

async function http(path, { method = 'GET', body, headers = {} } = {}) {
  const res = await fetch(`${host.url}${path}`, { method, body, headers, signal: AbortSignal.timeout(5000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Opens a raw polling session on `path` (/engine.io/ or /socket.io/) and returns the parsed handshake. */
async function handshake(path = '/engine.io/') {
  const res = await http(`${path}?EIO=4&transport=polling`);
  assert.equal(res.status, 200, `handshake answered ${res.status}: ${res.text}`);
  assert.equal(res.text[0], '0', `handshake should be an OPEN packet, got ${JSON.stringify(res.text.slice(0, 80))}`);
  return JSON.parse(res.text.slice(1));
}

const post = (path, sid, payload) => http(`${path}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, {
  method: 'POST', body: payload, headers: { 'content-type': 'text/plain;charset=UTF-8' },
});

/** Long-polls until `count` non-ping packets have arrived, answering pings with pongs so the session stays up. */
async function receive(path, sid, count, deadlineMs = 3000) {
  const packets = [];
  const deadline = Date.now() + deadlineMs;
  while (packets.length < count) {
    assert.ok(Date.now() < deadline, `only ${packets.length}/${count} packets within ${deadlineMs} ms: ${JSON.stringify(packets)}`);
    const res = await http(`${path}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
    assert.equal(res.status, 200, `poll answered ${res.status}: ${res.text}`);
    for (const packet of res.text.split(SEP)) {
      if (packet === '2') await post(path, sid, '3');
      else packets.push(packet);
    }
  }
  return packets;
}

/** Polls (draining whatever the server still queued) until the sid is unknown; fails if it lives past 2 s. */
async function expectSessionGone(sid) {
  let res;
  const deadline = Date.now() + 2000;
  do {
    res = await http(`/engine.io/?EIO=4&transport=polling&sid=${sid}`);
  } while (res.status === 200 && Date.now() < deadline);
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.text), { code: 1, message: 'Session ID unknown' });
}

test('handshake: OPEN packet with sid, upgrades, pingInterval, pingTimeout, maxPayload', async () => {
  const res = await http('/engine.io/?EIO=4&transport=polling');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const open = JSON.parse(res.text.slice(1));
  assert.equal(res.text[0], '0');
  assert.match(open.sid, /^[A-Za-z0-9_-]{20,}$/, 'sid should be URL-safe with at least 120 random bits');
  assert.deepEqual(open.upgrades, ['websocket']);
  assert.equal(open.pingInterval, 300);
  assert.equal(open.pingTimeout, 200);
  assert.equal(open.maxPayload, 1000000);
  const other = await handshake();
  assert.notEqual(other.sid, open.sid);
});

test('echo over polling: text with multi-byte UTF-8, binary as b+base64, several packets in one POST', async () => {
  const { sid } = await handshake();
  const posted = await post('/engine.io/', sid, ['4hello ✅ 日本', 'bAQID', '4second'].join(SEP));
  assert.equal(posted.status, 200);
  assert.equal(posted.text, 'ok');
  assert.deepEqual(await receive('/engine.io/', sid, 3), ['4hello ✅ 日本', 'bAQID', '4second']);
});

test('unknown sid is answered 400 {"code":1,"message":"Session ID unknown"}', async () => {
  const res = await http('/engine.io/?EIO=4&transport=polling&sid=does-not-exist');
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(JSON.parse(res.text), { code: 1, message: 'Session ID unknown' });
});

test('unsupported EIO version is answered 400 {"code":5,"message":"Unsupported protocol version"}', async () => {
  for (const query of ['EIO=3&transport=polling', 'EIO=5&transport=polling']) {
    const res = await http(`/engine.io/?${query}`);
    assert.equal(res.status, 400, `${query} answered ${res.status}`);
    assert.deepEqual(JSON.parse(res.text), { code: 5, message: 'Unsupported protocol version' }, query);
  }
});

test('unknown transport is answered 400 {"code":0,"message":"Transport unknown"}', async () => {
  const res = await http('/engine.io/?EIO=4&transport=carrier-pigeon');
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.text), { code: 0, message: 'Transport unknown' });
});

test('handshake with a method other than GET is answered 400 {"code":2,"message":"Bad handshake method"}', async () => {
  const res = await http('/engine.io/?EIO=4&transport=polling', { method: 'POST', body: '4x' });
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.text), { code: 2, message: 'Bad handshake method' });
});

test('a CLOSE packet from the client ends the session: the sid becomes unknown', async () => {
  const { sid } = await handshake();
  assert.equal((await post('/engine.io/', sid, '1')).text, 'ok');
  await expectSessionGone(sid);
});

test('a polling session that never pongs is closed after pingInterval + pingTimeout', async () => {
  const { sid } = await handshake();
  await new Promise((r) => setTimeout(r, 300 + 200 + 300));
  // Drain what the server queued (a ping, maybe a close) and then expect the sid to be gone.
  await expectSessionGone(sid);
});

test('a second concurrent GET on one session is refused and closes the session', async () => {
  const { sid } = await handshake();
  const first = http(`/engine.io/?EIO=4&transport=polling&sid=${sid}`);
  await new Promise((r) => setTimeout(r, 50));
  const second = await http(`/engine.io/?EIO=4&transport=polling&sid=${sid}`);
  assert.equal(second.status, 400, `overlapping GET answered ${second.status}: ${second.text}`);
  await first;
  const after = await http(`/engine.io/?EIO=4&transport=polling&sid=${sid}`);
  assert.equal(after.status, 400, `the session should be closed, but a GET answered ${after.status}: ${after.text}`);
  assert.deepEqual(JSON.parse(after.text), { code: 1, message: 'Session ID unknown' });
});

test('Socket.IO: a connection that joins no namespace is closed after connectTimeout (1000 ms)', async () => {
  const { sid } = await handshake('/socket.io/');
  const started = Date.now();
  let res;
  do {
    res = await http(`/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    if (res.status === 200 && res.text.split(SEP).includes('2')) await post('/socket.io/', sid, '3');
  } while (res.status === 200 && Date.now() - started < 3000);
  const elapsed = Date.now() - started;
  assert.equal(res.status, 400, 'the session should have been closed within 3 s');
  assert.deepEqual(JSON.parse(res.text), { code: 1, message: 'Session ID unknown' });
  assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before connectTimeout`);
});

test('CORS: the handshake grants the requesting origin and preflight is answered', async () => {
  const origin = 'http://localhost:3006';
  const res = await http('/engine.io/?EIO=4&transport=polling', { headers: { origin } });
  assert.equal(res.status, 200);
  assert.ok(['*', origin].includes(res.headers.get('access-control-allow-origin')),
    `access-control-allow-origin: ${res.headers.get('access-control-allow-origin')}`);
  const pre = await http('/socket.io/?EIO=4&transport=polling', {
    method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.ok(pre.status === 204 || pre.status === 200, `preflight answered ${pre.status}`);
  assert.ok(['*', origin].includes(pre.headers.get('access-control-allow-origin')),
    `preflight access-control-allow-origin: ${pre.headers.get('access-control-allow-origin')}`);
});

test('Socket.IO over raw polling: CONNECT answered 40{"sid"}, then the auth event, then an echo', async () => {
  const { sid } = await handshake('/socket.io/');
  assert.equal((await post('/socket.io/', sid, '40{"token":"raw ✅"}')).text, 'ok');
  const [connect, auth] = await receive('/socket.io/', sid, 2);
  assert.match(connect, /^40\{"sid":"[A-Za-z0-9_-]+"\}$/);
  assert.deepEqual(JSON.parse(auth.slice(2)), ['auth', { token: 'raw ✅' }]);
  assert.equal(auth.slice(0, 2), '42');
  await post('/socket.io/', sid, '42["message","ü",{"n":[1,2]}]');
  const [echo] = await receive('/socket.io/', sid, 1);
  assert.deepEqual(JSON.parse(echo.slice(2)), ['message-back', 'ü', { n: [1, 2] }]);
  // A BINARY_EVENT and its attachment travel as two Engine.IO packets in one POST, as the client sends them.
  await post('/socket.io/', sid, `451-["message",{"_placeholder":true,"num":0}]${SEP}bAQID`);
  const [binaryEvent, attachment] = await receive('/socket.io/', sid, 2);
  assert.equal(binaryEvent, '451-["message-back",{"_placeholder":true,"num":0}]');
  assert.equal(attachment, 'bAQID');
});

test('an unknown namespace over raw polling is answered 44/ns,{"message":"Invalid namespace"}', async () => {
  const { sid } = await handshake('/socket.io/');
  await post('/socket.io/', sid, '40/nowhere,');
  const [reply] = await receive('/socket.io/', sid, 1);
  assert.equal(reply.slice(0, 11), '44/nowhere,');
  assert.deepEqual(JSON.parse(reply.slice(11)), { message: 'Invalid namespace' });
});
