// The seed frontend's useOrderSocket hook, with the same io() options; toasts go through the `toast` callback.
// Beyond the seed: the token is renewed in band when the server says it is expiring (tokenRenewal.js).
import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import { ORDERS_SOCKET_URL, TRANSPORTS } from './config.js';
import { watchTokenRenewal } from './tokenRenewal.js';

export const getStatusEmoji = (status) => ({
  pending: '⏳', processing: '📦', shipped: '🚚', delivered: '✅', cancelled: '❌',
}[status] ?? 'ℹ️');

export const useOrderSocket = (accessToken, toast) => {
  const socketRef = useRef(null);
  const [isConnected, setIsConnected] = useState(false);
  const [lastEvent, setLastEvent] = useState(null);
  const [tokenStatus, setTokenStatus] = useState({ state: 'valid' });

  useEffect(() => {
    if (!accessToken) return undefined;

    const socket = io(ORDERS_SOCKET_URL, {
      auth: { token: accessToken },
      transports: TRANSPORTS,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      reconnectionAttempts: 5,
    });
    socketRef.current = socket;
    window.__orderSocket = socket; // lets the browser test read the transport in use
    const stopRenewal = watchTokenRenewal(socket, accessToken, setTokenStatus);

    socket.on('connect', () => {
      setIsConnected(true);
      toast.success('🔔 Real-time updates connected!');
    });
    socket.on('disconnect', () => setIsConnected(false));
    socket.on('connect_error', (err) => {
      setIsConnected(false);
      toast.error(`${err.message}${err.data?.reason ? ` (${err.data.reason})` : ''}`);
    });

    socket.on('order:created', (data) => {
      setLastEvent({ ...data, type: 'order:created' });
      toast.success(`✅ ${data.message}`);
    });
    socket.on('order:status_changed', (data) => {
      setLastEvent({ ...data, type: 'order:status_changed' });
      toast.info(`${getStatusEmoji(data.newStatus)} ${data.message}`);
    });
    socket.on('order:updated', (data) => {
      setLastEvent({ ...data, type: 'order:updated' });
      toast.info(`📝 ${data.message}`);
    });
    socket.on('order:cancelled', (data) => {
      setLastEvent({ ...data, type: 'order:cancelled' });
      toast.error(`❌ ${data.message}`);
    });
    socket.on('order:completed', (data) => {
      setLastEvent({ ...data, type: 'order:completed' });
      toast.success(`✅ ${data.message}`);
    });

    return () => {
      stopRenewal();
      socket.disconnect();
    };
  }, [accessToken]); // eslint-disable-line react-hooks/exhaustive-deps

  return { isConnected, lastEvent, socket: socketRef.current, tokenStatus };
};
