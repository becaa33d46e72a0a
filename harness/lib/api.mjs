// REST client for the orders API (issue 3). Errors come back as ProblemDetails; ApiError keeps status and body.
import { DEFAULT_TIMEOUT_MS } from './events.mjs';
import { tokenFor } from './token.mjs';

export class ApiError extends Error {
  constructor(method, url, status, body) {
    const detail = body && typeof body === 'object' ? (body.title ?? '') + (body.detail ? `: ${body.detail}` : '') : String(body ?? '');
    super(`${method} ${url} -> ${status}${detail ? ` ${detail}` : ''}`);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** Order statuses and the emoji the frontend shows for them. */
export const STATUS_EMOJI = Object.freeze({ pending: '⏳', processing: '📦', shipped: '🚚', delivered: '✅', cancelled: '❌' });

/** A small sample order body for QA scripts. */
export function sampleOrder(overrides = {}) {
  return {
    items: [
      { sku: 'SKU-MUG-01', name: 'Coffee mug', quantity: 2, unitPrice: 12.5 },
      { sku: 'SKU-TEA-07', name: 'Green tea 緑茶', quantity: 1, unitPrice: 7.25 },
    ],
    currency: 'EUR',
    shippingAddress: '1 Harness Road, 10115 Berlin',
    notes: 'QA harness order',
    ...overrides,
  };
}

export class OrdersApi {
  /**
   * @param {string} baseUrl  e.g. http://localhost:3004
   * @param {object} [o]      { token } or { user, role } (minted) or nothing (ACCESS_TOKEN)
   */
  constructor(baseUrl, { token, user, role, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = tokenFor({ user, role, token });
    this.timeoutMs = timeoutMs;
  }

  /** Sends a request; resolves with { status, headers, body } for any status when `raw`, else the body of a 2xx. */
  async request(method, path, { body, headers = {}, raw = false, token = this.token } = {}) {
    const url = `${this.baseUrl}${path}`;
    let res;
    let text;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // A timeout is a DOMException, which a test file's report shows as `{}`: say which call failed and how.
      throw new Error(`${method} ${path}: ${err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `${err.name}: ${err.message}`}`,
        { cause: err });
    }
    let parsed = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    if (raw) return { status: res.status, headers: res.headers, body: parsed };
    if (!res.ok) throw new ApiError(method, path, res.status, parsed);
    return parsed;
  }

  createOrder(body = sampleOrder()) { return this.request('POST', '/api/orders', { body }); }
  listOrders(query = {}) {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined)).toString();
    return this.request('GET', `/api/orders${qs ? `?${qs}` : ''}`);
  }
  getOrder(id) { return this.request('GET', `/api/orders/${encodeURIComponent(id)}`); }
  updateOrder(id, patch) { return this.request('PATCH', `/api/orders/${encodeURIComponent(id)}`, { body: patch }); }
  /** Admins only: pending → processing → shipped → delivered, pending|processing → cancelled. */
  setStatus(id, status) { return this.request('PATCH', `/api/orders/${encodeURIComponent(id)}/status`, { body: { status } }); }
  cancelOrder(id) { return this.request('POST', `/api/orders/${encodeURIComponent(id)}/cancel`); }
}

/** The list endpoint is paginated; accept either a bare array or a page object ({ items } / { data }). */
export function pageItems(page) {
  if (Array.isArray(page)) return page;
  return page?.items ?? page?.data ?? page?.orders ?? [];
}
