// The QA library's own pieces that need no server: JWT signing, bounded waits, toast lines, the recovery checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  decodeToken, durableStreamProblems, EventTimeoutError, eventsOfChange, expectNoEvent, mintToken, seededRandom, signJwt, toastLine, waitForEvent,
} from '../../lib/index.mjs';

test('signJwt matches the well-known HS256 example token', () => {
  const token = signJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret');
  assert.equal(token, 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
});

test('mintToken sets sub, iss, role and an expiry; negative lifetimes mint expired tokens', () => {
  const claims = decodeToken(mintToken({ sub: 'alice', role: 'admin', secret: 's'.repeat(32), issuer: 'http://localhost:3000' }));
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.iss, 'http://localhost:3000');
  assert.equal(claims.role, 'admin');
  assert.equal(claims.exp - claims.iat, 900);
  const expired = decodeToken(mintToken({ sub: 'bob', secret: 's'.repeat(32), expiresInSeconds: -60 }));
  assert.ok(expired.exp < Date.now() / 1000);
});

test('waitForEvent resolves with the matching args and times out naming the event', async () => {
  const emitter = new EventEmitter();
  const waiting = waitForEvent(emitter, 'tick', (n) => n === 2, 1000);
  emitter.emit('tick', 1);
  emitter.emit('tick', 2, 'x');
  assert.deepEqual(await waiting, [2, 'x']);
  assert.equal(emitter.listenerCount('tick'), 0, 'listener removed once settled');
  await assert.rejects(waitForEvent(emitter, 'never', () => true, 50),
    (err) => err instanceof EventTimeoutError && err.eventName === 'never');
  assert.equal(emitter.listenerCount('never'), 0);
});

test('expectNoEvent resolves after a quiet window and rejects on the first matching event', async () => {
  const emitter = new EventEmitter();
  await expectNoEvent(emitter, 'x', 30);
  const watching = expectNoEvent(emitter, 'x', 1000, (v) => v === 'bad');
  emitter.emit('x', 'fine');
  emitter.emit('x', 'bad');
  await assert.rejects(watching, /unexpected 'x'/);
});

test('toastLine gives the frontend toast per event', () => {
  const n = 'ORD-1';
  assert.equal(toastLine('order:created', { message: `Your order #${n} has been created!` }), `✅ Your order #${n} has been created!`);
  assert.equal(toastLine('order:status_changed', { newStatus: 'processing', message: 'm' }), '📦 m');
  assert.equal(toastLine('order:status_changed', { newStatus: 'shipped', message: 'm' }), '🚚 m');
  assert.equal(toastLine('order:status_changed', { newStatus: 'delivered', message: 'm' }), null);
  assert.equal(toastLine('order:completed', { message: 'done' }), '✅ done');
  assert.equal(toastLine('order:cancelled', { message: 'gone' }), '❌ gone');
});

test('durableStreamProblems accepts an orderly stream and names each fault', () => {
  const order = (id, version) => ({ id, version });
  const e = (name, o, offset, argc = 2) => ({ name, data: { order: o }, offset, argc });
  assert.deepEqual(durableStreamProblems([
    e('order:created', order('a', 1), '5'), e('order:status_changed', order('a', 2), '7'), e('order:completed', order('a', 2), '8'),
  ]), []);
  const problems = durableStreamProblems([
    e('order:created', order('a', 3), '5'),
    e('order:created', order('a', 3), '6'), // the same event twice
    e('order:updated', order('a', 2), '6'), // offset not increasing, version going down
    e('order:updated', order('b', 1), undefined, 1), // no offset
  ]);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0], /already received/);
  assert.match(problems[1], /offset not above/);
  assert.match(problems[2], /version 2 after 3/);
  assert.match(problems[3], /expected \(payload, offset string\)/);
});

test('eventsOfChange lists the events a REST change implies', () => {
  const o = (status) => ({ id: 'x', version: 9, status });
  assert.deepEqual(eventsOfChange('create', o('pending')), ['x v9 order:created']);
  assert.deepEqual(eventsOfChange('status', o('delivered')), ['x v9 order:status_changed', 'x v9 order:completed']);
  assert.deepEqual(eventsOfChange('cancel', o('cancelled')), ['x v9 order:status_changed', 'x v9 order:cancelled']);
});

test('seededRandom repeats its choices for a seed', () => {
  const draw = (seed) => { const r = seededRandom(seed); return Array.from({ length: 5 }, () => r.int(1, 1000)); };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  assert.ok(draw(7).every((n) => n >= 1 && n <= 1000));
});
