// Example QA script 2: cancellation by the owner and by an admin, and no cancel after shipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, connectAs, expectNoEvent, OrdersApi, orderEventLog, useOrdersService } from '../../lib/index.mjs';

const service = useOrdersService();

test('the owner cancels a pending order: status_changed then cancelled, and no completed', async () => {
  const user = `qa-cancel-${Date.now()}`;
  const customer = new OrdersApi(service.url, { user });
  const socket = await connectAs(service.url, { user });
  const log = orderEventLog(socket);
  const order = await customer.createOrder();
  await log.expect('order:created', order.id);

  const noCompleted = expectNoEvent(socket, 'order:completed', 1000);
  await customer.cancelOrder(order.id);
  const changed = await log.expect('order:status_changed', order.id, (d) => d.newStatus === 'cancelled');
  assert.equal(changed.data.oldStatus, 'pending');
  assert.equal(changed.data.message, `Order #${order.orderNumber} status updated to cancelled`);
  const cancelled = await log.expect('order:cancelled', order.id);
  assert.equal(cancelled.data.message, `Order #${order.orderNumber} has been cancelled`);
  assert.deepEqual(log.forOrder(order.id).map((e) => e.name), ['order:created', 'order:status_changed', 'order:cancelled']);
  await noCompleted;
  socket.close();
});

test('an admin cancels a processing order; a shipped order cannot be cancelled (409, no event)', async () => {
  const user = `qa-cancel2-${Date.now()}`;
  const customer = new OrdersApi(service.url, { user });
  const admin = new OrdersApi(service.url, { user: 'qa-admin', role: 'admin' });
  const socket = await connectAs(service.url, { user });
  const log = orderEventLog(socket);

  const first = await customer.createOrder();
  await admin.setStatus(first.id, 'processing');
  await admin.setStatus(first.id, 'cancelled');
  const changed = await log.expect('order:status_changed', first.id, (d) => d.newStatus === 'cancelled');
  assert.equal(changed.data.oldStatus, 'processing');
  await log.expect('order:cancelled', first.id);

  const second = await customer.createOrder();
  await admin.setStatus(second.id, 'processing');
  await admin.setStatus(second.id, 'shipped');
  await log.expect('order:status_changed', second.id, (d) => d.newStatus === 'shipped');
  const quiet = expectNoEvent(socket, 'order:cancelled', 800);
  await assert.rejects(customer.cancelOrder(second.id), (err) => err instanceof ApiError && err.status === 409);
  await quiet;
  socket.close();
});
