// Bounded waits on socket.io-client sockets. Every helper removes its listeners and timers when it settles,
// so a failed wait never keeps the test process alive.

export const DEFAULT_TIMEOUT_MS = Number(process.env.HARNESS_TIMEOUT_MS ?? 5000);

/** Raised when an awaited event does not arrive in time; `eventName` names it. */
export class EventTimeoutError extends Error {
  constructor(eventName, timeoutMs, detail = '') {
    super(`timed out after ${timeoutMs} ms waiting for '${eventName}'${detail ? ` (${detail})` : ''}`);
    this.name = 'EventTimeoutError';
    this.eventName = eventName;
  }
}

/**
 * Resolves with the args array of the first `name` event whose args satisfy `predicate(...args)`.
 * Works for socket events (`connect`, `disconnect`, `connect_error`, application events) and for any
 * EventEmitter-like object (socket.io Manager, engine) with on/off.
 */
export function waitForEvent(emitter, name, predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const listener = (...args) => {
      let ok;
      try { ok = predicate(...args); } catch (err) { finish(); reject(err); return; }
      if (ok) { finish(); resolve(args); }
    };
    const timer = setTimeout(() => { finish(); reject(new EventTimeoutError(name, timeoutMs)); }, timeoutMs);
    const finish = () => { clearTimeout(timer); emitter.off(name, listener); };
    emitter.on(name, listener);
  });
}

/** Resolves after `windowMs` if no `name` event (matching `predicate`) arrived; rejects as soon as one does. */
export function expectNoEvent(emitter, name, windowMs = 500, predicate = () => true) {
  return new Promise((resolve, reject) => {
    const listener = (...args) => {
      if (!predicate(...args)) return;
      finish();
      reject(new Error(`unexpected '${name}' within ${windowMs} ms: ${safeJson(args)}`));
    };
    const timer = setTimeout(() => { finish(); resolve(); }, windowMs);
    const finish = () => { clearTimeout(timer); emitter.off(name, listener); };
    emitter.on(name, listener);
  });
}

/**
 * Records everything a socket receives (application events via onAny, plus lifecycle events).
 * Returns { events, names(), of(name), stop() }; events are { name, args, at } in arrival order.
 */
export function collect(socket) {
  const events = [];
  const push = (name) => (...args) => events.push({ name, args, at: Date.now() });
  const any = (name, ...args) => events.push({ name, args, at: Date.now() });
  const lifecycle = ['connect', 'disconnect', 'connect_error'].map((n) => [n, push(n)]);
  socket.onAny(any);
  for (const [n, l] of lifecycle) socket.on(n, l);
  return {
    events,
    names: () => events.map((e) => e.name),
    of: (name) => events.filter((e) => e.name === name),
    stop() { socket.offAny(any); for (const [n, l] of lifecycle) socket.off(n, l); },
  };
}

/** Emits with an ack and resolves with ALL ack args (emitWithAck keeps only the first). */
export function emitWithAckArgs(socket, name, args = [], timeoutMs = DEFAULT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(name, ...args, (err, ...ackArgs) => {
      if (err) reject(new EventTimeoutError(`ack of ${name}`, timeoutMs)); else resolve(ackArgs);
    });
  });
}

/** Rejects after `ms` with a message naming `what`; clears its timer when `promise` settles first. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new EventTimeoutError(what, ms)), ms); }),
  ]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function safeJson(value) {
  try { return JSON.stringify(value, (k, v) => (v?.type === 'Buffer' ? `<Buffer ${v.data.length}>` : v)).slice(0, 300); }
  catch { return String(value); }
}
