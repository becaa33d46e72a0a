// Real-client compatibility against the live orders service: transports, several tabs, auth failures, restart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectAs, createSocket, mintToken, OrdersApi, orderEventLog, restartOrdersApi, useOrdersService, waitForEvent,
} from '../../lib/index.mjs';

const service = useOrdersService();

describe('transports', () => {
  for (const [label, transports] of [['websocket-only', ['websocket']], ['polling-only', ['polling']], ['default upgrade', undefined]]) {
    test(`${label} client receives order:created`, async () => {
      const user = `qa-transport-${Date.now()}`;
      const socket = await connectAs(service.url, { user, ...(transports ? { transports } : {}) });
      if (!transports) {
        if (socket.io.engine.transport.name !== 'websocket') await waitForEvent(socket.io.engine, 'upgrade');
        assert.equal(socket.io.engine.transport.name, 'websocket');
      }
      const log = orderEventLog(socket);
      const order = await new OrdersApi(service.url, { user }).createOrder();
      await log.expect('order:created', order.id);
      socket.close();
    });
  }
});

test('several tabs of one user all receive the same events', async () => {
  const user = `qa-tabs-${Date.now()}`;
  const tabs = await Promise.all([['websocket'], ['polling'], ['polling', 'websocket']].map((transports) => connectAs(service.url, { user, transports })));
  const logs = tabs.map((t) => orderEventLog(t));
  const order = await new OrdersApi(service.url, { user }).createOrder();
  await Promise.all(logs.map((l) => l.expect('order:created', order.id)));
  tabs.forEach((t) => t.close());
});

describe('connect_error for each auth failure', () => {
  const refused = async (auth) => {
    const socket = createSocket(service.url, { auth });
    const failed = waitForEvent(socket, 'connect_error');
    socket.connect();
    const [err] = await failed;
    socket.close();
    return err;
  };
  test('missing token → missing_token', async () => {
    const err = await refused({});
    assert.equal(err.message, 'Authentication error: Invalid token');
    assert.equal(err.data?.reason, 'missing_token');
  });
  test('bad signature → invalid_token', async () => {
    const err = await refused({ token: mintToken({ sub: 'qa-mallory', secret: 'not-the-secret-not-the-secret-123456' }) });
    assert.equal(err.message, 'Authentication error: Invalid token');
    assert.equal(err.data?.reason, 'invalid_token');
  });
  test('expired token → token_expired', async () => {
    const err = await refused({ token: mintToken({ sub: 'qa-late', expiresInSeconds: -600 }) });
    assert.equal(err.message, 'Authentication error: Invalid token');
    assert.equal(err.data?.reason, 'token_expired');
  });
});

test('reconnects with backoff after a service restart (needs ORDERS_API_START=1)', { skip: process.env.ORDERS_API_START !== '1' && 'the harness did not start the service' }, async () => {
  const user = `qa-restart-${Date.now()}`;
  const socket = await connectAs(service.url, { user, reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 1000 });
  const attempts = [];
  socket.io.on('reconnect_attempt', (n) => attempts.push(n));
  const disconnected = waitForEvent(socket, 'disconnect', () => true, 10000);
  service.host = await restartOrdersApi(service.host);
  await disconnected;
  await waitForEvent(socket, 'connect', () => true, 30000);
  assert.ok(attempts.length >= 1);
  const log = orderEventLog(socket);
  const order = await new OrdersApi(service.url, { user }).createOrder();
  await log.expect('order:created', order.id);
  socket.close();
});
