// The frontend's toast line for each order event (seed useOrderSocket): ✅ created, status emoji for a status change,
// ❌ cancelled, ✅ delivered. The dedicated order:cancelled / order:completed toasts stand for the terminal status
// change, so, like the seed's expected output, a status change to cancelled/delivered shows no toast of its own.
import { STATUS_EMOJI } from './api.mjs';

export const ORDER_EVENTS = Object.freeze(['order:created', 'order:updated', 'order:status_changed', 'order:cancelled', 'order:completed']);

/** The toast text for an event, or null when the frontend shows none for it. */
export function toastLine(eventName, data) {
  switch (eventName) {
    case 'order:created': return `✅ ${data.message}`;
    case 'order:status_changed':
      if (data.newStatus === 'delivered' || data.newStatus === 'cancelled') return null;
      return `${STATUS_EMOJI[data.newStatus] ?? 'ℹ️'} ${data.message}`;
    case 'order:updated': return `📝 ${data.message}`;
    case 'order:cancelled': return `❌ ${data.message}`;
    case 'order:completed': return `✅ ${data.message}`;
    default: return null;
  }
}
