// Raw Engine.IO / Socket.IO over WebSocket with the `ws` client (no socket.io-client): edge cases where the reference
// server's behaviour on the wire is what clients rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { DEFAULT_TIMEOUT_MS, useConformanceHost, withTimeout } from '../../lib/index.mjs';

const host = useConformanceHost();
const wsUrl = (path, sid) => `${host.url.replace(/^http/, 'ws')}${path}?EIO=4&transport=websocket${sid ? `&sid=${encodeURIComponent(sid)}` : ''}`;

/**
 * Opens a raw WebSocket; `next()` resolves with the next text message, `closed()` with { code, reason } once it closes.
 * With `answerPings`, server pings are answered with pongs and not handed to `next()`, so the session stays up.
 */
function open(url, { answerPings = true } = {}) {
  const ws = new WebSocket(url);
  const queue = [];
  const waiters = [];
  ws.on('message', (data) => {
    const text = data.toString();
    if (answerPings && text === '2') { ws.send('3'); return; }
    const waiter = waiters.shift();
    if (waiter) waiter(text); else queue.push(text);
  });
  // After the open, an error is followed by 'close', which the tests look at; without a listener it would throw.
  ws.on('error', () => {});
  const close = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = withTimeout(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  }), DEFAULT_TIMEOUT_MS, `WebSocket open ${url}`);
  const next = (what = 'the next message') => withTimeout(
    queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiters.push(resolve)),
    DEFAULT_TIMEOUT_MS, what);
  return { ws, opened, next, closed: () => withTimeout(close, DEFAULT_TIMEOUT_MS, `close of ${url}`) };
}

/** A polling session whose first WebSocket has been probed (2probe answered with 3probe), not yet upgraded. */
async function probedSession() {
  const res = await fetch(`${host.url}/engine.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS) });
  const { sid } = JSON.parse((await res.text()).slice(1));
  const first = open(wsUrl('/engine.io/', sid));
  await first.opened;
  first.ws.send('2probe');
  assert.equal(await first.next('3probe'), '3probe');
  return { sid, first };
}

/** A polling session upgraded to WebSocket (probe, upgrade, then an echo proves the new socket carries it). */
async function upgradedSession() {
  const { sid, first } = await probedSession();
  first.ws.send('5');
  first.ws.send('4sync');
  assert.equal(await first.next('the echo after the upgrade'), '4sync');
  return { sid, first };
}

test('a second WebSocket for an upgraded session is accepted, then closed without a status code; the first keeps working', async () => {
  const { sid, first } = await upgradedSession();
  const second = open(wsUrl('/engine.io/', sid));
  await second.opened;
  const { code } = await second.closed();
  assert.equal(code, 1005, 'an empty close frame (no status code), not a failed handshake');
  first.ws.send('4still-here');
  assert.equal(await first.next('the echo on the first socket'), '4still-here');
  first.ws.close();
});

test('a second WebSocket while the first is still probing is closed; the probe then completes', async () => {
  const { sid, first } = await probedSession();

  const second = open(wsUrl('/engine.io/', sid));
  await second.opened;
  assert.equal((await second.closed()).code, 1005);

  first.ws.send('5');
  first.ws.send('4upgraded');
  assert.equal(await first.next('the echo after the upgrade'), '4upgraded');
  first.ws.close();
});

test('after the first ping, 40/custom is answered by the CONNECT and then the handler\'s event, each its own message', async () => {
  const client = open(wsUrl('/socket.io/'), { answerPings: false });
  await client.opened;
  assert.match(await client.next('the open packet'), /^0\{"sid":"/);
  assert.equal(await client.next('the first ping'), '2');
  client.ws.send('40/custom,');
  const connect = await client.next('the CONNECT answer');
  assert.match(connect, /^40\/custom,\{"sid":"[^"]+"\}$/);
  assert.equal(await client.next('the /custom greeting'), '42/custom,["auth",{}]');
  client.ws.close();
});
