// The orders page of the seed frontend, reduced to what the browser test checks: live indicator, toasts, list.
import { StrictMode, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { getAccessToken } from './cookies.js';
import { ORDERS_API_URL } from './config.js';
import { getStatusEmoji, useOrderSocket } from './useOrderSocket.js';
import { describeTokenStatus } from './tokenRenewal.js';

function useToasts() {
  const [toasts, setToasts] = useState([]);
  const toast = useMemo(() => {
    const push = (kind) => (text) => setToasts((t) => [...t, { id: `${Date.now()}-${t.length}`, kind, text }]);
    return { success: push('success'), info: push('info'), error: push('error') };
  }, []);
  return { toasts, toast };
}

function OrdersPage() {
  const [accessToken, setAccessToken] = useState(null);
  const [orders, setOrders] = useState([]);
  const [fetches, setFetches] = useState(0);
  const [error, setError] = useState(null);
  const { toasts, toast } = useToasts();
  const { isConnected, lastEvent, tokenStatus } = useOrderSocket(accessToken, toast);

  const fetchOrders = useCallback(async (token) => {
    if (!token) return;
    try {
      const res = await fetch(`${ORDERS_API_URL}/api/orders`, {
        headers: { Authorization: `Bearer ${token}` },
        credentials: 'include',
      });
      if (!res.ok) throw new Error(`GET /api/orders ${res.status}`);
      const page = await res.json();
      setOrders(Array.isArray(page) ? page : page.items ?? page.data ?? []);
      setFetches((n) => n + 1);
      setError(null);
    } catch (err) {
      setError(err.message);
    }
  }, []);

  useEffect(() => {
    const token = getAccessToken();
    setAccessToken(token);
    fetchOrders(token);
  }, [fetchOrders]);

  useEffect(() => {
    if (lastEvent) fetchOrders(accessToken);
  }, [lastEvent]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
      <header style={{ display: 'flex', justifyContent: 'space-between' }}>
        <h1>My orders</h1>
        <div data-testid="live-indicator" style={{ color: isConnected ? '#16a34a' : '#6b7280' }}>
          {isConnected ? 'Live Updates Active' : 'Connecting...'}
        </div>
      </header>
      {accessToken && (
        <p data-testid="token-status" data-state={tokenStatus.state} style={{ color: '#6b7280', fontSize: 14 }}>
          {describeTokenStatus(tokenStatus)}
        </p>
      )}
      {!accessToken && <p data-testid="no-token">No accessToken cookie: log in first.</p>}
      {error && <p data-testid="error" style={{ color: '#dc2626' }}>{error}</p>}
      <table data-testid="orders" data-fetches={fetches}>
        <thead><tr><th>Order</th><th>Status</th><th>Total</th></tr></thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id} data-testid="order-row" data-order-id={o.id} data-status={o.status}>
              <td>{o.orderNumber}</td>
              <td>{getStatusEmoji(o.status)} {o.status}</td>
              <td>{o.total} {o.currency}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ol data-testid="toasts" style={{ position: 'fixed', right: 16, bottom: 16, listStyle: 'none' }}>
        {toasts.map((t) => (
          <li key={t.id} role="status" data-kind={t.kind} data-testid="toast"
            style={{ background: '#f3f4f6', margin: 4, padding: '6px 10px', borderRadius: 6 }}>{t.text}</li>
        ))}
      </ol>
    </main>
  );
}

createRoot(document.getElementById('root')).render(<StrictMode><OrdersPage /></StrictMode>);
