// Connecting the stock socket.io-client as a test or QA user.
import { io, Manager } from 'socket.io-client';
import { DEFAULT_TIMEOUT_MS, EventTimeoutError } from './events.mjs';
import { tokenFor } from './token.mjs';

const open = new Set();

/**
 * Creates a socket.io-client socket that does not connect yet (autoConnect false), so a test can attach
 * listeners before the first packet. Defaults suited to tests: a fresh Manager per socket and no reconnection
 * unless asked for. `url` may include a namespace (`http://127.0.0.1:3000/custom`).
 */
export function createSocket(url, options = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, autoConnect: false, timeout: DEFAULT_TIMEOUT_MS, ...options });
  open.add(socket);
  return socket;
}

/**
 * Connects and resolves with the socket once `connect` fires; rejects with the `connect_error` (its message and
 * `data` intact) or a timeout. The socket is closed on failure.
 */
export function connectSocket(url, options = {}, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return waitConnected(createSocket(url, options), timeoutMs);
}

/** Connects an existing (not yet connected) socket; see connectSocket. */
export function waitConnected(socket, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const onConnect = () => { finish(); resolve(socket); };
    const onError = (err) => {
      // With reconnection on, the Manager retries transport errors by itself and the socket stays active;
      // a namespace refusal (CONNECT_ERROR packet) deactivates the socket, so give up then.
      if (socket.io.reconnection() && socket.active) return;
      finish(); socket.close(); reject(err);
    };
    const timer = setTimeout(() => { finish(); socket.close(); reject(new EventTimeoutError('connect', timeoutMs, socket.io.uri)); }, timeoutMs);
    const finish = () => { clearTimeout(timer); socket.off('connect', onConnect); socket.off('connect_error', onError); };
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
    if (!socket.connected && !socket.active) socket.connect();
  });
}

/**
 * Connects to the orders service as a user: the token goes in `auth.token` like the frontend's useOrderSocket.
 * `user`/`role` mint a token with ACCESS_TOKEN_SECRET/ISSUER; without them ACCESS_TOKEN is used.
 */
export function connectAs(url, { user, role, token, ...options } = {}, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const auth = { token: tokenFor({ user, role, token }) };
  return connectSocket(url, { auth, ...options }, timeoutMs);
}

/** A Manager (one Engine.IO connection) for multiplexing several namespaces in one test. */
export function createManager(url, options = {}) {
  const manager = new Manager(url, { reconnection: false, autoConnect: false, timeout: DEFAULT_TIMEOUT_MS, ...options });
  return manager;
}

/** Closes every socket this module created; call from an `after`/`afterEach` hook. */
export function closeAllSockets() {
  for (const socket of open) socket.close();
  open.clear();
}
