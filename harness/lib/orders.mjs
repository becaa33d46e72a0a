// Helpers for QA scripts against the orders service (issue 3): where it is, starting it, awaiting order events.
import { after, before } from 'node:test';
import { closeAllSockets } from './client.mjs';
import { startDotnet } from './process.mjs';
import { DEFAULT_TIMEOUT_MS, EventTimeoutError } from './events.mjs';
import { ORDER_EVENTS } from './toasts.mjs';

export const ORDERS_API_DLL = process.env.ORDERS_API_DLL ?? 'Orders.Api/bin/Release/net10.0/Orders.Api.dll';

/** The orders service base URL: ORDERS_API_URL, default http://localhost:3004 (the service's default PORT). */
export const ordersApiUrl = () => (process.env.ORDERS_API_URL ?? 'http://localhost:3004').replace(/\/$/, '');

/**
 * Starts Orders.Api from its build output on `port` and waits for /readyz (database reachable).
 * Environment (DATABASE_URL, ACCESS_TOKEN_SECRET, ISSUER, FRONTEND_URL) is passed through; `env` adds to it.
 */
export async function startOrdersApi({ port = 3004, env = {}, timeoutMs = 60000, name = 'Orders.Api' } = {}) {
  const baseUrl = `http://127.0.0.1:${port}`;
  const handle = await startDotnet({
    dll: ORDERS_API_DLL, name, env: { PORT: String(port), ...env }, baseUrl,
    readyUrl: `${baseUrl}/readyz`, timeoutMs,
  });
  // What restartOrdersApi needs to start the same service again.
  handle.startOptions = { port, env, timeoutMs, name };
  return handle;
}

/** Throws a clear message when nothing answers at `${url}/healthz`. */
export async function assertServiceUp(url = ordersApiUrl()) {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
  } catch (err) {
    throw new Error(`orders service not reachable at ${url} (${err.message}); start it with \`make run\` or set ORDERS_API_URL`);
  }
}

/**
 * Records every order event a socket receives and lets a script await one by order id, also when it arrived
 * before the await (the REST response and the event race). `onEvent(name, data)` sees each in arrival order.
 */
export function orderEventLog(socket, { onEvent } = {}) {
  const events = [];
  const waiters = new Set();
  const listener = (name, data) => {
    if (!ORDER_EVENTS.includes(name)) return;
    const entry = { name, data, at: Date.now() };
    events.push(entry);
    onEvent?.(name, data);
    for (const w of waiters) if (w.matches(entry)) w.resolve(entry);
  };
  socket.onAny(listener);
  return {
    events,
    /** Events for one order (by id), in arrival order. */
    forOrder: (orderId) => events.filter((e) => e.data?.order?.id === orderId),
    /**
     * Resolves with { name, data } of the first `name` event for `orderId` matching `predicate(data)`, seen or to come.
     * Rejects with an EventTimeoutError naming the event (and `describe`, e.g. "newStatus shipped") otherwise.
     */
    expect(name, orderId, predicate = () => true, { timeoutMs = DEFAULT_TIMEOUT_MS, describe = '', orderLabel = orderId } = {}) {
      const matches = (e) => e.name === name && e.data?.order?.id === orderId && predicate(e.data);
      const seen = events.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          matches,
          resolve: (e) => { clearTimeout(timer); waiters.delete(waiter); resolve(e); },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new EventTimeoutError(name, timeoutMs, `order ${orderLabel}${describe ? `, ${describe}` : ''}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop() { socket.offAny(listener); },
  };
}

/**
 * node:test fixture for the orders tests: with ORDERS_API_START=1 it starts Orders.Api from the build output on
 * ORDERS_API_PORT (default 3004) and stops it afterwards; otherwise it checks that ORDERS_API_URL answers.
 * Returns { url, host } (host only when started here, e.g. for restart tests). `env` adds to the started service's
 * environment (e.g. a log level).
 */
export function useOrdersService({ env } = {}) {
  const ctx = { url: ordersApiUrl(), host: undefined };
  before(async () => {
    if (process.env.ORDERS_API_START === '1') {
      ctx.host = await startOrdersApi({ port: Number(process.env.ORDERS_API_PORT ?? 3004), env });
      ctx.url = ctx.host.url;
    } else {
      await assertServiceUp(ctx.url);
    }
  });
  after(async () => {
    closeAllSockets();
    await ctx.host?.stop();
  });
  return ctx;
}

/**
 * Stops a service started by startOrdersApi and starts it again on the same port with the same environment (a restart
 * as clients see it). An already exited service (killed by the test) is only started again.
 */
export async function restartOrdersApi(host, options = {}) {
  await host.stop();
  return startOrdersApi({ ...host.startOptions, port: host.port, ...options });
}
