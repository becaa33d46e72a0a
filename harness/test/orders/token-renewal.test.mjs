// Live token expiry and in-band renewal with the stock socket.io-client: auth:expiring, auth:renew with an ack,
// auth:expired and the server's disconnect. Against the service's default settings (clock skew 30 s, or
// ACCESS_TOKEN_CLOCK_SKEW_SECONDS), with tokens whose exp already passed but that are still inside the skew, so each
// socket has a few seconds left and is warned at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSocket, decodeToken, emitWithAckArgs, mintToken, OrdersApi, orderEventLog, sleep, useOrdersService, waitConnected,
  waitForEvent,
} from '../../lib/index.mjs';

const service = useOrdersService();
const SKEW_SECONDS = Number(process.env.ACCESS_TOKEN_CLOCK_SKEW_SECONDS ?? 30);
const LEFT_SECONDS = 3;

// A token the service still accepts for LEFT_SECONDS, and the moment (ms) the socket should end.
const nearlyExpired = (sub) => {
  const token = mintToken({ sub, expiresInSeconds: LEFT_SECONDS - SKEW_SECONDS });
  return { token, endsAt: (decodeToken(token).exp + SKEW_SECONDS) * 1000 };
};

// auth:expiring may come with the CONNECT answer, so a client listens before it connects (as the README says).
const socketWith = (token) => createSocket(service.url, { auth: { token } });

test('a socket whose token runs out hears auth:expired and is disconnected by the server', async () => {
  const user = `qa-expiry-${Date.now()}`;
  const { token, endsAt } = nearlyExpired(user);
  const socket = socketWith(token);
  const expiring = waitForEvent(socket, 'auth:expiring');
  const expired = waitForEvent(socket, 'auth:expired', () => true, (LEFT_SECONDS + 5) * 1000);
  const disconnected = waitForEvent(socket, 'disconnect', () => true, (LEFT_SECONDS + 5) * 1000);
  await waitConnected(socket);

  const [{ expiresAt }] = await expiring;
  assert.equal(Date.parse(expiresAt) / 1000, decodeToken(token).exp);
  const [{ reason }] = await expired;
  assert.equal(reason, 'token_expired');
  const [why] = await disconnected;
  assert.equal(why, 'io server disconnect', 'the server ended it, so the client does not reconnect by itself');
  assert.ok(Date.now() >= endsAt - 100, `ended ${endsAt - Date.now()} ms before exp + skew`);
  assert.equal(socket.connected, false);
});

test('renewing in band on auth:expiring keeps the socket past the old expiry', async () => {
  const user = `qa-renew-${Date.now()}`;
  const { token, endsAt } = nearlyExpired(user);
  const socket = socketWith(token);
  let ended = false;
  socket.on('auth:expired', () => { ended = true; });
  socket.on('disconnect', () => { ended = true; });
  const expiring = waitForEvent(socket, 'auth:expiring');
  await waitConnected(socket);

  await expiring;
  const fresh = mintToken({ sub: user, expiresInSeconds: 900 });
  const [ack] = await emitWithAckArgs(socket, 'auth:renew', [{ token: fresh }]);
  assert.deepEqual(ack, { ok: true, expiresAt: ack.expiresAt });
  assert.equal(Date.parse(ack.expiresAt) / 1000, decodeToken(fresh).exp);

  await sleep(Math.max(0, endsAt - Date.now()) + 1500);
  assert.equal(ended, false, 'the socket outlived its first token');
  assert.equal(socket.connected, true);
  const log = orderEventLog(socket);
  const order = await new OrdersApi(service.url, { user }).createOrder();
  await log.expect('order:created', order.id);
  socket.close();
});

test('a renewal with another user\'s token is refused and the socket still ends at the old expiry', async () => {
  const user = `qa-renew-other-${Date.now()}`;
  const { token, endsAt } = nearlyExpired(user);
  const socket = socketWith(token);
  const disconnected = waitForEvent(socket, 'disconnect', () => true, (LEFT_SECONDS + 5) * 1000);
  await waitConnected(socket);

  const [ack] = await emitWithAckArgs(socket, 'auth:renew', [{ token: mintToken({ sub: `${user}-mallory`, expiresInSeconds: 900 }) }]);
  assert.deepEqual(ack, { ok: false, reason: 'subject_mismatch' });
  const [why] = await disconnected;
  assert.equal(why, 'io server disconnect');
  assert.ok(Date.now() >= endsAt - 100, `ended ${endsAt - Date.now()} ms before exp + skew`);
});
