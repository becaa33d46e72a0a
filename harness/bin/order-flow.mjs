#!/usr/bin/env node
// QA smoke flow against a running orders service (issue 4):
//   node bin/order-flow.mjs --api http://localhost:3004 [--user NAME] [--admin NAME] [--flow happy|cancel]
//                           [--timeout MS] [--transport websocket|polling] [--verbose]
// Prints one toast line per event as the frontend shows it; exits 1 naming the event that did not arrive in time,
// 2 when the socket is refused, 3 when a REST call fails, 64 on bad usage.
import { parseArgs } from 'node:util';
import { ApiError, EventTimeoutError, runOrderFlow } from '../lib/index.mjs';

const usage = 'usage: order-flow.mjs --api URL [--user NAME] [--admin NAME] [--flow happy|cancel] [--timeout MS] [--transport websocket|polling] [--verbose]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      api: { type: 'string', default: process.env.ORDERS_API_URL ?? 'http://localhost:3004' },
      user: { type: 'string' },
      admin: { type: 'string' },
      flow: { type: 'string', default: 'happy' },
      timeout: { type: 'string', default: '5000' },
      transport: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(64);
}
if (values.help) { console.log(usage); process.exit(0); }

// Without ACCESS_TOKEN or --user, act as a QA customer minted with the configured secret.
const user = values.user ?? (process.env.ACCESS_TOKEN ? undefined : 'qa-customer');
const started = Date.now();
try {
  const { order, events } = await runOrderFlow({
    api: values.api,
    user,
    adminUser: values.admin,
    flow: values.flow,
    timeoutMs: Number(values.timeout),
    socketOptions: values.transport ? { transports: [values.transport] } : {},
    print: (line) => console.log(line),
  });
  if (values.verbose) {
    for (const e of events) console.error(`  ${e.name} ${JSON.stringify({ ...e.data, order: e.data.order?.orderNumber })}`);
  }
  console.error(`✔ ${values.flow} flow for ${order.orderNumber ?? order.id}: ${events.length} events in ${Date.now() - started} ms`);
} catch (err) {
  if (err instanceof EventTimeoutError && err.eventName === 'connect') {
    console.error(`✖ socket did not connect to ${values.api}: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof EventTimeoutError) {
    console.error(`✖ missing event ${err.eventName}: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof ApiError) {
    console.error(`✖ REST call failed: ${err.message}${err.body ? `\n${JSON.stringify(err.body)}` : ''}`);
    process.exit(3);
  }
  if (err?.message && 'data' in err) {
    console.error(`✖ socket refused: ${err.message} ${JSON.stringify(err.data ?? null)}`);
    process.exit(2);
  }
  if (/^(unknown flow|mintToken|no ACCESS_TOKEN)/.test(err?.message ?? '')) {
    console.error(`✖ ${err.message}\n${usage}`);
    process.exit(64);
  }
  console.error(`✖ ${err?.stack ?? err}`);
  process.exit(3);
}
