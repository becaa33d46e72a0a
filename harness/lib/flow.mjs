// The QA smoke flow of issue 4: create an order as a customer, move it through its lifecycle as an admin and
// await each live event, printing the frontend's toast line for each.
import { OrdersApi, sampleOrder } from './api.mjs';
import { connectSocket } from './client.mjs';
import { DEFAULT_TIMEOUT_MS } from './events.mjs';
import { orderEventLog } from './orders.mjs';
import { tokenFor } from './token.mjs';
import { toastLine } from './toasts.mjs';

/** The frontend's socket options (seed useOrderSocket), minus reconnection attempts a script does not need. */
export const FRONTEND_SOCKET_OPTIONS = Object.freeze({
  transports: ['websocket', 'polling'], reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 5000, reconnectionAttempts: 5,
});

/** Steps per flow: the admin status moves, or the owner's cancel, each with the events it must produce. */
const FLOWS = {
  happy: [
    { as: 'admin', status: 'processing', expect: [['order:status_changed', 'processing']] },
    { as: 'admin', status: 'shipped', expect: [['order:status_changed', 'shipped']] },
    { as: 'admin', status: 'delivered', expect: [['order:status_changed', 'delivered'], ['order:completed']] },
  ],
  cancel: [
    { as: 'admin', status: 'processing', expect: [['order:status_changed', 'processing']] },
    { as: 'owner', cancel: true, expect: [['order:status_changed', 'cancelled'], ['order:cancelled']] },
  ],
};

/**
 * Runs a flow and resolves with { order, toasts, events }. Rejects with an EventTimeoutError (its `eventName`
 * names the missing event), an ApiError, or the socket's connect_error.
 * @param {object} o
 * @param {string} o.api                 orders service base URL
 * @param {string} [o.user]              customer to mint a token for (else ACCESS_TOKEN)
 * @param {string} [o.token]             customer token
 * @param {string} [o.adminUser]         admin to mint a token for (else ADMIN_TOKEN, else 'qa-admin')
 * @param {'happy'|'cancel'} [o.flow]
 * @param {(line: string) => void} [o.print]  called with each toast line as its event arrives
 */
export async function runOrderFlow({ api, user, token, adminUser, adminToken = process.env.ADMIN_TOKEN, flow = 'happy',
  timeoutMs = DEFAULT_TIMEOUT_MS, socketOptions = {}, print = () => {} } = {}) {
  const steps = FLOWS[flow];
  if (!steps) throw new Error(`unknown flow '${flow}' (expected ${Object.keys(FLOWS).join(' or ')})`);
  const customerToken = tokenFor({ user, token });
  const customer = new OrdersApi(api, { token: customerToken, timeoutMs });
  const admin = new OrdersApi(api, {
    token: adminToken && !adminUser ? adminToken : tokenFor({ user: adminUser ?? 'qa-admin', role: 'admin' }), timeoutMs,
  });

  const socket = await connectSocket(api, { ...FRONTEND_SOCKET_OPTIONS, ...socketOptions, auth: { token: customerToken } }, timeoutMs);
  const toasts = [];
  let orderId;
  const log = orderEventLog(socket, {
    onEvent: (name, data) => {
      if (!orderId || data?.order?.id !== orderId) return; // earlier ones are printed once the id is known
      const line = toastLine(name, data);
      if (line) { toasts.push(line); print(line); }
    },
  });
  try {
    const order = await customer.createOrder(sampleOrder({ notes: `order-flow ${flow} ${new Date().toISOString()}` }));
    orderId = order.id;
    // Events that raced ahead of the REST response are printed now.
    for (const e of log.forOrder(orderId)) { const line = toastLine(e.name, e.data); if (line) { toasts.push(line); print(line); } }
    const orderLabel = order.orderNumber ?? orderId;
    await log.expect('order:created', orderId, () => true, { timeoutMs, orderLabel });
    for (const step of steps) {
      if (step.cancel) await customer.cancelOrder(orderId);
      else await admin.setStatus(orderId, step.status);
      for (const [name, newStatus] of step.expect) {
        await log.expect(name, orderId, (d) => !newStatus || d.newStatus === newStatus,
          { timeoutMs, orderLabel, describe: newStatus ? `newStatus ${newStatus}` : '' });
      }
    }
    return { order, toasts, events: log.forOrder(orderId) };
  } finally {
    log.stop();
    socket.close();
  }
}
