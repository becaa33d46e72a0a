// Connection state recovery on service nodes started for one test each (own port, same database): one that has just
// started and sent no event yet, and one with a 2 s recovery window
// (SocketIO__ConnectionStateRecovery__MaxDisconnectionDuration). They start processes, so they need the harness to
// own the service's environment (ORDERS_API_START=1, make test-live).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeAllSockets, eventsOfChange, expectExactly, freePort, OrdersApi, RECOVERY_LOG_ENV, recoveryDecisions, recoveringClient, sleep,
  startOrdersApi,
} from '../../lib/index.mjs';

const skip = process.env.ORDERS_API_START !== '1'
  && 'the harness did not start the service (ORDERS_API_START=1): these tests start service processes';

let serial = 0;
const userName = (label) => `qa-recovery-${label}-${Date.now()}-${++serial}`;
// A node just started answers its first calls slowly, the more so on a busy machine: every wait here is bounded by this.
const WAIT_MS = 20000;
const apiOf = (url, user) => new OrdersApi(url, { user, timeoutMs: WAIT_MS });
const adminOf = (url) => new OrdersApi(url, { user: 'qa-recovery-admin', role: 'admin', timeoutMs: WAIT_MS });

/** Runs `body(node)` against a service node of its own, stopped afterwards whatever happens. */
async function withNode(name, env, body) {
  const node = await startOrdersApi({ port: await freePort(), env: { ...RECOVERY_LOG_ENV, ...env }, name: `Orders.Api (${name})` });
  try {
    await body(node);
  } finally {
    closeAllSockets();
    await node.stop();
  }
}

describe('recovery on nodes of their own', { skip }, () => {
  test('a client that received no event recovers on a node that has sent none yet (just started)',
    () => withNode('fresh node', {}, async (node) => {
      const user = userName('fresh');
      const client = recoveringClient(node.url, { user, timeoutMs: WAIT_MS });
      await client.connect();
      const id = await client.drop();
      assert.equal(client.lastOffset, undefined, 'the client has no offset to present');
      const order = await apiOf(node.url, user).createOrder();
      const back = await client.comeBack();
      assert.equal(back.recovered, true, `not recovered; the node says:\n${recoveryDecisions(node)}`);
      assert.equal(back.id, id);
      await expectExactly(client, eventsOfChange('create', order), { what: 'the order created while offline', host: node });
    }));

  test('past the window a client gets a fresh session: new id, not recovered, no connect_error, no replay',
    () => withNode('2 s window', { SocketIO__ConnectionStateRecovery__MaxDisconnectionDuration: '00:00:02' }, async (node) => {
      const user = userName('window');
      const admin = adminOf(node.url);
      const client = recoveringClient(node.url, { user, timeoutMs: WAIT_MS });
      await client.connect();
      const order = await apiOf(node.url, user).createOrder();
      const created = eventsOfChange('create', order);
      await client.untilKeys(created, WAIT_MS, 'order:created');

      // Within the window it recovers: the window, not the node, makes the difference below.
      let id = await client.drop();
      const missed = eventsOfChange('status', await admin.setStatus(order.id, 'processing'));
      let back = await client.comeBack();
      assert.deepEqual([back.recovered, back.id], [true, id], `within the window; the node says:\n${recoveryDecisions(node)}`);
      await client.untilKeys(missed, WAIT_MS, 'the missed change within the window');

      const pid = client.pid;
      id = await client.drop();
      const lost = eventsOfChange('status', await admin.setStatus(order.id, 'shipped'));
      await sleep(3000);
      back = await client.comeBack();
      assert.equal(back.recovered, false, 'recovered after the window had passed');
      assert.notEqual(back.id, id, 'a fresh session has a new socket id');
      assert.ok(back.pid && back.pid !== pid, 'a fresh session has a new pid');
      assert.deepEqual(client.connectErrors, []);

      const live = eventsOfChange('status', await admin.setStatus(order.id, 'delivered'));
      await expectExactly(client, [...created, ...missed, ...live], { what: 'no replay of the change made past the window', host: node });
      assert.ok(!client.keys().some((k) => lost.includes(k)));
    }));
});
