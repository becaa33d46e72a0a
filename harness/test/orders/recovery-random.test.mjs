// Randomized connection state recovery: 20 users, each with one client that drops off (engine close) and comes back at
// random, while 8 writers make random order changes (create, notes while pending, status moves, cancel) for a bounded
// time. At the end each client must hold exactly the events its user's successful REST calls imply (order id +
// order.version + name), in offset order, none twice, and every reconnection must have recovered its session.
// RECOVERY_SEED=<n> repeats a run's choices (the interleaving of concurrent calls still varies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiError, describeEvents, durableStreamProblems, eventsOfChange, OrdersApi, QUIET_MS, RECOVERY_LOG_ENV, recoveringClient, sampleOrder,
  seededRandom, sleep, useOrdersService, waitForEvent,
} from '../../lib/index.mjs';

// The writers' admin makes hundreds of changes in RUN_MS: a script, not a person, so the per-user write limit is off.
const service = useOrdersService({ env: { ...RECOVERY_LOG_ENV, RateLimits__Writes__Burst: '0' } });

const SEED = Number(process.env.RECOVERY_SEED ?? Math.floor(Math.random() * 2 ** 32));
const USERS = 20;
const WRITERS = 8;
const RUN_MS = 10000;
const MAX_CHANGES = 800;
// Where a status may go next (admins); cancel is also open to the owner.
const NEXT = { pending: ['processing', 'cancelled'], processing: ['shipped', 'cancelled'], shipped: ['delivered'] };

test(`${USERS} users, ${WRITERS} writers, random drops: each client gets exactly its own events, in order, once`, async (t) => {
  t.diagnostic(`seed ${SEED} (RECOVERY_SEED=${SEED} repeats the choices)`);
  const stamp = Date.now();
  const users = Array.from({ length: USERS }, (_, i) => `qa-random-${stamp}-${i}`);
  const apis = new Map(users.map((u) => [u, new OrdersApi(service.url, { user: u, timeoutMs: 20000 })]));
  const admin = new OrdersApi(service.url, { user: 'qa-random-admin', role: 'admin', timeoutMs: 20000 });
  const clients = new Map(users.map((u) => [u, recoveringClient(service.url, { user: u, timeoutMs: 15000 })]));
  const expected = new Map(users.map((u) => [u, new Set()]));
  const orders = [];
  const stats = { changes: 0, conflicts: 0, drops: 0, held: 0 };
  const deadline = Date.now() + RUN_MS;
  let budget = MAX_CHANGES;
  let failed = false;
  const running = () => !failed && Date.now() < deadline && budget > 0;
  const failWith = (message) => assert.fail(`seed ${SEED}: ${message}`);

  try {
    await Promise.all([...clients.values()].map((c) => c.connect(15000)));

    const writer = async (i) => {
      const r = seededRandom((SEED + Math.imul(i + 1, 0x9E3779B1)) >>> 0);
      while (running()) {
        budget--;
        const open = orders.slice(-16).filter((o) => NEXT[o.status]);
        const pending = open.filter((o) => o.status === 'pending');
        const cancellable = open.filter((o) => o.status !== 'shipped');
        let kind = r.pick(['create', 'update', 'status', 'status', 'cancel']);
        if (open.length < 4 || (kind === 'update' && !pending.length) || (kind === 'cancel' && !cancellable.length)) kind = 'create';
        let known;
        try {
          let order;
          if (kind === 'create') {
            const owner = r.pick(users);
            order = await apis.get(owner).createOrder(sampleOrder({ notes: `writer ${i}` }));
            known = { id: order.id, owner, status: order.status, version: order.version };
            orders.push(known);
          } else {
            known = r.pick(kind === 'update' ? pending : kind === 'cancel' ? cancellable : open);
            const owner = apis.get(known.owner);
            if (kind === 'update') order = await (r.chance(0.5) ? owner : admin).updateOrder(known.id, { notes: `note ${r.int(0, 1e6)}` });
            else if (kind === 'cancel') order = await (r.chance(0.5) ? owner : admin).cancelOrder(known.id);
            else order = await admin.setStatus(known.id, r.pick(NEXT[known.status]));
          }
          if (order.version >= known.version) Object.assign(known, { status: order.status, version: order.version });
          for (const key of eventsOfChange(kind, order)) expected.get(order.userId).add(key);
          stats.changes++;
        } catch (err) {
          // Another writer got there first: no change, so no event. Learn the order's state and go on.
          if (!(err instanceof ApiError) || err.status !== 409) failWith(`${kind} failed: ${err.message}`);
          stats.conflicts++;
          const now = await admin.getOrder(known.id);
          if (now.version >= known.version) Object.assign(known, { status: now.status, version: now.version });
        }
      }
    };

    // Half the drops come back at once (the Manager reconnects by itself); half stay offline for a while first.
    const dropper = async (user, j) => {
      const r = seededRandom((SEED ^ Math.imul(j + 1, 0x85EBCA77)) >>> 0);
      const client = clients.get(user);
      while (running()) {
        await sleep(r.int(200, 2000));
        if (!running()) break;
        if (r.chance(0.5)) {
          await client.drop();
          await sleep(r.int(50, 1500));
          await client.comeBack(15000);
          stats.held++;
        } else {
          const back = waitForEvent(client.socket, 'connect', () => true, 15000);
          client.socket.io.engine.close();
          await back;
        }
        stats.drops++;
      }
    };

    // The first failure stops every loop, so none outlives the test.
    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, i) => writer(i)),
      ...users.map((u, j) => dropper(u, j)),
    ]).catch((err) => { failed = true; throw err; });
    t.diagnostic(`${stats.changes} changes (${orders.length} orders), ${stats.conflicts} conflicts (409), `
      + `${stats.drops} drops (${stats.held} held offline)`);

    // Every client is connected again; wait (bounded) until each has what it should, then a quiet window for late extras.
    await Promise.allSettled(users.map((u) => clients.get(u).untilKeys([...expected.get(u)], 8000)));
    await sleep(QUIET_MS);

    const problems = [];
    for (const user of users) {
      const client = clients.get(user);
      const keys = client.keys();
      const want = expected.get(user);
      const missing = [...want].filter((k) => !keys.includes(k));
      const extra = keys.filter((k) => !want.has(k));
      const stream = durableStreamProblems(client.received);
      const reconnects = client.connects.slice(1);
      // Each reconnection recovers the session it left: the same socket id as the connection before it.
      const notRecovered = reconnects.filter((c, i) => !c.recovered || c.id !== client.connects[i].id)
        .map((c) => `${c.recovered ? 'recovered' : 'fresh'} ${c.id} (presented offset ${c.offset ?? 'none'}, ${c.received} events received before)`);
      if (missing.length || extra.length || stream.length || notRecovered.length) {
        problems.push(`${user}: ${want.size} expected, ${missing.length} missing ${JSON.stringify(missing.slice(0, 5))}, `
          + `${extra.length} extra ${JSON.stringify(extra.slice(0, 5))}, ${stream.length} order problems ${JSON.stringify(stream.slice(0, 3))}, `
          + `${notRecovered.length} of ${reconnects.length} reconnections not recovered ${JSON.stringify(notRecovered.slice(0, 3))}; `
          + `connects (id, offset presented, events received before) ${JSON.stringify(client.connects.map((c) => [c.id, c.offset ?? null, c.received]))}; `
          + `offsets received ${client.received.map((e) => e.offset).join(',')}; ` + describeEvents(client.received, 8)
          + `\n  the service on its socket: ${(service.host?.output(400) ?? '').split('\n').filter((l) => client.connects.some((c) => l.includes(c.id))).slice(-12).join('\n  ') || 'nothing'}`);
      }
    }
    if (problems.length) {
      const refusals = (service.host?.output(400) ?? '').split('\n').filter((l) => l.includes('not recovered'));
      failWith(`${problems.length} of ${USERS} clients wrong:\n${problems.join('\n')}\n`
        + `recoveries the service refused (of its last 400 log lines):\n${refusals.join('\n') || 'none'}`);
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
});
