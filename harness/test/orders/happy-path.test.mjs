// Example QA script 1: an order's whole lifecycle, with every live event and its exact payload.
// Run against a live service: ORDERS_API_URL=http://localhost:3004 ACCESS_TOKEN_SECRET=... npm run test:orders
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, OrdersApi, orderEventLog, sampleOrder, useOrdersService, expectNoEvent } from '../../lib/index.mjs';

const service = useOrdersService();
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

test('an order walks pending → processing → shipped → delivered and its owner sees every event', async () => {
  const user = `qa-happy-${Date.now()}`;
  const customer = new OrdersApi(service.url, { user });
  const admin = new OrdersApi(service.url, { user: 'qa-admin', role: 'admin' });
  const socket = await connectAs(service.url, { user, transports: ['websocket', 'polling'] });
  const adminSocket = await connectAs(service.url, { user: 'qa-admin', role: 'admin' });
  const log = orderEventLog(socket);
  const adminLog = orderEventLog(adminSocket);

  const order = await customer.createOrder(sampleOrder());
  assert.equal(order.status, 'pending');
  assert.match(order.orderNumber, /^ORD-/);
  const n = order.orderNumber;

  const created = await log.expect('order:created', order.id);
  assert.equal(created.data.message, `Your order #${n} has been created!`);
  assert.match(created.data.timestamp, ISO_UTC);

  for (const [from, to] of [['pending', 'processing'], ['processing', 'shipped'], ['shipped', 'delivered']]) {
    await admin.setStatus(order.id, to);
    const changed = await log.expect('order:status_changed', order.id, (d) => d.newStatus === to);
    assert.equal(changed.data.oldStatus, from);
    assert.equal(changed.data.message, `Order #${n} status updated to ${to}`);
    assert.equal(changed.data.order.status, to);
    assert.match(changed.data.timestamp, ISO_UTC);
  }
  const completed = await log.expect('order:completed', order.id);
  assert.equal(completed.data.message, `Order #${n} has been delivered!`);

  // Commit order per order: created, three status changes, then completed right after the last change.
  assert.deepEqual(log.forOrder(order.id).map((e) => e.data.newStatus ?? e.name),
    ['order:created', 'processing', 'shipped', 'delivered', 'order:completed']);
  // The payload's order has the same JSON shape as GET /api/orders/{id}.
  const fetched = await customer.getOrder(order.id);
  assert.deepEqual(Object.keys(completed.data.order).sort(), Object.keys(fetched).sort());
  assert.equal(fetched.status, 'delivered');
  // Admins (room `admins`) receive every order event too.
  await adminLog.expect('order:completed', order.id);
  assert.equal(adminLog.forOrder(order.id).length, 5);
  // Nothing else arrives for this order afterwards.
  await expectNoEvent(socket, 'order:status_changed', 300);
  assert.equal(log.forOrder(order.id).length, 5);
  socket.close();
  adminSocket.close();
});

test('editing a pending order emits order:updated', async () => {
  const user = `qa-update-${Date.now()}`;
  const customer = new OrdersApi(service.url, { user });
  const socket = await connectAs(service.url, { user });
  const log = orderEventLog(socket);
  const order = await customer.createOrder();
  await log.expect('order:created', order.id);
  await customer.updateOrder(order.id, { notes: 'leave at the door 🚪' });
  const updated = await log.expect('order:updated', order.id);
  assert.equal(updated.data.message, `Order #${order.orderNumber} has been updated`);
  assert.equal(updated.data.order.notes, 'leave at the door 🚪');
  socket.close();
});
