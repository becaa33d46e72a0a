// Durable order events and connection state recovery, with the stock socket.io-client 4.8, on the fixture's service: a
// client that drops off comes back with the same socket id and every event it missed, in order and once, before the
// next live one; a foreign or unknown session, or a bad offset, gives a fresh one and nothing else. Restarts, SIGKILL,
// the window and a fresh node are in recovery-restart.test.mjs and recovery-nodes.test.mjs.
// Events are compared by order id + order.version + name (eventKey), as the REST responses imply them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collect, createSocket, eventKey, eventsOfChange, expectExactly, ORDER_EVENTS, OrdersApi, orderEventLog, QUIET_MS, RECOVERY_LOG_ENV,
  recoveryDecisions, recoveringClient, sleep, tokenFor, useOrdersService, waitConnected, waitForEvent,
} from '../../lib/index.mjs';

const service = useOrdersService({ env: RECOVERY_LOG_ENV });

let serial = 0;
const userName = (label) => `qa-recovery-${label}-${Date.now()}-${++serial}`;
// A node just started answers its first calls slowly, the more so on a busy machine: every wait here is bounded by this.
const WAIT_MS = 20000;
const apiOf = (url, user) => new OrdersApi(url, { user, timeoutMs: WAIT_MS });
const adminOf = (url) => new OrdersApi(url, { user: 'qa-recovery-admin', role: 'admin', timeoutMs: WAIT_MS });

test('a client offline for three changes recovers them in order, once, before the next live change', async () => {
  const user = userName('offline');
  const api = apiOf(service.url, user);
  const admin = adminOf(service.url);
  const client = recoveringClient(service.url, { user, timeoutMs: WAIT_MS });
  try {
    await client.connect();
    const first = client.connects[0];
    assert.equal(first.recovered, false);
    assert.ok(first.pid, 'the CONNECT answer carries a pid (recovery enabled)');
    const order = await api.createOrder();
    const created = eventsOfChange('create', order);
    await client.untilKeys(created, WAIT_MS, 'order:created');

    const id = await client.drop();
    const missed = [
      ...eventsOfChange('update', await admin.updateOrder(order.id, { notes: 'ring twice 🔔' })),
      ...eventsOfChange('status', await admin.setStatus(order.id, 'processing')),
      ...eventsOfChange('status', await admin.setStatus(order.id, 'shipped')),
    ];
    const back = await client.comeBack();
    assert.equal(back.recovered, true, `not recovered; the service says:\n${recoveryDecisions(service.host)}`);
    assert.equal(back.id, id, 'a recovered socket keeps its id');
    assert.equal(back.pid, first.pid);

    const live = eventsOfChange('status', await admin.setStatus(order.id, 'delivered'));
    await expectExactly(client, [...created, ...missed, ...live], { what: 'created, three missed, then the live change', host: service.host });
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
  const warm = recoveringClient(service.url, { user: other, timeoutMs: WAIT_MS });
  const user = userName('silent');
  const client = recoveringClient(service.url, { user, timeoutMs: WAIT_MS });
  try {
    await warm.connect();
    const warmOrder = await apiOf(service.url, other).createOrder();
    await warm.untilKeys(eventsOfChange('create', warmOrder), WAIT_MS, 'warm-up order:created');

    await client.connect();
    const id = await client.drop();
    assert.equal(client.lastOffset, undefined, 'the client has no offset to present');
    const order = await apiOf(service.url, user).createOrder();
    const back = await client.comeBack();
    assert.equal(back.recovered, true, `not recovered; the service says:\n${recoveryDecisions(service.host)}`);
    assert.equal(back.id, id);
    await expectExactly(client, eventsOfChange('create', order), { what: 'the order created while offline', host: service.host });
  } finally {
    warm.close();
    client.close();
  }
});

test('a foreign pid presented with another user\'s token recovers nothing, and the owner still recovers', async () => {
  const [aliceName, bobName] = [userName('alice'), userName('bob')];
  const admin = adminOf(service.url);
  const alice = recoveringClient(service.url, { user: aliceName, timeoutMs: WAIT_MS });
  let bob;
  try {
    await alice.connect();
    const order = await apiOf(service.url, aliceName).createOrder();
    const created = eventsOfChange('create', order);
    await alice.untilKeys(created, WAIT_MS, 'order:created');
    const { pid: alicePid, lastOffset: aliceOffset } = alice;
    const aliceId = await alice.drop();
    const missed = eventsOfChange('status', await admin.setStatus(order.id, 'processing'));

    // Bob's client has no pid of its own, so it sends this auth object as is.
    bob = createSocket(service.url, { timeout: WAIT_MS, auth: { token: tokenFor({ user: bobName }), pid: alicePid, offset: aliceOffset } });
    let bobAnswer;
    bob.io.on('packet', (p) => { if (p.type === 0) bobAnswer = p.data; });
    const bobLog = collect(bob);
    const bobOrders = orderEventLog(bob);
    await waitConnected(bob, WAIT_MS);
    // The client computes `recovered` from its own pid, so for bob it is false whatever the server did: the server's
    // answer shows in the socket id, the pid it hands out and the events bob gets.
    assert.equal(bob.recovered, false);
    assert.notEqual(bob.id, aliceId, 'bob got alice\'s socket id');
    assert.ok(bobAnswer?.pid && bobAnswer.pid !== alicePid, `bob's CONNECT answer should carry a pid of his own: ${JSON.stringify(bobAnswer)}`);
    // Neither alice's missed event nor her next one reaches bob; his own does.
    const later = eventsOfChange('status', await admin.setStatus(order.id, 'shipped'));
    const bobOrder = await apiOf(service.url, bobName).createOrder();
    await bobOrders.expect('order:created', bobOrder.id, undefined, { timeoutMs: WAIT_MS });
    await sleep(QUIET_MS);
    const bobEvents = bobLog.events.filter((e) => ORDER_EVENTS.includes(e.name));
    assert.deepEqual(bobEvents.map((e) => eventKey(e.name, e.args[0].order)), eventsOfChange('create', bobOrder));
    assert.equal(bobLog.of('connect_error').length, 0);

    const back = await alice.comeBack();
    assert.equal(back.recovered, true, 'bob\'s attempt must not spoil alice\'s session');
    assert.equal(back.id, aliceId);
    await expectExactly(alice, [...created, ...missed, ...later], { what: 'alice: created, missed, later', host: service.host });
  } finally {
    alice.close();
    bob?.close();
  }
});

test('an unknown pid, a malformed offset or one from the future give a fresh session and no connect_error', async () => {
  const user = userName('bad-auth');
  const client = recoveringClient(service.url, { user, timeoutMs: WAIT_MS });
  const token = tokenFor({ user });
  const attempts = [];
  try {
    await client.connect();
    const order = await apiOf(service.url, user).createOrder();
    await client.untilKeys(eventsOfChange('create', order), WAIT_MS, 'order:created');
    const { pid, lastOffset } = client;
    const id = await client.drop();
    // A watcher of the same user sees the change go out live first: whatever the fresh sessions below receive after
    // it could only be a replay (without it, a fresh socket that connects before the feed sends the change gets it
    // live, rightly).
    const watcher = createSocket(service.url, { timeout: WAIT_MS, auth: { token } });
    await waitConnected(watcher, WAIT_MS);
    const sent = waitForEvent(watcher, 'order:status_changed', () => true, WAIT_MS);
    const missed = eventsOfChange('status', await adminOf(service.url).setStatus(order.id, 'processing'));
    await sent;
    watcher.close();
    for (const [label, auth] of [
      ['unknown pid', { token, pid: 'AAAAAAAAAAAAAAAAAAAAAAAA', offset: lastOffset }],
      ['malformed offset', { token, pid, offset: 'not-a-number' }],
      ['offset from the future', { token, pid, offset: String(BigInt(lastOffset) + 1_000_000_000n) }],
    ]) {
      const socket = createSocket(service.url, { timeout: WAIT_MS, auth });
      let answer;
      socket.io.on('packet', (p) => { if (p.type === 0) answer = p.data; });
      const log = collect(socket);
      await waitConnected(socket, WAIT_MS).catch((err) => assert.fail(`${label}: refused (${err.message}) rather than a fresh session`));
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
    await client.untilKeys(missed, WAIT_MS, 'the missed change');
  } finally {
    client.close();
  }
});
