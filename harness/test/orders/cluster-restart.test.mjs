// The whole cluster restarted within the recovery window (issue 27): sessions and events live in PostgreSQL, so clients
// spread over three nodes behind nginx, on every transport, recover after all three stopped and started again, with the
// changes committed through the new processes before they reconnect, exactly once, then the next live change.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventsOfChange, expectExactly, OrdersApi, RECOVERY_LOG_ENV, recoveringClient, recoveryDecisions, seededRandom, sleep, useCluster,
  waitForEvent,
} from '../../lib/index.mjs';

const skip = process.env.ORDERS_API_START !== '1'
  && 'the harness did not start the service (ORDERS_API_START=1): these tests start service processes and nginx';

const SEED = Number(process.env.CLUSTER_SEED ?? Math.floor(Math.random() * 2 ** 32));
const WAIT_MS = 20000;
const TRANSPORTS = [['polling'], ['websocket'], ['polling', 'websocket']];

describe('the whole cluster restarted', { skip }, () => {
  const cluster = useCluster({ env: RECOVERY_LOG_ENV, name: 'restart' });

  test('all three nodes stopped and started again: every client recovers the changes made meanwhile, once', async (t) => {
    t.diagnostic(`seed ${SEED} (CLUSTER_SEED=${SEED} repeats it)`);
    const r = seededRandom(SEED);
    const stamp = Date.now();
    const users = [`qa-cluster-restart-${stamp}-a`, `qa-cluster-restart-${stamp}-b`];
    const size = cluster.nodes.length;
    // Each user has a client on every node, the transports rotated so that every node has each of them once.
    const clients = [];
    for (const [u, user] of users.entries()) {
      for (let node = 0; node < size; node++) {
        const transports = TRANSPORTS[(node + u) % TRANSPORTS.length];
        const key = await cluster.keyOn(node, `restart-${u}-${node}`);
        clients.push({
          user, label: `${user} on node ${node + 1} (${transports.join('+')})`,
          client: recoveringClient(cluster.url, { user, timeoutMs: WAIT_MS, transports, query: { client: key } }),
        });
      }
    }
    const adminVia = (url) => new OrdersApi(url, { user: 'qa-cluster-admin', role: 'admin', timeoutMs: WAIT_MS });
    const anyNode = () => cluster.nodes[r.int(0, size - 1)].url;
    try {
      await Promise.all(clients.map((c) => c.client.connect()));
      const expected = new Map(users.map((u) => [u, []]));
      const [a, b] = users;
      const orderA = await new OrdersApi(anyNode(), { user: a, timeoutMs: WAIT_MS }).createOrder();
      expected.get(a).push(...eventsOfChange('create', orderA));
      expected.get(a).push(...eventsOfChange('status', await adminVia(anyNode()).setStatus(orderA.id, 'processing')));
      const orderB = await new OrdersApi(anyNode(), { user: b, timeoutMs: WAIT_MS }).createOrder();
      expected.get(b).push(...eventsOfChange('create', orderB));
      await Promise.all(clients.map((c) => c.client.untilKeys(expected.get(c.user), WAIT_MS, 'the events before the restart')));
      await sleep(500); // sessions are stored a moment after the connection

      const ids = clients.map((c) => c.client.socket.id);
      for (const c of clients) c.client.hold();
      const gone = clients.map((c) => waitForEvent(c.client.socket, 'disconnect', () => true, WAIT_MS));
      const stops = await Promise.all(cluster.nodes.map((n) => n.stop()));
      t.diagnostic(`stopped: ${stops.map((s) => `${s.signal} in ${s.ms} ms`).join(', ')}`);
      await Promise.all(gone);
      const started = Date.now();
      await Promise.all(cluster.nodes.map((_, i) => cluster.restart(i)));
      t.diagnostic(`all three started again in ${Date.now() - started} ms`);

      // Committed through the new processes while every client is still away.
      expected.get(a).push(...eventsOfChange('status', await adminVia(anyNode()).setStatus(orderA.id, 'shipped')));
      expected.get(b).push(...eventsOfChange('update', await new OrdersApi(anyNode(), { user: b, timeoutMs: WAIT_MS })
        .updateOrder(orderB.id, { notes: 'changed while the cluster restarted' })));
      expected.get(b).push(...eventsOfChange('cancel', await new OrdersApi(anyNode(), { user: b, timeoutMs: WAIT_MS }).cancelOrder(orderB.id)));

      const backs = [];
      for (const c of clients) backs.push(await c.client.comeBack(WAIT_MS));
      const decisions = () => cluster.nodes.map((n, i) => `node ${i + 1}: ${recoveryDecisions(n)}`).join('\n');
      assert.deepEqual(backs.map((x) => [x.recovered, x.id]), ids.map((id) => [true, id]),
        `every client recovered its session after the restart; the nodes say:\n${decisions()}`);

      expected.get(a).push(...eventsOfChange('status', await adminVia(cluster.url).setStatus(orderA.id, 'delivered')));
      for (const c of clients) {
        await expectExactly(c.client, expected.get(c.user), { what: c.label, timeoutMs: WAIT_MS });
      }
    } finally {
      for (const c of clients) c.client.close();
    }
  });
});
