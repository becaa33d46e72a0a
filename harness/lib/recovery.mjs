// Connection state recovery seen from the stock client: a socket that drops off and comes back on cue, a record of
// the durable order events it received (each with the offset the server sends as its last argument), and the
// checks every recovery test makes on that record.
import { createSocket, waitConnected } from './client.mjs';
import { DEFAULT_TIMEOUT_MS, EventTimeoutError, waitForEvent } from './events.mjs';
import { tokenFor } from './token.mjs';
import { ORDER_EVENTS } from './toasts.mjs';

const CONNECT = 0; // Socket.IO packet type

/**
 * A socket.io-client socket connected as `user`, with reconnection on (short backoff) like the frontend, set up so a
 * test decides when it comes back: while the client is held, the Manager still reconnects the transport by itself,
 * but the Socket.IO CONNECT (which carries `{ pid, offset }` beside the token) waits until `release()`.
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
 *  - `until(check, timeoutMs, what)`: resolves once `check(received)` is true
 */
export function recoveringClient(url, { user, role, token, ...options } = {}) {
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
    connect: async (timeoutMs = DEFAULT_TIMEOUT_MS) => { await waitConnected(socket, timeoutMs); },
    hold: () => { held = true; },
    release,
    async drop(timeoutMs = DEFAULT_TIMEOUT_MS) {
      held = true;
      const id = socket.id;
      const gone = waitForEvent(socket, 'disconnect', () => true, timeoutMs);
      socket.io.engine.close();
      await gone;
      return id;
    },
    async comeBack(timeoutMs = DEFAULT_TIMEOUT_MS) {
      const back = waitForEvent(socket, 'connect', () => true, timeoutMs);
      release();
      await back;
      return connects.at(-1);
    },
    until(check, timeoutMs = DEFAULT_TIMEOUT_MS, what = 'events') {
      if (check(received)) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const watcher = () => { if (check(received)) { finish(); resolve(received); } };
        const timer = setTimeout(() => { finish(); reject(new EventTimeoutError(what, timeoutMs, describeEvents(received))); }, timeoutMs);
        const finish = () => { clearTimeout(timer); watchers.delete(watcher); };
        watchers.add(watcher);
      });
    },
    close() { held = false; waiting = null; socket.close(); },
  };
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
