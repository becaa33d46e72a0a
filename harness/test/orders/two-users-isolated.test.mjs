// Example QA script 3: two customers never see each other's orders, live or over REST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, expectNoEvent, OrdersApi, orderEventLog, pageItems, useOrdersService } from '../../lib/index.mjs';

const service = useOrdersService();

test('alice and bob each receive only their own order events', async () => {
  const stamp = Date.now();
  const [alice, bob] = [`qa-alice-${stamp}`, `qa-bob-${stamp}`];
  const aliceApi = new OrdersApi(service.url, { user: alice });
  const bobApi = new OrdersApi(service.url, { user: bob });
  const admin = new OrdersApi(service.url, { user: 'qa-admin', role: 'admin' });
  const aliceSocket = await connectAs(service.url, { user: alice });
  const bobSocket = await connectAs(service.url, { user: bob, transports: ['polling'] });
  const aliceLog = orderEventLog(aliceSocket);
  const bobLog = orderEventLog(bobSocket);

  const aliceOrder = await aliceApi.createOrder();
  const bobOrder = await bobApi.createOrder();
  await admin.setStatus(aliceOrder.id, 'processing');
  await admin.setStatus(bobOrder.id, 'processing');
  await aliceLog.expect('order:status_changed', aliceOrder.id, (d) => d.newStatus === 'processing');
  await bobLog.expect('order:status_changed', bobOrder.id, (d) => d.newStatus === 'processing');
  await Promise.all([expectNoEvent(aliceSocket, 'order:status_changed', 300), expectNoEvent(bobSocket, 'order:status_changed', 300)]);

  assert.deepEqual(aliceLog.forOrder(bobOrder.id), [], 'alice saw an event of bob\'s order');
  assert.deepEqual(bobLog.forOrder(aliceOrder.id), [], 'bob saw an event of alice\'s order');
  assert.equal(aliceLog.forOrder(aliceOrder.id).length, 2);
  assert.equal(bobLog.forOrder(bobOrder.id).length, 2);

  // REST: someone else's order is 404, and each list holds only the caller's orders.
  assert.equal((await bobApi.request('GET', `/api/orders/${aliceOrder.id}`, { raw: true })).status, 404);
  assert.equal((await aliceApi.request('GET', `/api/orders/${bobOrder.id}`, { raw: true })).status, 404);
  const aliceIds = pageItems(await aliceApi.listOrders()).map((o) => o.id);
  assert.ok(aliceIds.includes(aliceOrder.id));
  assert.ok(!aliceIds.includes(bobOrder.id));
  aliceSocket.close();
  bobSocket.close();
});
