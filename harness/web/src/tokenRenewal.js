// In-band token renewal: ahead of the token's exp the server emits auth:expiring { expiresAt }; the page takes the
// newest accessToken cookie (the auth service refreshes it) and sends it with auth:renew, whose ack says
// { ok: true, expiresAt } or { ok: false, reason }. While the cookie still holds the old token it looks again every
// second: without a renewal the server ends the socket at exp + its clock skew, after auth:expired { reason }.
// Attached right after io(), before the first packet can arrive: auth:expiring may come with the CONNECT answer.
import { getAccessToken } from './cookies.js';

const RETRY_MS = 1000;
const ACK_TIMEOUT_MS = 5000;

export const watchTokenRenewal = (socket, accessToken, setStatus) => {
  let current = accessToken;
  let retry;

  const renew = (expiresAt) => {
    clearTimeout(retry);
    const fresh = getAccessToken();
    if (!fresh || fresh === current) {
      setStatus({ state: 'waiting', expiresAt });
      retry = setTimeout(() => renew(expiresAt), RETRY_MS);
      return;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit('auth:renew', { token: fresh }, (err, ack) => {
      if (err) {
        retry = setTimeout(() => renew(expiresAt), RETRY_MS);
      } else if (ack?.ok) {
        current = fresh;
        socket.auth = { ...socket.auth, token: fresh }; // a reconnect presents the renewed token too
        setStatus({ state: 'renewed', expiresAt: ack.expiresAt });
      } else {
        setStatus({ state: 'refused', reason: ack?.reason ?? 'unknown' });
      }
    });
  };

  const onExpiring = ({ expiresAt } = {}) => {
    setStatus({ state: 'expiring', expiresAt });
    renew(expiresAt);
  };
  const onExpired = ({ reason } = {}) => {
    clearTimeout(retry);
    setStatus({ state: 'expired', reason });
  };
  socket.on('auth:expiring', onExpiring);
  socket.on('auth:expired', onExpired);
  return () => {
    clearTimeout(retry);
    socket.off('auth:expiring', onExpiring);
    socket.off('auth:expired', onExpired);
  };
};

const time = (iso) => (iso ? `${new Date(iso).toISOString().slice(11, 19)} UTC` : '?');

export const describeTokenStatus = ({ state, expiresAt, reason }) => ({
  valid: 'Token valid',
  expiring: `Token expires at ${time(expiresAt)}: renewing…`,
  waiting: `Token expires at ${time(expiresAt)}: waiting for a new token…`,
  renewed: `Token renewed, valid until ${time(expiresAt)}`,
  refused: `Token renewal refused (${reason}): the connection ends when the old token does`,
  expired: `Session ended (${reason}): log in again`,
}[state]);
