// Several nodes on one database behind nginx (issue 27), randomized: three Orders.Api nodes and the sample nginx in
// front (harness/lib/cluster.mjs), users whose clients connect through nginx and are spread over the nodes, some
// polling only, some WebSocket only, some upgrading, and writers changing orders through random nodes, straight or
// through nginx. Each client must get exactly its user's events, once, in position order; the same events with the
// same offsets as every other client of its user and as an admin's client; and keep its one session (polling needs
// nginx's stickiness for that). CLUSTER_SEED=<n> repeats a run's choices (not the interleaving of concurrent calls).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiError, describeEvents, durableStreamProblems, eventKey, eventsOfChange, OrdersApi, QUIET_MS, RECOVERY_LOG_ENV,
  recoveringClient, sampleOrder, seededRandom, sleep, useCluster,
} from '../../lib/index.mjs';

const skip = process.env.ORDERS_API_START !== '1'
  && 'the harness did not start the service (ORDERS_API_START=1): these tests start service processes and nginx';

const SEED = Number(process.env.CLUSTER_SEED ?? Math.floor(Math.random() * 2 ** 32));
const USERS = 6;
const WRITERS = 4;
const RUN_MS = 6000;
const MAX_CHANGES = 200;
const WAIT_MS = 20000;
const TRANSPORTS = [['polling'], ['websocket'], ['polling', 'websocket']];
const NEXT = { pending: ['processing', 'cancelled'], processing: ['shipped', 'cancelled'], shipped: ['delivered'] };

/** Connected sockets on a node, from its /metrics (socketio_connected_sockets, summed over namespaces and transports). */
async function connectedSockets(node) {
  const res = await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const lines = text.split('\n').filter((l) => l.startsWith('socketio_connected_sockets'));
  if (!lines.length) throw new Error(`${node.url}/metrics has no socketio_connected_sockets`);
  return lines.reduce((sum, l) => sum + Number(l.trim().split(/\s+/).at(-1)), 0);
}

describe('three nodes behind nginx', { skip }, () => {
  const cluster = useCluster({ env: RECOVERY_LOG_ENV, name: 'random' });

  test('random changes through random nodes: each client behind nginx gets exactly its events, once, in order', async (t) => {
    t.diagnostic(`seed ${SEED} (CLUSTER_SEED=${SEED} repeats the choices)`);
    const r = seededRandom(SEED);
    const stamp = Date.now();
    const users = Array.from({ length: USERS }, (_, i) => `qa-cluster-${stamp}-${i}`);
    const targets = [cluster.url, ...cluster.nodes.map((n) => n.url)];
    const targetName = (url) => (url === cluster.url ? 'nginx' : `node ${cluster.nodes.findIndex((n) => n.url === url) + 1}`);

    // Clients: two or three per user and one admin, given to the nodes in turn and the transports in turn.
    const plan = users.flatMap((user) => Array.from({ length: r.int(2, 3) }, () => ({ user })));
    plan.push({ user: 'qa-cluster-admin', role: 'admin' });
    const firstTransport = r.int(0, TRANSPORTS.length - 1);
    const firstNode = r.int(0, cluster.nodes.length - 1);
    const clients = [];
    try {
      for (const [i, p] of plan.entries()) {
        const node = (firstNode + i) % cluster.nodes.length;
        const transports = TRANSPORTS[(firstTransport + i) % TRANSPORTS.length];
        const key = await cluster.keyOn(node, `c${i}`);
        const client = recoveringClient(cluster.url, { user: p.user, role: p.role, timeoutMs: WAIT_MS, transports, query: { client: key } });
        clients.push({ ...p, node, transports, key, client, label: `${p.user} #${i} (${transports.join('+')}, node ${node + 1})` });
      }
      await Promise.all(clients.map((c) => c.client.connect()));
      t.diagnostic(clients.map((c) => c.label).join('; '));

      // Each node holds the sockets nginx sent it (the server's view, not only nginx's).
      const want = cluster.nodes.map((_, i) => clients.filter((c) => c.node === i).length);
      let have;
      const deadline = Date.now() + WAIT_MS;
      do {
        have = await Promise.all(cluster.nodes.map(connectedSockets));
        if (have.every((n, i) => n === want[i])) break;
        await sleep(200);
      } while (Date.now() < deadline);
      assert.deepEqual(have, want, 'connected sockets per node (socketio_connected_sockets)');

      const expected = new Map(users.map((u) => [u, new Set()]));
      const orders = [];
      const stats = { changes: 0, conflicts: 0, via: Object.fromEntries(targets.map((u) => [targetName(u), 0])) };
      const apiCache = new Map();
      const api = (target, user, role) => {
        const k = `${target} ${user} ${role ?? ''}`;
        if (!apiCache.has(k)) apiCache.set(k, new OrdersApi(target, { user, role, timeoutMs: WAIT_MS }));
        return apiCache.get(k);
      };
      const deadlineRun = Date.now() + RUN_MS;
      let budget = MAX_CHANGES;
      let failed = false;
      const running = () => !failed && Date.now() < deadlineRun && budget > 0;

      const writer = async (i) => {
        const w = seededRandom((SEED + Math.imul(i + 1, 0x9E3779B1)) >>> 0);
        while (running()) {
          budget--;
          const target = w.pick(targets);
          const admin = api(target, 'qa-cluster-admin', 'admin');
          const open = orders.slice(-12).filter((o) => NEXT[o.status]);
          const pending = open.filter((o) => o.status === 'pending');
          const cancellable = open.filter((o) => o.status !== 'shipped');
          let kind = w.pick(['create', 'update', 'status', 'status', 'cancel']);
          if (open.length < 3 || (kind === 'update' && !pending.length) || (kind === 'cancel' && !cancellable.length)) kind = 'create';
          let known;
          try {
            let order;
            if (kind === 'create') {
              const owner = w.pick(users);
              order = await api(target, owner).createOrder(sampleOrder({ notes: `writer ${i} via ${targetName(target)}` }));
              known = { id: order.id, owner, status: order.status, version: order.version };
              orders.push(known);
            } else {
              known = w.pick(kind === 'update' ? pending : kind === 'cancel' ? cancellable : open);
              const owner = api(target, known.owner);
              if (kind === 'update') order = await (w.chance(0.5) ? owner : admin).updateOrder(known.id, { notes: `note ${w.int(0, 1e6)}` });
              else if (kind === 'cancel') order = await (w.chance(0.5) ? owner : admin).cancelOrder(known.id);
              else order = await admin.setStatus(known.id, w.pick(NEXT[known.status]));
            }
            if (order.version >= known.version) Object.assign(known, { status: order.status, version: order.version });
            for (const k of eventsOfChange(kind, order)) expected.get(order.userId).add(k);
            stats.changes++;
            stats.via[targetName(target)]++;
          } catch (err) {
            // Another writer got there first: no change, so no event.
            if (!(err instanceof ApiError) || err.status !== 409) throw new Error(`seed ${SEED}: ${kind} via ${targetName(target)} failed: ${err.message}`);
            stats.conflicts++;
            const now = await admin.getOrder(known.id);
            if (now.version >= known.version) Object.assign(known, { status: now.status, version: now.version });
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i))).catch((err) => { failed = true; throw err; });
      t.diagnostic(`${stats.changes} changes (${orders.length} orders), ${stats.conflicts} conflicts (409), through ${JSON.stringify(stats.via)}`);

      const mine = new Set(orders.map((o) => o.id));
      const all = new Set([...expected.values()].flatMap((s) => [...s]));
      const wanted = (c) => (c.role === 'admin' ? all : expected.get(c.user));
      // Offsets are positions in order_events: the same event has the same offset on every client, whatever its node.
      const stream = (c) => c.client.received.filter((e) => mine.has(e.data?.order?.id)).map((e) => `${eventKey(e.name, e.data.order)} @${e.offset}`);
      await Promise.allSettled(clients.map((c) => c.client.untilKeys([...wanted(c)], WAIT_MS)));
      await sleep(QUIET_MS);

      const problems = [];
      const streamOfUser = new Map();
      for (const c of clients) {
        const keys = c.client.keys();
        const missing = [...wanted(c)].filter((k) => !keys.includes(k));
        const extra = keys.filter((k) => !wanted(c).has(k) && (c.role !== 'admin' || mine.has(k.split(' ')[0])));
        const order = durableStreamProblems(c.client.received);
        const sessions = c.client.connects.length !== 1 || c.client.disconnects.length
          ? `${c.client.connects.length} connects, disconnects ${JSON.stringify(c.client.disconnects)}` : '';
        if (missing.length || extra.length || order.length || sessions) {
          problems.push(`${c.label}: ${wanted(c).size} expected, ${missing.length} missing ${JSON.stringify(missing.slice(0, 4))}, `
            + `${extra.length} extra ${JSON.stringify(extra.slice(0, 4))}, ${order.length} order problems ${JSON.stringify(order.slice(0, 3))}`
            + `${sessions ? `, not one session: ${sessions}` : ''}; ${describeEvents(c.client.received, 6)}`);
        }
        if (c.role !== 'admin') {
          if (!streamOfUser.has(c.user)) streamOfUser.set(c.user, { from: c.label, events: stream(c) });
          else if (JSON.stringify(stream(c)) !== JSON.stringify(streamOfUser.get(c.user).events)) {
            problems.push(`${c.label}: not the same events and offsets as ${streamOfUser.get(c.user).from}`);
          }
        }
      }
      // The admin's client sees every user's events: each user's part of it is exactly what the user's clients got.
      for (const admin of clients.filter((c) => c.role === 'admin')) {
        for (const [user, { events }] of streamOfUser) {
          const ids = new Set(orders.filter((o) => o.owner === user).map((o) => o.id));
          const part = stream(admin).filter((line) => ids.has(line.split(' ')[0]));
          if (JSON.stringify(part) !== JSON.stringify(events)) problems.push(`${admin.label}: ${user}'s events differ from what ${user}'s clients got`);
        }
      }
      if (problems.length) {
        const output = cluster.nodes.map((n, i) => `node ${i + 1}:\n${n.output(10)}`).join('\n');
        assert.fail(`seed ${SEED}: ${problems.length} of ${clients.length} clients wrong:\n${problems.join('\n')}\n${output}\nnginx:\n${cluster.nginx.output(10)}`);
      }
    } finally {
      for (const c of clients) c.client.close();
    }
  });
});
