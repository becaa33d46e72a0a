// Several Orders.Api nodes on one database behind nginx (issue 27), for tests: the nodes on free loopback ports, nginx
// on another, running the repository's sample config (deploy/nginx/orders-cluster.conf, rendered by
// scripts/nginx-local.sh as `make cluster` does). Everything started here is stopped by `stop()`, and by the
// process's last-resort kill in process.mjs.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { closeAllSockets } from './client.mjs';
import { restartOrdersApi, startOrdersApi } from './orders.mjs';
import { freePort, repoRoot, startServer } from './process.mjs';

const run = promisify(execFile);

/** The nginx binary: NGINX, else `nginx` on PATH, else /usr/sbin/nginx (where Debian puts it, off a user's PATH). */
export function nginxBinary() {
  if (process.env.NGINX) return process.env.NGINX;
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin']) {
    const candidate = path.join(dir || '.', 'nginx');
    try { accessSync(candidate, constants.X_OK); return candidate; } catch { /* next */ }
  }
  throw new Error('nginx not found (NGINX, PATH, /usr/sbin): install it with `apt-get install -y nginx` '
    + '(`make nginx` does; `make test-live` runs it first)');
}

/**
 * Starts nginx in the foreground on 127.0.0.1:`port` in front of `nodePorts`, with the sample config rendered into
 * `prefix` (its own directory, removed again by `stop()`). A single process (`master_process off`), so that a
 * SIGKILL leaves no worker behind. Resolves once a request through it reaches a node (`/healthz`).
 */
export async function startNginx({ port, nodePorts, prefix, name = 'nginx' }) {
  const command = nginxBinary();
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  let conf;
  try {
    const { stdout } = await run(path.join(repoRoot, 'scripts', 'nginx-local.sh'), ['render'], {
      env: { ...process.env, NGINX: command, NGINX_PREFIX: prefix, NGINX_PORT: String(port), NODE_PORTS: nodePorts.join(' '), NGINX_ERROR_LOG: 'stderr' },
      timeout: 15000,
    });
    conf = stdout.trim();
  } catch (err) {
    throw new Error(`scripts/nginx-local.sh render failed: ${err.stderr || err.message}`);
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const handle = await startServer({
    command, name, baseUrl, readyUrl: `${baseUrl}/healthz`, timeoutMs: 15000,
    args: ['-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off; master_process off;'],
  });
  const stop = handle.stop;
  handle.stop = async (opts) => {
    const result = await stop(opts);
    rmSync(prefix, { recursive: true, force: true });
    return result;
  };
  return handle;
}

/**
 * Starts `size` Orders.Api nodes on free ports (the first alone: it applies the migrations) and nginx in front.
 * `env` goes to every node. Resolves with:
 *  - `url` (nginx), `nodes` (handles as startOrdersApi returns them), `nginx`
 *  - `nodeOf(key)`: the index of the node nginx sends the client key `key` to now (asked through nginx: `/healthz`
 *    with `?client=key` answers with the node in `X-Orders-Node`)
 *  - `keyOn(index, label)`: a new client key nginx sends to node `index`
 *  - `restart(index)`: the node stopped (if it still runs) and started again on its port with its environment
 *  - `stop()`: nginx and every node stopped, whatever state they are in
 */
export async function startCluster({ size = 3, env = {}, name = 'cluster' } = {}) {
  const nodes = [];
  let nginx;
  const stop = async () => {
    closeAllSockets();
    await Promise.allSettled([nginx?.stop(), ...nodes.map((n) => n.stop())]);
  };
  try {
    const ports = [];
    while (ports.length < size) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const start = (i) => startOrdersApi({ port: ports[i], env, name: `Orders.Api node ${i + 1} (${name})`, timeoutMs: 90000 });
    nodes.push(await start(0));
    nodes.push(...await Promise.all(ports.slice(1).map((_, i) => start(i + 1))));
    nginx = await startNginx({
      port: await freePort(), nodePorts: ports, name: `nginx (${name})`,
      prefix: path.join(repoRoot, '.data', `nginx-test-${process.pid}-${name.replace(/\W+/g, '-')}`),
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const cluster = {
    url: nginx.url,
    nginx,
    nodes,
    stop,
    async nodeOf(key) {
      const res = await fetch(`${nginx.url}/healthz?client=${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      const upstream = res.headers.get('x-orders-node') ?? '';
      // After a failover nginx names every node it tried: the last one answered.
      const port = Number(upstream.split(/[ ,:]+/).filter(Boolean).at(-1));
      const index = nodes.findIndex((n) => n.port === port);
      if (!res.ok || index < 0) throw new Error(`nginx answered ${res.status} for key ${key} from "${upstream}"`);
      return index;
    },
    async keyOn(index, label = 'client') {
      for (let attempt = 0; attempt < 200; attempt++) {
        const key = `${label}-${process.pid}-${Date.now().toString(36)}-${attempt}`;
        if (await cluster.nodeOf(key) === index) return key;
      }
      throw new Error(`no client key reached node ${index + 1} in 200 tries`);
    },
    async restart(index) {
      nodes[index] = await restartOrdersApi(nodes[index]);
      return nodes[index];
    },
  };
  return cluster;
}

/**
 * node:test fixture: a cluster started before the file's tests and stopped after them (also when they fail).
 * The returned object gets the cluster's fields once it has started.
 */
export function useCluster(options) {
  const ctx = {};
  before(async () => { Object.assign(ctx, await startCluster(options)); });
  after(async () => { await ctx.stop?.(); });
  return ctx;
}
