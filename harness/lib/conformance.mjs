// The Socket.IO/Engine.IO conformance host of Orders.Conformance (contract: notes/protocol-contract.md).
import { after, before } from 'node:test';
import { closeAllSockets } from './client.mjs';
import { startDotnet, startServer, stopProcess } from './process.mjs';
import { sleep } from './events.mjs';

export const CONFORMANCE_DLL = process.env.CONFORMANCE_DLL ?? 'Orders.Conformance/bin/Release/net10.0/Orders.Conformance.dll';

/**
 * Starts the conformance host on `port` (0 = any free port) and resolves with its handle ({ url, port, stop }).
 * Options map to its command line: pingInterval, pingTimeout, connectTimeout, maxPayload.
 */
export function startConformanceHost({ port = 0, pingInterval, pingTimeout, connectTimeout, maxPayload, timeoutMs = 30000 } = {}) {
  const args = ['--port', String(port)];
  if (pingInterval !== undefined) args.push('--ping-interval', String(pingInterval));
  if (pingTimeout !== undefined) args.push('--ping-timeout', String(pingTimeout));
  if (connectTimeout !== undefined) args.push('--connect-timeout', String(connectTimeout));
  if (maxPayload !== undefined) args.push('--max-payload', String(maxPayload));
  // CONFORMANCE_CMD (e.g. "node /path/to/reference-host.mjs") runs the same tests against another implementation
  // of the contract, which tells a wrong test from a wrong server.
  const override = process.env.CONFORMANCE_CMD?.trim();
  if (override) {
    const [command, ...rest] = override.split(/\s+/);
    // Relative paths in the command are meant from where the tests run (harness/ under npm test).
    return startServer({ command, args: [...rest, ...args], cwd: process.cwd(), name: 'conformance host (CONFORMANCE_CMD)', timeoutMs });
  }
  return startDotnet({ dll: CONFORMANCE_DLL, args, name: 'Orders.Conformance', timeoutMs });
}

/**
 * Restarts a host on the same port: stops it (SIGTERM unless `signal` says otherwise) and starts a new one,
 * retrying briefly while the port is still held. Resolves with { host, stopped } where `stopped` reports the
 * shutdown ({ ms, signal, neededKill }).
 */
export async function restartOnSamePort(host, { signal = 'SIGTERM', beforeStart = async () => {}, ...options } = {}) {
  const stopped = await stopProcess(host, { signal });
  await beforeStart();
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return { host: await startConformanceHost({ ...options, port: host.port }), stopped };
    } catch (err) {
      lastError = err;
      await sleep(300);
    }
  }
  throw lastError;
}

/**
 * node:test fixture: starts one conformance host for the calling test file (before) and stops it and closes every
 * client socket (after, which node:test runs even when tests fail). Returns { host, url } filled in by `before`.
 */
export function useConformanceHost(options = {}) {
  const ctx = { host: undefined, get url() { return ctx.host.url; } };
  before(async () => { ctx.host = await startConformanceHost(options); });
  after(async () => {
    closeAllSockets();
    await ctx.host?.stop();
  });
  return ctx;
}
