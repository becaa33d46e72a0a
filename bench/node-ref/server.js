// Reference server for the benchmarks: the same contract as bench/Orders.BenchServer, on Node's socket.io 4.8
// with its defaults (WebSocket via ws + bufferutil, no per-message deflate, in-memory adapter).
//   node --expose-gc server.js --port N [--host 127.0.0.1] [--ping-interval-ms N] [--ping-timeout-ms N] [--backlog N]
import { createServer } from "node:http";
import { Server } from "socket.io";

const opts = { port: 3101, host: "127.0.0.1", pingIntervalMs: 25000, pingTimeoutMs: 20000, backlog: 4096 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  if (!(key in opts) || argv[i + 1] === undefined) {
    console.error(`unknown option ${argv[i]}`);
    process.exit(2);
  }
  opts[key] = key === "host" ? argv[i + 1] : Number(argv[i + 1]);
}

const httpServer = createServer((req, res) => {
  if (req.method === "GET" && req.url.startsWith("/stats")) {
    if (req.url.includes("gc=1") && global.gc) global.gc();
    // "heap" is beyond the contract: V8 heap in use plus Buffers outside it, the counterpart of .NET's managed heap.
    const m = process.memoryUsage();
    return json(res, { sockets: io.of("/").sockets.size, rss: m.rss, heap: m.heapUsed + m.external });
  }
  if (req.method === "POST" && (req.url === "/emit" || req.url === "/broadcast")) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let handed = 0;
      const { events } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const e of events) {
        if (req.url === "/emit") {
          const room = `user:${e.user}`;
          handed += io.of("/").adapter.rooms.get(room)?.size ?? 0;
          io.to(room).emit(e.event, e.data);
        } else {
          handed += io.of("/").sockets.size;
          io.emit(e.event, e.data);
        }
      }
      json(res, { ok: handed });
    });
    return;
  }
  if (!req.url.startsWith("/socket.io/")) {
    res.writeHead(404).end();
  }
});

const io = new Server(httpServer, { pingInterval: opts.pingIntervalMs, pingTimeout: opts.pingTimeoutMs });

const userOf = (auth) => {
  const token = auth && typeof auth.token === "string" ? auth.token : "";
  return /^u\d+$/.test(token) ? Number(token.slice(1)) : -1;
};

io.use((socket, next) => {
  if (userOf(socket.handshake.auth) >= 0) return next();
  const err = new Error("invalid token");
  err.data = { reason: "bad_token" };
  next(err);
});

io.on("connection", (socket) => {
  socket.join(`user:${userOf(socket.handshake.auth)}`);
});

function json(res, body) {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

httpServer.listen(opts.port, opts.host, opts.backlog, () => {
  console.log(`READY http://${opts.host}:${opts.port} pid=${process.pid} node=${process.version}`);
});
process.on("SIGTERM", () => process.exit(0));
