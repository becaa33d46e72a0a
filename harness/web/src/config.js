// Where the orders service is. Build-time VITE_ORDERS_API_URL (like the seed's NEXT_PUBLIC_ORDERS_SOCKET_URL),
// overridable with ?api=… so a test can point the built page at any port; ?transports=polling forces a transport.
const params = new URLSearchParams(window.location.search);

export const ORDERS_API_URL = params.get('api') ?? import.meta.env.VITE_ORDERS_API_URL ?? 'http://localhost:3004';
export const ORDERS_SOCKET_URL = ORDERS_API_URL;
export const TRANSPORTS = params.get('transports')?.split(',') ?? ['websocket', 'polling'];
