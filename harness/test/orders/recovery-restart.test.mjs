// Connection state recovery across the death of the service process: a restart with SIGTERM, and a SIGKILL between
// a commit and any socket write. Sessions and events live in PostgreSQL, so a client that reconnects to the new
// process (reconnection on, as the frontend's) gets the same socket id and what it missed, once, in order.
// These stop and start processes, so they need the harness to start the service (ORDERS_API_START=1, make test-live).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventsOfChange, expectExactly, freePort, freezeProcess, killProcess, OrdersApi, RECOVERY_LOG_ENV, recoveryDecisions, recoveringClient,
  sleep, startOrdersApi, useOrdersService, waitForEvent,
} from '../../lib/index.mjs';

const service = useOrdersService({ env: RECOVERY_LOG_ENV });
const skip = process.env.ORDERS_API_START !== '1'
  && 'the harness did not start the service (ORDERS_API_START=1): these tests stop and start its processes';

let serial = 0;
const userName = (label) => `qa-recovery-${label}-${Date.now()}-${++serial}`;
// A node just started answers its first calls slowly, the more so on a busy machine: every wait here is bounded by this.
const WAIT_MS = 20000;
const apiOf = (url, user) => new OrdersApi(url, { user, timeoutMs: WAIT_MS });
const adminOf = (url) => new OrdersApi(url, { user: 'qa-recovery-admin', role: 'admin', timeoutMs: WAIT_MS });

describe('recovery across the death of the service process', { skip }, () => {
  test('clients recover across a service restart (SIGTERM): one connected at the stop, one already offline', async () => {
    const admin = adminOf(service.url);
    const [onlineName, offlineName] = [userName('restart-online'), userName('restart-offline')];
    const online = recoveringClient(service.url, { user: onlineName, timeoutMs: WAIT_MS });
    const offline = recoveringClient(service.url, { user: offlineName, timeoutMs: WAIT_MS });
    try {
      await Promise.all([online.connect(), offline.connect()]);
      const onlineOrder = await apiOf(service.url, onlineName).createOrder();
      const offlineOrder = await apiOf(service.url, offlineName).createOrder();
      const onlineCreated = eventsOfChange('create', onlineOrder);
      const offlineCreated = eventsOfChange('create', offlineOrder);
      await online.untilKeys(onlineCreated, WAIT_MS, 'order:created');
      await offline.untilKeys(offlineCreated, WAIT_MS, 'order:created');

      // One client drops before the stop and misses a change made by the old process.
      const offlineId = await offline.drop();
      const offlineMissed = eventsOfChange('status', await admin.setStatus(offlineOrder.id, 'processing'));

      // The other is connected when the service stops; it comes back once the test made two changes on the new one.
      const onlineId = online.socket.id;
      online.hold();
      const dropped = waitForEvent(online.socket, 'disconnect', () => true, 10000);
      const stopped = await service.host.stop();
      assert.equal(stopped.neededKill, false, `SIGTERM did not stop the service within 5 s (${stopped.ms} ms)`);
      const [reason] = await dropped;
      assert.ok(['transport close', 'transport error'].includes(reason), `a stop should let the client reconnect, got '${reason}'`);
      service.host = await startOrdersApi(service.host.startOptions);

      const onlineMissed = [
        ...eventsOfChange('status', await admin.setStatus(onlineOrder.id, 'processing')),
        ...eventsOfChange('status', await admin.setStatus(onlineOrder.id, 'shipped')),
      ];
      const offlineMissedToo = eventsOfChange('status', await admin.setStatus(offlineOrder.id, 'shipped'));
      const [onlineBack, offlineBack] = await Promise.all([online.comeBack(WAIT_MS), offline.comeBack(WAIT_MS)]);
      assert.deepEqual([onlineBack.recovered, onlineBack.id], [true, onlineId],
        `connected at the stop; the service says:\n${recoveryDecisions(service.host)}`);
      assert.deepEqual([offlineBack.recovered, offlineBack.id], [true, offlineId], 'offline before the stop');

      const onlineLive = eventsOfChange('status', await admin.setStatus(onlineOrder.id, 'delivered'));
      const offlineLive = eventsOfChange('status', await admin.setStatus(offlineOrder.id, 'delivered'));
      await expectExactly(online, [...onlineCreated, ...onlineMissed, ...onlineLive], { what: 'connected at the stop', host: service.host });
      await expectExactly(offline, [...offlineCreated, ...offlineMissed, ...offlineMissedToo, ...offlineLive],
        { what: 'offline before the stop', host: service.host });
    } finally {
      online.close();
      offline.close();
    }
  });

  test('SIGKILL after a commit and before any socket write: the client recovers the event exactly once', async () => {
    // Node A is the fixture's service, which the client is on; node B shares its database and commits the change.
    const nodeA = service.host;
    const nodeB = await startOrdersApi({ port: await freePort(), env: RECOVERY_LOG_ENV, name: 'Orders.Api (node B)' });
    const user = userName('sigkill');
    const client = recoveringClient(nodeA.url, { user, timeoutMs: WAIT_MS });
    try {
      await client.connect();
      const order = await apiOf(nodeA.url, user).createOrder();
      const created = eventsOfChange('create', order);
      await client.untilKeys(created, WAIT_MS, 'order:created');
      // The node stores sessions off the connect path, as soon as it can; leave it that moment before the crash.
      await sleep(500);
      const id = client.socket.id;

      // A can no longer write to any socket; B commits a change that A's client must get.
      freezeProcess(nodeA);
      const changed = eventsOfChange('status', await adminOf(nodeB.url).setStatus(order.id, 'processing'));
      const dropped = waitForEvent(client.socket, 'disconnect', () => true, 10000);
      const killed = await killProcess(nodeA);
      assert.equal(killed.signal, 'SIGKILL');
      assert.equal(nodeA.exitSignal, 'SIGKILL', 'node A died of SIGKILL');
      await dropped;
      assert.deepEqual(client.keys(), created, 'nothing was delivered between the commit and the kill');

      // The client reconnects by itself (no hold) once A listens again.
      const reconnected = waitForEvent(client.socket, 'connect', () => true, WAIT_MS);
      service.host = await startOrdersApi(nodeA.startOptions);
      await reconnected;
      const back = client.connects.at(-1);
      assert.deepEqual([back.recovered, back.id], [true, id], `after SIGKILL; the restarted node says:\n${recoveryDecisions(service.host)}`);

      const live = eventsOfChange('status', await adminOf(service.url).setStatus(order.id, 'shipped'));
      await expectExactly(client, [...created, ...changed, ...live],
        { what: 'the change committed through B, once, then a live one', host: service.host });
    } finally {
      client.close();
      if (!nodeA.exited) await killProcess(nodeA);
      await nodeB.stop();
    }
  });
});
