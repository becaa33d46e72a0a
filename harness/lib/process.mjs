// Spawning .NET servers for tests: wait until ready, keep their output for failure messages, always kill them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './events.mjs';

/** The repository root (harness/ lives directly under it). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const running = new Set();
// Last resort: a test process that exits (also on failure or Ctrl-C) takes its servers with it.
process.once('exit', () => { for (const s of running) s.child.kill('SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { for (const s of running) s.child.kill('SIGKILL'); process.exit(130); });
}

/**
 * Starts `dotnet <dll> ...args` and resolves once it is ready:
 *  - `readyLine` (default /^READY (http\S+)/): a stdout line whose first group is the base URL, or
 *  - `readyUrl`: a URL polled until it answers 2xx (e.g. `${base}/readyz`), with `baseUrl` given.
 * Rejects (after killing the process) on timeout or early exit, including the process's last output lines.
 * The returned handle has { url, port, pid, output(), stop() }.
 */
export function startDotnet({ dll, args = [], name = path.basename(dll ?? 'server'), ...options } = {}) {
  const dllPath = path.resolve(repoRoot, dll);
  if (!existsSync(dllPath)) {
    return Promise.reject(new Error(`${name}: ${path.relative(repoRoot, dllPath)} does not exist; build it first (make build)`));
  }
  return startServer({ command: process.env.DOTNET ?? 'dotnet', args: [dllPath, ...args], name, ...options });
}

/** Like startDotnet for any command (e.g. a Node reference server): `command` and `args` are spawned as is. */
export async function startServer({ command, args = [], env = {}, cwd = repoRoot, readyLine = /^READY (http\S+)/,
  readyUrl, baseUrl, timeoutMs = 30000, name = path.basename(command) } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const keep = (stream) => (chunk) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line) lines.push(`[${stream}] ${line}`);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  const handle = {
    name, child, pid: child.pid, url: baseUrl, port: baseUrl ? Number(new URL(baseUrl).port) : undefined,
    exited: false,
    output: (n = 40) => lines.slice(-n).join('\n'),
    stop: (opts) => stopProcess(handle, opts),
  };
  running.add(handle);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    handle.exited = true; handle.exitCode = code; handle.exitSignal = signal; running.delete(handle); resolve();
  }));
  handle.exitedPromise = exited;
  child.stdout.on('data', keep('out'));
  child.stderr.on('data', keep('err'));

  const ready = readyUrl
    ? pollUntilOk(readyUrl, () => handle.exited)
    : new Promise((resolve) => {
      let buffered = '';
      const onData = (chunk) => {
        buffered += chunk.toString('utf8');
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          const m = readyLine.exec(line);
          if (m) { child.stdout.off('data', onData); resolve(m[1]); return; }
        }
      };
      child.stdout.on('data', onData);
    });

  let timer;
  const outcome = await Promise.race([
    ready.then((url) => ({ url })),
    exited.then(() => ({ exited: true })),
    new Promise((resolve) => { timer = setTimeout(() => resolve({ timeout: true }), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (!outcome.url) {
    await handle.stop();
    const why = outcome.exited ? `exited (code ${handle.exitCode}, signal ${handle.exitSignal})` : `not ready after ${timeoutMs} ms`;
    throw new Error(`${name} ${why} before it was ready; last output:\n${handle.output()}`);
  }
  if (typeof outcome.url === 'string') {
    handle.url = outcome.url.replace(/\/$/, '');
    handle.port = Number(new URL(handle.url).port);
  }
  return handle;
}

/**
 * Stops a started process: SIGTERM, then SIGKILL after `graceMs`. Resolves with { ms, signal } telling how long
 * it took and which signal ended it (a graceful shutdown that needs SIGKILL is worth knowing about).
 */
export async function stopProcess(handle, { signal = 'SIGTERM', graceMs = 5000 } = {}) {
  const started = Date.now();
  if (handle.exited) return { ms: 0, signal: handle.exitSignal, alreadyExited: true };
  handle.child.kill(signal);
  let timer;
  const killed = await Promise.race([
    handle.exitedPromise.then(() => false),
    new Promise((resolve) => { timer = setTimeout(() => resolve(true), graceMs); }),
  ]);
  clearTimeout(timer);
  if (killed) { handle.child.kill('SIGKILL'); await handle.exitedPromise; }
  return { ms: Date.now() - started, signal: killed ? 'SIGKILL' : signal, neededKill: killed };
}

/**
 * A TCP port free on 127.0.0.1 right now, for a server that must be told its port (a second service node, or one
 * restarted on the port its clients know). Another process may take it before the server binds; unlikely enough here.
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Freezes a started process (SIGSTOP): it keeps its sockets open but does nothing, as a hung or paused node. */
export function freezeProcess(handle) {
  if (!handle.exited) handle.child.kill('SIGSTOP');
}

/** Kills a started process with SIGKILL (also a frozen one) and resolves once it is gone. */
export function killProcess(handle) {
  return stopProcess(handle, { signal: 'SIGKILL' });
}

async function pollUntilOk(url, gaveUp) {
  for (;;) {
    if (gaveUp()) return new Promise(() => {});
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch { /* not listening yet */ }
    await sleep(200);
  }
}
