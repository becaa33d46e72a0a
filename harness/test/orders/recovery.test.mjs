// Durable order events and connection state recovery, with the stock socket.io-client 4.8: a client that drops off
// comes back with the same socket id and every event it missed, in order and once, before the next live one, also
// across a service restart and a SIGKILL; a stale or foreign session gives a fresh one and nothing else.
// Events are compared by order id + order.version + name (eventKey), as the REST responses imply them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collect, createSocket, describeEvents, durableStreamProblems, eventKey, eventsOfChange, freePort, freezeProcess, killProcess,
  ORDER_EVENTS, OrdersApi, orderEventLog, recoveringClient, sleep, startOrdersApi, tokenFor, useOrdersService, waitConnected, waitForEvent,
} from '../../lib/index.mjs';

// The recovery decisions ("not recovered (expired)", ...) are Debug logs of the Socket.IO server: kept in the
// processes' output, which failure messages quote.
const RECOVERY_LOG = { 'Serilog__MinimumLevel__Override__Orders.Protocol.SocketIO.SocketIOServer': 'Debug' };
const service = useOrdersService({ env: RECOVERY_LOG });
const ownsService = process.env.ORDERS_API_START === '1';
const needsOwnService = !ownsService && 'the harness did not start the service (ORDERS_API_START=1): these tests stop and start its processes';

// Longer than the feed's 1 s poll: a late or duplicate delivery would show up within it.
const QUIET_MS = 1500;
const RESTART_MS = 60000;

let serial = 0;
const userName = (label) => `qa-recovery-${label}-${Date.now()}-${++serial}`;
const adminOf = (url) => new OrdersApi(url, { user: 'qa-recovery-admin', role: 'admin' });
const keysOf = (received) => received.map((e) => eventKey(e.name, e.data.order));
const hasKeys = (keys) => (received) => keys.every((k) => keysOf(received).includes(k));

/** Waits until `client` received `expected` (and nothing more may arrive in a quiet window), then compares. */
async function assertReceivedExactly(client, expected, what, host) {
  await client.until(hasKeys(expected), 10000, what).catch((err) => {
    throw new Error(`${err.message}\nservice output:\n${host?.output(25) ?? '(not started here)'}`);
  });
  await sleep(QUIET_MS);
  assert.deepEqual(durableStreamProblems(client.received), [], describeEvents(client.received));
  assert.deepEqual(keysOf(client.received), expected, `${what}: ${describeEvents(client.received)}`);
}

test('a client offline for three changes recovers them in order, once, before the next live change', async () => {
  const user = userName('offline');
  const api = new OrdersApi(service.url, { user });
  const admin = adminOf(service.url);
  const client = recoveringClient(service.url, { user });
  try {
    await client.connect();
    const first = client.connects[0];
    assert.equal(first.recovered, false);
    assert.ok(first.pid, 'the CONNECT answer carries a pid (recovery enabled)');
    const order = await api.createOrder();
    const created = eventsOfChange('create', order);
    await client.until(hasKeys(created), 5000, 'order:created');

    const id = await client.drop();
    const missed = [
      ...eventsOfChange('update', await admin.updateOrder(order.id, { notes: 'ring twice 🔔' })),
      ...eventsOfChange('status', await admin.setStatus(order.id, 'processing')),
      ...eventsOfChange('status', await admin.setStatus(order.id, 'shipped')),
    ];
    const back = await client.comeBack();
    assert.equal(back.recovered, true, `not recovered; service output:\n${service.host?.output(15)}`);
    assert.equal(back.id, id, 'a recovered socket keeps its id');
    assert.equal(back.pid, first.pid);

    const live = eventsOfChange('status', await admin.setStatus(order.id, 'delivered'));
    await assertReceivedExactly(client, [...created, ...missed, ...live], 'created, three missed, then the live change', service.host);
    // The replayed events are the events as they were sent live: same payloads, messages included.
    assert.deepEqual(client.received.slice(1, 4).map((e) => [e.data.order.notes, e.data.oldStatus, e.data.newStatus, e.data.message]), [
      ['ring twice 🔔', undefined, undefined, `Order #${order.orderNumber} has been updated`],
      ['ring twice 🔔', 'pending', 'processing', `Order #${order.orderNumber} status updated to processing`],
      ['ring twice 🔔', 'processing', 'shipped', `Order #${order.orderNumber} status updated to shipped`],
    ]);
    assert.deepEqual([...client.disconnects], ['forced close'], 'engine.close() is a drop the client comes back from');
    assert.deepEqual(client.connectErrors, []);
  } finally {
    client.close();
  }
});

test('a client that received no event before it dropped recovers from where it connected', async () => {
  // The node has sent events before (the previous test, and this one for another user).
  const other = userName('warm');
  const warm = recoveringClient(service.url, { user: other });
  const user = userName('silent');
  const client = recoveringClient(service.url, { user });
  try {
    await warm.connect();
    const warmOrder = await new OrdersApi(service.url, { user: other }).createOrder();
    await warm.until(hasKeys(eventsOfChange('create', warmOrder)), 5000, 'warm-up order:created');

    await client.connect();
    const id = await client.drop();
    assert.equal(client.lastOffset, undefined, 'the client has no offset to present');
    const order = await new OrdersApi(service.url, { user }).createOrder();
    const back = await client.comeBack();
    assert.equal(back.recovered, true, `not recovered; service output:\n${service.host?.output(15)}`);
    assert.equal(back.id, id);
    await assertReceivedExactly(client, eventsOfChange('create', order), 'the order created while offline', service.host);
  } finally {
    warm.close();
    client.close();
  }
});

test('a foreign pid presented with another user\'s token recovers nothing, and the owner still recovers', async () => {
  const [aliceName, bobName] = [userName('alice'), userName('bob')];
  const admin = adminOf(service.url);
  const alice = recoveringClient(service.url, { user: aliceName });
  let bob;
  try {
    await alice.connect();
    const order = await new OrdersApi(service.url, { user: aliceName }).createOrder();
    const created = eventsOfChange('create', order);
    await alice.until(hasKeys(created), 5000, 'order:created');
    const { pid: alicePid, lastOffset: aliceOffset } = alice;
    const aliceId = await alice.drop();
    const missed = eventsOfChange('status', await admin.setStatus(order.id, 'processing'));

    // Bob's client has no pid of its own, so it sends this auth object as is.
    bob = createSocket(service.url, { auth: { token: tokenFor({ user: bobName }), pid: alicePid, offset: aliceOffset } });
    let bobAnswer;
    bob.io.on('packet', (p) => { if (p.type === 0) bobAnswer = p.data; });
    const bobLog = collect(bob);
    const bobOrders = orderEventLog(bob);
    await waitConnected(bob);
    // The client computes `recovered` from its own pid, so for bob it is false whatever the server did: the server's
    // answer shows in the socket id, the pid it hands out and the events bob gets.
    assert.equal(bob.recovered, false);
    assert.notEqual(bob.id, aliceId, 'bob got alice\'s socket id');
    assert.ok(bobAnswer?.pid && bobAnswer.pid !== alicePid, `bob's CONNECT answer should carry a pid of his own: ${JSON.stringify(bobAnswer)}`);
    // Neither alice's missed event nor her next one reaches bob; his own does.
    const later = eventsOfChange('status', await admin.setStatus(order.id, 'shipped'));
    const bobOrder = await new OrdersApi(service.url, { user: bobName }).createOrder();
    await bobOrders.expect('order:created', bobOrder.id);
    await sleep(QUIET_MS);
    const bobEvents = bobLog.events.filter((e) => ORDER_EVENTS.includes(e.name));
    assert.deepEqual(bobEvents.map((e) => eventKey(e.name, e.args[0].order)), eventsOfChange('create', bobOrder));
    assert.equal(bobLog.of('connect_error').length, 0);

    const back = await alice.comeBack();
    assert.equal(back.recovered, true, 'bob\'s attempt must not spoil alice\'s session');
    assert.equal(back.id, aliceId);
    await assertReceivedExactly(alice, [...created, ...missed, ...later], 'alice: created, missed, later', service.host);
  } finally {
    alice.close();
    bob?.close();
  }
});

test('an unknown pid, a malformed offset or one from the future give a fresh session and no connect_error', async () => {
  const user = userName('bad-auth');
  const client = recoveringClient(service.url, { user });
  const token = tokenFor({ user });
  const attempts = [];
  try {
    await client.connect();
    const order = await new OrdersApi(service.url, { user }).createOrder();
    await client.until(hasKeys(eventsOfChange('create', order)), 5000, 'order:created');
    const { pid, lastOffset } = client;
    const id = await client.drop();
    const missed = eventsOfChange('status', await adminOf(service.url).setStatus(order.id, 'processing'));
    for (const [label, auth] of [
      ['unknown pid', { token, pid: 'AAAAAAAAAAAAAAAAAAAAAAAA', offset: lastOffset }],
      ['malformed offset', { token, pid, offset: 'not-a-number' }],
      ['offset from the future', { token, pid, offset: String(BigInt(lastOffset) + 1_000_000_000n) }],
    ]) {
      const socket = createSocket(service.url, { auth });
      let answer;
      socket.io.on('packet', (p) => { if (p.type === 0) answer = p.data; });
      const log = collect(socket);
      await waitConnected(socket).catch((err) => assert.fail(`${label}: refused (${err.message}) rather than a fresh session`));
      await sleep(300);
      attempts.push({ label, id: socket.id, pid: answer?.pid, events: log.events.filter((e) => ORDER_EVENTS.includes(e.name)).length });
      socket.close();
    }
    for (const a of attempts) {
      assert.notEqual(a.id, id, `${a.label}: got the session's socket id`);
      assert.ok(a.pid && a.pid !== pid, `${a.label}: a fresh session has a pid of its own`);
      assert.equal(a.events, 0, `${a.label}: a fresh session replays nothing`);
    }
    // None of these touched the real session.
    const back = await client.comeBack();
    assert.deepEqual([back.recovered, back.id], [true, id]);
    await client.until(hasKeys(missed), 5000, 'the missed change');
  } finally {
    client.close();
  }
});

describe('service processes', { skip: needsOwnService }, () => {
  test('clients recover across a service restart (SIGTERM): one connected at the stop, one already offline', async () => {
    const admin = adminOf(service.url);
    const [onlineName, offlineName] = [userName('restart-online'), userName('restart-offline')];
    const online = recoveringClient(service.url, { user: onlineName });
    const offline = recoveringClient(service.url, { user: offlineName });
    try {
      await Promise.all([online.connect(), offline.connect()]);
      const onlineOrder = await new OrdersApi(service.url, { user: onlineName }).createOrder();
      const offlineOrder = await new OrdersApi(service.url, { user: offlineName }).createOrder();
      const onlineCreated = eventsOfChange('create', onlineOrder);
      const offlineCreated = eventsOfChange('create', offlineOrder);
      await online.until(hasKeys(onlineCreated), 5000, 'order:created');
      await offline.until(hasKeys(offlineCreated), 5000, 'order:created');

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
      const [onlineBack, offlineBack] = await Promise.all([online.comeBack(RESTART_MS), offline.comeBack(RESTART_MS)]);
      assert.deepEqual([onlineBack.recovered, onlineBack.id], [true, onlineId], `connected at the stop; service output:\n${service.host.output(15)}`);
      assert.deepEqual([offlineBack.recovered, offlineBack.id], [true, offlineId], 'offline before the stop');

      const onlineLive = eventsOfChange('status', await admin.setStatus(onlineOrder.id, 'delivered'));
      const offlineLive = eventsOfChange('status', await admin.setStatus(offlineOrder.id, 'delivered'));
      await assertReceivedExactly(online, [...onlineCreated, ...onlineMissed, ...onlineLive], 'connected at the stop', service.host);
      await assertReceivedExactly(offline, [...offlineCreated, ...offlineMissed, ...offlineMissedToo, ...offlineLive], 'offline before the stop', service.host);
    } finally {
      online.close();
      offline.close();
    }
  });

  test('a client that received no event recovers on a node that has sent none yet (just started)', async () => {
    const node = await startOrdersApi({ port: await freePort(), env: RECOVERY_LOG, name: 'Orders.Api (fresh node)' });
    const user = userName('fresh');
    const client = recoveringClient(node.url, { user });
    try {
      await client.connect();
      const id = await client.drop();
      const order = await new OrdersApi(node.url, { user }).createOrder();
      const back = await client.comeBack();
      assert.equal(back.recovered, true, `not recovered; fresh node output:\n${node.output(15)}`);
      assert.equal(back.id, id);
      await assertReceivedExactly(client, eventsOfChange('create', order), 'the order created while offline', node);
    } finally {
      client.close();
      await node.stop();
    }
  });

  describe('with a second node on the same database (2 s recovery window)', () => {
    let second;
    before(async () => {
      second = await startOrdersApi({
        port: await freePort(), name: 'Orders.Api (second node)',
        env: { ...RECOVERY_LOG, SocketIO__ConnectionStateRecovery__MaxDisconnectionDuration: '00:00:02' },
      });
    });
    after(async () => { await second?.stop(); });

    test('past the window a client gets a fresh session: new id, not recovered, no connect_error, no replay', async () => {
      const user = userName('window');
      const admin = adminOf(second.url);
      const client = recoveringClient(second.url, { user });
      try {
        await client.connect();
        const order = await new OrdersApi(second.url, { user }).createOrder();
        const created = eventsOfChange('create', order);
        await client.until(hasKeys(created), 5000, 'order:created');

        // Within the window it recovers: the window, not the node, makes the difference below.
        let id = await client.drop();
        const missed = eventsOfChange('status', await admin.setStatus(order.id, 'processing'));
        let back = await client.comeBack();
        assert.deepEqual([back.recovered, back.id], [true, id], `within the window; output:\n${second.output(15)}`);
        await client.until(hasKeys(missed), 5000, 'the missed change within the window');

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
        await assertReceivedExactly(client, [...created, ...missed, ...live], 'no replay of the change made past the window', second);
        assert.ok(!keysOf(client.received).some((k) => lost.includes(k)));
      } finally {
        client.close();
      }
    });

    test('SIGKILL after a commit and before any socket write: the client recovers the event exactly once', async () => {
      const nodeA = service.host;
      const user = userName('sigkill');
      const client = recoveringClient(nodeA.url, { user });
      try {
        await client.connect();
        const order = await new OrdersApi(nodeA.url, { user }).createOrder();
        const created = eventsOfChange('create', order);
        await client.until(hasKeys(created), 5000, 'order:created');
        // The node stores sessions off the connect path, as soon as it can; leave it that moment before the crash.
        await sleep(500);
        const id = client.socket.id;

        // A can no longer write to any socket; B commits a change that A's client must get.
        freezeProcess(nodeA);
        const changed = eventsOfChange('status', await adminOf(second.url).setStatus(order.id, 'processing'));
        const dropped = waitForEvent(client.socket, 'disconnect', () => true, 10000);
        const killed = await killProcess(nodeA);
        assert.equal(killed.signal, 'SIGKILL');
        assert.equal(nodeA.exitSignal, 'SIGKILL', 'node A died of SIGKILL');
        await dropped;
        assert.deepEqual(keysOf(client.received), created, 'nothing was delivered between the commit and the kill');

        // The client reconnects by itself (no hold) once A listens again.
        const reconnected = waitForEvent(client.socket, 'connect', () => true, RESTART_MS);
        service.host = await startOrdersApi(nodeA.startOptions);
        await reconnected;
        const back = client.connects.at(-1);
        assert.deepEqual([back.recovered, back.id], [true, id], `after SIGKILL; restarted node output:\n${service.host.output(15)}`);

        const live = eventsOfChange('status', await adminOf(service.url).setStatus(order.id, 'shipped'));
        await assertReceivedExactly(client, [...created, ...changed, ...live], 'the change committed through B, once, then a live one', service.host);
      } finally {
        client.close();
        if (!nodeA.exited) await killProcess(nodeA);
      }
    });
  });
});
