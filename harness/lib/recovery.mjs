// Connection state recovery seen from the stock client: a socket that drops off and comes back on cue, a record of
// the durable order events it received (each with the offset the server sends as its last argument), and the
// checks every recovery test makes on that record.
import assert from 'node:assert/strict';
import { createSocket, waitConnected } from './client.mjs';
import { DEFAULT_TIMEOUT_MS, EventTimeoutError, sleep, waitForEvent } from './events.mjs';
import { tokenFor } from './token.mjs';
import { ORDER_EVENTS } from './toasts.mjs';

const CONNECT = 0; // Socket.IO packet type

/**
 * Environment for a started Orders.Api that logs the Socket.IO server's recovery decisions ("recovered … with N missed
 * events", "not recovered (expired): a fresh session"), so a failure message quoting its output says why.
 */
export const RECOVERY_LOG_ENV = Object.freeze({ 'Serilog__MinimumLevel__Override__Orders.Protocol.SocketIO.SocketIOServer': 'Debug' });

/**
 * The recovery decisions in a started service's recent output (with RECOVERY_LOG_ENV): the lines that say why a
 * connection was or was not recovered, for failure messages.
 */
export function recoveryDecisions(host, lines = 400) {
  if (!host) return '(service not started by the harness)';
  const found = host.output(lines).split('\n').filter((l) => l.includes('recovered'));
  return found.length ? found.slice(-10).join('\n') : `(none in its last ${lines} log lines)`;
}

/** Longer than the service's 1 s feed poll: a late or duplicate delivery shows up within it. */
export const QUIET_MS = 1500;

/**
 * A socket.io-client socket connected as `user`, with reconnection on (short backoff) like the frontend, set up so a
 * test decides when it comes back: while the client is held, the Manager still reconnects the transport by itself,
 * but the Socket.IO CONNECT (which carries `{ pid, offset }` beside the token) waits until `release()`.
 * `timeoutMs` (default HARNESS_TIMEOUT_MS) bounds each of its waits unless a call names its own.
 *
 * Returned object:
 *  - `socket`, `connect()` (resolves once connected), `close()`
 *  - `received`: durable order events in arrival order, `{ name, data, offset, argc, socketId }`
 *  - `connects`: every `connect` as `{ id, pid, recovered, offset, received }`: pid from the server's CONNECT answer,
 *    the offset the client presented (undefined when it had none) and how many events it had received by then
 *  - `disconnects` (reasons), `connectErrors`
 *  - `drop()`: holds, closes the engine (the documented way to simulate a network drop), resolves with the socket id
 *    it had once `disconnect` fired
 *  - `comeBack(timeoutMs)`: releases and resolves with the next connect's `{ id, pid, recovered }`
 *  - `hold()` / `release()`; `pid` and `lastOffset` (what the client will present)
 *  - `until(check, timeoutMs, what)`: resolves once `check(received)` is true; `untilKeys(keys, …)` once every
 *    eventKey in `keys` was received; `keys()`: the eventKeys received, in order
 */
export function recoveringClient(url, { user, role, token, timeoutMs: waitMs = DEFAULT_TIMEOUT_MS, ...options } = {}) {
  const auth = { token: tokenFor({ user, role, token }) };
  let held = false;
  let waiting = null;
  const received = [];
  const connects = [];
  const disconnects = [];
  const connectErrors = [];
  const watchers = new Set();
  let lastConnectAnswer;
  let presented;

  const socket = createSocket(url, {
    timeout: waitMs,
    reconnection: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    // socket.io-client calls this on every transport open and merges its own { pid, offset } into what we pass on.
    auth: (send) => {
      // The client adds the last offset it received (and its pid) to what is sent here.
      const connect = () => { presented = received.at(-1)?.offset; send(auth); };
      if (!held) { connect(); return; }
      const engine = socket.io.engine;
      // Only the newest transport's CONNECT matters: one closed meanwhile must not send on its successor.
      waiting = () => { if (socket.io.engine === engine && engine.readyState === 'open') connect(); };
    },
    ...options,
  });
  // Registered before the socket subscribes to its Manager, so this runs first for each packet.
  socket.io.on('packet', (packet) => {
    if (packet.type === CONNECT && packet.nsp === socket.nsp) lastConnectAnswer = packet.data;
  });
  socket.onAny((name, ...args) => {
    if (!ORDER_EVENTS.includes(name)) return;
    received.push({ name, data: args[0], offset: args.at(-1), argc: args.length, socketId: socket.id });
    for (const w of watchers) w();
  });
  socket.on('connect', () => connects.push({
    id: socket.id, pid: lastConnectAnswer?.pid, recovered: socket.recovered, offset: presented, received: received.length,
  }));
  socket.on('disconnect', (reason) => disconnects.push(reason));
  socket.on('connect_error', (err) => connectErrors.push(err.message));

  const release = () => {
    held = false;
    const go = waiting;
    waiting = null;
    go?.();
  };

  return {
    socket,
    received,
    connects,
    disconnects,
    connectErrors,
    get pid() { return lastConnectAnswer?.pid; },
    get lastOffset() { return received.at(-1)?.offset; },
    connect: async (timeoutMs = waitMs) => { await waitConnected(socket, timeoutMs); },
    hold: () => { held = true; },
    release,
    async drop(timeoutMs = waitMs) {
      held = true;
      const id = socket.id;
      const gone = waitForEvent(socket, 'disconnect', () => true, timeoutMs);
      socket.io.engine.close();
      await gone;
      return id;
    },
    async comeBack(timeoutMs = waitMs) {
      const back = waitForEvent(socket, 'connect', () => true, timeoutMs);
      release();
      await back;
      return connects.at(-1);
    },
    until(check, timeoutMs = waitMs, what = 'events') {
      if (check(received)) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const watcher = () => { if (check(received)) { finish(); resolve(received); } };
        const timer = setTimeout(() => { finish(); reject(new EventTimeoutError(what, timeoutMs, describeEvents(received))); }, timeoutMs);
        const finish = () => { clearTimeout(timer); watchers.delete(watcher); };
        watchers.add(watcher);
      });
    },
    untilKeys(keys, timeoutMs = waitMs, what = keys.join(', ')) {
      return this.until((r) => keys.every((k) => receivedKeys(r).includes(k)), timeoutMs, what);
    },
    keys: () => receivedKeys(received),
    close() { held = false; waiting = null; socket.close(); },
  };
}

/** The eventKey of each received event, in arrival order. */
export const receivedKeys = (received) => received.map((e) => eventKey(e.name, e.data.order));

/**
 * Asserts that `client` received exactly `expected` (eventKeys, in this order) and a sound stream: waits until all
 * arrived (bounded), then a quiet window in which a late duplicate or stray event would show, then compares.
 * `host` (a started service) adds its last output to the message when something is missing.
 */
export async function expectExactly(client, expected, { what = 'events', host, timeoutMs = 10000, quietMs = QUIET_MS } = {}) {
  await client.untilKeys(expected, timeoutMs, what).catch((err) => {
    throw new Error(`${err.message}${host ? `\nservice output:\n${host.output(25)}` : ''}`);
  });
  await sleep(quietMs);
  assert.deepEqual(durableStreamProblems(client.received), [], describeEvents(client.received));
  assert.deepEqual(client.keys(), expected, `${what}: ${describeEvents(client.received)}`);
}

/** What identifies an order event across live delivery and replay: order id, order version and event name. */
export const eventKey = (name, order) => `${order.id} v${order.version} ${name}`;

/** The events a successful REST change implies, as eventKey strings, from the order in its response. */
export function eventsOfChange(change, order) {
  switch (change) {
    case 'create': return [eventKey('order:created', order)];
    case 'update': return [eventKey('order:updated', order)];
    case 'status':
    case 'cancel': {
      const keys = [eventKey('order:status_changed', order)];
      if (order.status === 'cancelled') keys.push(eventKey('order:cancelled', order));
      if (order.status === 'delivered') keys.push(eventKey('order:completed', order));
      return keys;
    }
    default: throw new Error(`unknown change ${change}`);
  }
}

/**
 * What is wrong with a client's record of durable events, as readable lines (empty when nothing is): each event has
 * its payload and a numeric string offset as its last of two arguments; offsets strictly increase in arrival order
 * (so none came twice); no event (eventKey) came twice; per order, versions never go down.
 */
export function durableStreamProblems(received) {
  const problems = [];
  const seen = new Map();
  const versions = new Map();
  let previous = null;
  received.forEach((e, i) => {
    const where = `#${i} ${e.name} offset ${e.offset}`;
    if (e.argc !== 2 || typeof e.offset !== 'string' || !/^[1-9][0-9]*$/.test(e.offset)) {
      problems.push(`${where}: expected (payload, offset string), got ${e.argc} arguments, last ${JSON.stringify(e.offset)}`);
      return;
    }
    const offset = BigInt(e.offset);
    if (previous !== null && offset <= previous) problems.push(`${where}: offset not above the previous one (${previous})`);
    previous = offset;
    const order = e.data?.order;
    if (!order?.id || typeof order.version !== 'number') { problems.push(`${where}: no order id/version in payload`); return; }
    const key = eventKey(e.name, order);
    if (seen.has(key)) problems.push(`${where}: ${key} already received as #${seen.get(key)}`);
    else seen.set(key, i);
    const before = versions.get(order.id);
    if (before !== undefined && order.version < before) problems.push(`${where}: order ${order.id} version ${order.version} after ${before}`);
    versions.set(order.id, order.version);
  });
  return problems;
}

/** A short, readable listing of received events for failure messages. */
export function describeEvents(received, max = 30) {
  const lines = received.slice(-max).map((e) => `${e.offset} ${e.name} ${e.data?.order?.orderNumber ?? e.data?.order?.id} v${e.data?.order?.version}`
    + `${e.data?.newStatus ? ` → ${e.data.newStatus}` : ''} [${e.socketId}]`);
  return `${received.length} received${received.length > max ? `, last ${max}` : ''}: ${lines.join('; ') || 'none'}`;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same choices. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}
