// Graceful shutdown (SIGTERM) of a node with changes in flight: two nodes on one database behind a TCP proxy that
// stands for the load balancer. Node A gets SIGTERM while many PATCHes to it are in flight; each is answered (200 when
// it committed) or cleanly refused (503 "Shutting down", or a connection that was never accepted), A exits within its Shutdown__Timeout, and its clients (one per transport) reconnect through
// the proxy to node B, recover their sessions, and have received every event committed for them exactly once, in
// commit order: the same positions as the rows of order_events.
// Needs the harness to start the service (ORDERS_API_START=1, make test-live) and psql to read the rows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { promisify } from 'node:util';
import {
  durableStreamProblems, describeEvents, freePort, OrdersApi, RECOVERY_LOG_ENV, recoveringClient, recoveryDecisions, sleep,
  startOrdersApi, waitForEvent,
} from '../../lib/index.mjs';

const skip = (process.env.ORDERS_API_START !== '1' || !process.env.DATABASE_URL)
  && 'the harness did not start the service (ORDERS_API_START=1 with DATABASE_URL): this test stops its processes';

const WAIT_MS = 20000;
const SHUTDOWN_TIMEOUT_S = 10;
const ORDERS = 10;
const PATCHES_PER_ORDER = 60;

/** A TCP proxy on a free port that sends each new connection to `target` (changed as a load balancer would). */
async function switchingProxy(targetPort) {
  let target = targetPort;
  const pairs = new Set();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of [client, upstream]) { s.on('error', end); s.on('close', end); }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    to(port) { target = port; },
    close() { for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); } server.close(); },
  };
}

/** Positions of the rows of order_events owned by `user`, in order, read with psql from DATABASE_URL. */
async function committedPositions(user) {
  const { stdout } = await promisify(execFile)('psql', [process.env.DATABASE_URL, '-tAc',
    `SELECT position FROM order_events WHERE owner_id = '${user}' ORDER BY position`], { timeout: 10000 });
  return stdout.split('\n').filter(Boolean);
}

/** What one PATCH came to: 'ok', 'shutting-down', 'not-accepted', or a description of anything else. */
async function patchOutcome(api, id, notes) {
  try {
    const res = await api.request('PATCH', `/api/orders/${id}`, { body: { notes }, raw: true });
    if (res.status === 200) return 'ok';
    if (res.status === 503 && res.body?.title === 'Shutting down') return 'shutting-down';
    return `HTTP ${res.status} ${JSON.stringify(res.body)}`;
  } catch (err) {
    // Refused at connect, or a kept-alive idle connection the stopping server closed before reading the request.
    const code = err.cause?.cause?.code ?? err.cause?.code;
    if (['ECONNREFUSED', 'UND_ERR_SOCKET', 'ECONNRESET'].includes(code)) return 'not-accepted';
    return `error ${err.message} (${code})`;
  }
}

/** Resolves once `client` has connected a second time (bounded); `until` looks only when an event arrives. */
async function reconnected(client) {
  for (const deadline = Date.now() + WAIT_MS; client.connects.length < 2;) {
    if (Date.now() > deadline) throw new Error(`no reconnect within ${WAIT_MS} ms (connect errors: ${client.connectErrors.join('; ')})`);
    await sleep(50);
  }
}

describe('graceful shutdown', { skip }, () => {
  test('SIGTERM with PATCHes in flight: answered or refused cleanly, exit within the timeout, every event once on the other node', async (t) => {
    const env = { ...RECOVERY_LOG_ENV, 'Serilog__MinimumLevel__Override__Orders.Protocol.EngineIO': 'Debug', Shutdown__Timeout: `00:00:${SHUTDOWN_TIMEOUT_S}` };
    const nodeA = await startOrdersApi({ port: await freePort(), env, name: 'Orders.Api (node A)' });
    const nodeB = await startOrdersApi({ port: await freePort(), env, name: 'Orders.Api (node B)' });
    const proxy = await switchingProxy(nodeA.port);
    const user = `qa-shutdown-${Date.now()}`;
    const clients = ['websocket', 'polling'].map((transport) =>
      recoveringClient(proxy.url, { user, timeoutMs: WAIT_MS, transports: [transport] }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const ids = clients.map((c) => c.socket.id);
      const api = new OrdersApi(nodeA.url, { user, timeoutMs: WAIT_MS });
      const orders = [];
      for (let i = 0; i < ORDERS; i++) orders.push(await api.createOrder());
      for (const c of clients) await c.until((r) => r.length >= ORDERS, WAIT_MS, 'order:created of every order');
      // Sessions are stored off the connect path; give the writer its moment, as a real client's lifetime would.
      await sleep(300);

      // Changes in flight when the signal comes: each order changed again and again (one change at a time, so they
      // never conflict), ten orders at once, until the node refuses; SIGTERM once twenty have been answered.
      let answered = 0;
      let firstAnswers;
      const twenty = new Promise((resolve) => { firstAnswers = resolve; });
      const chains = orders.map(async (order) => {
        const seen = [];
        for (let i = 0; i < PATCHES_PER_ORDER; i++) {
          const outcome = await patchOutcome(api, order.id, `change ${i}`);
          seen.push(outcome);
          if (++answered === 20) firstAnswers();
          if (outcome !== 'ok') break;
        }
        return seen;
      });
      await twenty;
      const dropped = clients.map((c) => waitForEvent(c.socket, 'disconnect', () => true, WAIT_MS));
      // What each client had received live from node A when it lost it.
      const liveOnA = clients.map((c) => new Promise((resolve) => c.socket.once('disconnect', () => resolve(c.received.map((e) => e.offset)))));
      const sent = Date.now();
      nodeA.child.kill('SIGTERM');
      const reasons = (await Promise.all(dropped)).map(([reason]) => reason);
      await nodeA.exitedPromise;
      const exitMs = Date.now() - sent;
      proxy.to(nodeB.port);
      const committedOnA = await committedPositions(user);

      const results = (await Promise.all(chains)).flat();
      const counts = results.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map());
      t.diagnostic(`node A exited ${exitMs} ms after SIGTERM; PATCHes: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
      const unclean = results.filter((r) => !['ok', 'shutting-down', 'not-accepted'].includes(r));
      assert.deepEqual(unclean, [], `every PATCH answered or refused cleanly:\n${nodeA.output(30)}`);
      assert.ok(results.includes('ok'), 'some PATCHes committed');
      assert.ok(results.some((r) => r !== 'ok'), 'some PATCHes came after the node stopped taking them');
      assert.equal(nodeA.exitCode, 0, `node A exits with 0 after SIGTERM, got ${nodeA.exitCode}/${nodeA.exitSignal}:\n${nodeA.output(30)}`);
      assert.ok(exitMs < SHUTDOWN_TIMEOUT_S * 1000, `node A exited ${exitMs} ms after SIGTERM (Shutdown__Timeout ${SHUTDOWN_TIMEOUT_S} s)`);
      // A transport closed by the server, never a Socket.IO disconnect ('io server disconnect' stops reconnection).
      for (const reason of reasons) assert.ok(['transport close', 'transport error'].includes(reason), `disconnect reason '${reason}'`);
      // Node A finished its requests, sent their events and flushed every socket before closing it: nothing was left
      // for recovery to make up.
      const live = await Promise.all(liveOnA);
      for (const [i, offsets] of live.entries()) {
        assert.deepEqual(offsets, committedOnA, `${clients[i].socket.io.opts.transports[0]} client had every event committed on A live before A closed it;`
          + ` node A said:\n${nodeA.output(400).split('\n').filter((l) => /Stopping|closed|left|Order events sent/.test(l)).join('\n')}`);
      }

      // Back through the proxy, now on B: the same sessions, recovered.
      for (const [i, c] of clients.entries()) {
        await reconnected(c);
        const back = c.connects.at(-1);
        assert.deepEqual([back.recovered, back.id], [true, ids[i]], `recovered on node B; it says:\n${recoveryDecisions(nodeB)}`);
      }

      // One live change through B, then the rows are the truth: each client has every one of them, once, in order.
      const apiB = new OrdersApi(nodeB.url, { user, timeoutMs: WAIT_MS });
      await apiB.updateOrder(orders[0].id, { notes: 'after the shutdown' });
      const positions = await committedPositions(user);
      for (const c of clients) {
        await c.until((r) => r.length >= positions.length, WAIT_MS, `${positions.length} events`).catch((err) => {
          throw new Error(`${err.message}\nnode A's last output:\n${nodeA.output(20)}`);
        });
        await sleep(1500);
        assert.deepEqual(durableStreamProblems(c.received), [], describeEvents(c.received));
        assert.deepEqual(c.received.map((e) => e.offset), positions, `every committed event once, in order: ${describeEvents(c.received)}`);
      }
    } finally {
      for (const c of clients) c.close();
      proxy.close();
      await nodeA.stop();
      await nodeB.stop();
    }
  });
});
