// Node's own socket.io 4.8 / engine.io 6 implementing the conformance-host contract (notes: protocol-contract.md).
// Running the protocol suite against it tells a wrong test from a wrong server:
//   cd harness/reference && npm ci && cd .. && CONFORMANCE_CMD="node reference/host.mjs" npm test
import http from 'node:http';
import { Server } from 'socket.io';
import { attach } from 'engine.io';
const argv = process.argv.slice(2);
const opt = (n, d) => { const i = argv.indexOf(n); return i >= 0 ? Number(argv[i + 1]) : d; };
const port = opt('--port', 0);
const httpServer = http.createServer();
const common = { pingInterval: opt('--ping-interval', 300), pingTimeout: opt('--ping-timeout', 200), maxHttpBufferSize: opt('--max-payload', 1e6), cors: { origin: '*' } };
const eio = attach(httpServer, { ...common, path: '/engine.io' });
eio.on('connection', (s) => s.on('message', (d) => s.send(d)));
const io = new Server(httpServer, { ...common, connectTimeout: opt('--connect-timeout', 1000) });
io.on('connection', (socket) => {
  socket.emit('auth', socket.handshake.auth);
  socket.on('message', (...a) => socket.emit('message-back', ...a));
  socket.on('message-with-ack', (...a) => { const cb = a.pop(); cb(...a); });
  socket.on('call-me-back', (ev, ...a) => socket.emit(ev, ...a, (...r) => socket.emit('ack-result', ...r)));
  socket.on('disconnect-me', () => socket.disconnect());
  socket.on('join', (room, cb) => { socket.join(room); cb?.(true); });
  socket.on('to-room', (room, ev, ...a) => io.to(room).emit(ev, ...a));
});
io.of('/custom').on('connection', (s) => s.emit('auth', s.handshake.auth));
io.of('/restricted').use((s, next) => { if (s.handshake.auth?.token === 'let-me-in') return next(); const e = new Error('not authorized'); e.data = { reason: 'bad_token' }; next(e); });
io.of('/restricted').on('connection', (s) => s.emit('auth', s.handshake.auth));
httpServer.listen(port, '127.0.0.1', () => console.log(`READY http://127.0.0.1:${httpServer.address().port}`));
process.on('SIGTERM', () => { io.close(); eio.close(); httpServer.close(() => process.exit(0)); setTimeout(() => process.exit(0), 1000).unref(); });
