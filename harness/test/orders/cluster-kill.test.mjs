// kill -9 of a node behind nginx (issue 27): the clients on it reconnect through nginx to another node, by themselves,
// and recover their sessions there (same socket id, `recovered`), with the change committed while they were away
// exactly once; a client of the same user on another node keeps its session throughout. Three nodes and the sample
// nginx (harness/lib/cluster.mjs); the node to kill is chosen by CLUSTER_SEED.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventsOfChange, expectExactly, killProcess, OrdersApi, RECOVERY_LOG_ENV, recoveringClient, recoveryDecisions, seededRandom, sleep,
  useCluster, waitForEvent,
} from '../../lib/index.mjs';

const skip = process.env.ORDERS_API_START !== '1'
  && 'the harness did not start the service (ORDERS_API_START=1): these tests start service processes and nginx';

const SEED = Number(process.env.CLUSTER_SEED ?? Math.floor(Math.random() * 2 ** 32));
const WAIT_MS = 20000;

describe('a node killed behind nginx', { skip }, () => {
  const cluster = useCluster({ env: RECOVERY_LOG_ENV, name: 'kill' });

  test('SIGKILL of the node a client is on, mid-lifecycle: it recovers through nginx on another node, every event once', async (t) => {
    const r = seededRandom(SEED);
    const victim = r.int(0, cluster.nodes.length - 1);
    const other = (victim + r.int(1, cluster.nodes.length - 1)) % cluster.nodes.length;
    t.diagnostic(`seed ${SEED} (CLUSTER_SEED=${SEED} repeats it): kill node ${victim + 1}, a bystander on node ${other + 1}`);
    const user = `qa-cluster-kill-${Date.now()}`;
    const admin = new OrdersApi(cluster.url, { user: 'qa-cluster-admin', role: 'admin', timeoutMs: WAIT_MS });
    const adminOnOther = new OrdersApi(cluster.nodes[other].url, { user: 'qa-cluster-admin', role: 'admin', timeoutMs: WAIT_MS });
    const connectVia = async (node, transports, label) => {
      const key = await cluster.keyOn(node, label);
      return Object.assign(recoveringClient(cluster.url, { user, timeoutMs: WAIT_MS, transports, query: { client: key } }), { key });
    };
    // On the node to be killed: one client per transport setting; on another node, a bystander.
    const onVictim = [
      await connectVia(victim, ['polling'], 'polling'),
      await connectVia(victim, ['websocket'], 'websocket'),
      await connectVia(victim, ['polling', 'websocket'], 'upgrading'),
    ];
    const bystander = await connectVia(other, ['polling'], 'bystander');
    const everyone = [...onVictim, bystander];
    try {
      await Promise.all(everyone.map((c) => c.connect()));

      // Through nginx and straight to a node that stays.
      const order = await new OrdersApi(cluster.url, { user, timeoutMs: WAIT_MS }).createOrder();
      const live = [...eventsOfChange('create', order)];
      live.push(...eventsOfChange('status', await adminOnOther.setStatus(order.id, 'processing')));
      await Promise.all(everyone.map((c) => c.untilKeys(live, WAIT_MS, 'the events before the kill')));
      // Sessions are stored off the connect path, a moment after the connection (README, Delivery guarantees).
      await sleep(500);

      // The victim's clients reconnect by themselves; their CONNECT waits until the change below is committed.
      const ids = onVictim.map((c) => c.socket.id);
      for (const c of onVictim) c.hold();
      const gone = onVictim.map((c) => waitForEvent(c.socket, 'disconnect', () => true, WAIT_MS));
      await killProcess(cluster.nodes[victim]);
      await Promise.all(gone);
      // Through nginx, which has to pass the dead node by for this request too.
      const missed = eventsOfChange('status', await admin.setStatus(order.id, 'shipped'));
      const backs = [];
      for (const c of onVictim) backs.push(await c.comeBack(WAIT_MS));
      const decisions = () => cluster.nodes.map((n, i) => `node ${i + 1}: ${recoveryDecisions(n)}`).join('\n');
      assert.deepEqual(backs.map((b) => [b.recovered, b.id]), ids.map((id) => [true, id]),
        `each client recovered its session on another node; the nodes say:\n${decisions()}`);
      for (const c of onVictim) {
        const now = await cluster.nodeOf(c.key);
        assert.notEqual(now, victim, 'nginx sends the client key to a live node now');
      }

      const after = eventsOfChange('status', await adminOnOther.setStatus(order.id, 'delivered'));
      const all = [...live, ...missed, ...after];
      for (const [i, c] of everyone.entries()) {
        await expectExactly(c, all, { what: `client ${i + 1} of ${everyone.length}`, host: cluster.nodes[other], timeoutMs: WAIT_MS });
      }
      assert.deepEqual([bystander.connects.length, bystander.disconnects], [1, []], 'the bystander on a live node kept its session');
    } finally {
      for (const c of everyone) c.close();
    }
  });
});
