// @ts-check
// Start/stop a private nginx on 127.0.0.1 for the benchmarks.
// - temp prefix dir (pid, logs, temp paths), `-p prefix -c conf`, `daemon off`, one worker
// - /delay/ uses echo_sleep (libnginx-mod-http-echo); if the module is unavailable, nginx
//   proxies /delay/ to a tiny node delay server (child process) instead
// - never leaves nginx running: stop() on exit/signals, plus a detached shell watchdog that
//   kills nginx's process group if this node process dies without cleaning up (e.g. SIGKILL).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { cpuMsOf, isAlive, killGroup, processTree } from './lib/proc-tree.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEMPLATE = path.join(HERE, 'nginx.conf');
const ECHO_MODULE_PATHS = [
  '/usr/lib/nginx/modules/ngx_http_echo_module.so',
  '/usr/share/nginx/modules/ngx_http_echo_module.so',
];

/** @param {string} cmd */
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** @param {string[]} pkgs */
function aptInstall(pkgs) {
  console.error(`[bench] apt-get install -y ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'ignore', env });
  return r.status === 0;
}

/** @param {string} pkg */
function aptHasCandidate(pkg) {
  const r = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const m = /Candidate:\s*(\S+)/.exec(r.stdout || '');
  return !!m && m[1] !== '(none)';
}

export function findEchoModule() {
  return ECHO_MODULE_PATHS.find((p) => fs.existsSync(p)) || null;
}

/** Make sure nginx (and, if packaged, the echo module) is installed. */
export function ensureNginx() {
  if (!have('nginx') && !fs.existsSync('/usr/sbin/nginx')) {
    const pkgs = ['nginx'];
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    if (aptHasCandidate('libnginx-mod-http-echo')) pkgs.push('libnginx-mod-http-echo');
    if (!aptInstall(pkgs)) throw new Error('could not install nginx (apt-get install nginx failed)');
  } else if (!findEchoModule() && process.env.BENCH_NO_ECHO !== '1') {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    if (aptHasCandidate('libnginx-mod-http-echo')) aptInstall(['libnginx-mod-http-echo']);
  }
  return have('nginx') ? 'nginx' : '/usr/sbin/nginx';
}

export function nginxVersion(bin = 'nginx') {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return ((r.stderr || r.stdout || '').trim().split('\n')[0] || '').replace(/^nginx version:\s*/, '');
}

/**
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** @returns {Promise<number>} */
function ephemeralPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/**
 * Preferred port (stable so cached URL files can be reused) or a free one.
 * @param {number | undefined} preferred
 */
export async function pickPort(preferred) {
  if (preferred && (await portFree(preferred))) return preferred;
  return ephemeralPort();
}

/**
 * @param {number} port
 * @param {number} timeoutMs
 * @param {() => boolean} isDead
 * @returns {Promise<void>}
 */
function waitForPort(port, timeoutMs, isDead) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      if (isDead()) return reject(new Error('nginx exited during start-up'));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(); });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(tryOnce, 50);
      });
    };
    tryOnce();
  });
}

/**
 * GET a loopback URL, resolve {status, body}.
 * @param {string} url
 * @returns {Promise<{ status: number | undefined, headers: http.IncomingHttpHeaders, body: string }>}
 */
export function httpGet(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * @typedef {object} Nginx
 * @property {number} port
 * @property {string} baseUrl
 * @property {number} tlsPort  the same small JSON body over TLS (HTTP/1.1 and h2 by ALPN; self-signed)
 * @property {string} tlsBaseUrl
 * @property {string} delayMode
 * @property {number} delayMs
 * @property {string} prefix
 * @property {number} pid
 * @property {() => Promise<number>} requestsTotal requests nginx has served so far (stub_status)
 * @property {() => number} workersCpuMs CPU ms nginx's processes have used so far (user + system): the server's share of a run
 * @property {() => Promise<void>} stop
 * @property {() => void} stopSync usable in an 'exit' handler
 */

// ---- cleanup registry: stop everything on exit / signals --------------------------------
/** @type {Set<Nginx>} */
const live = new Set();
let hooksInstalled = false;
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => { for (const s of live) s.stopSync(); });
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(sig, () => {
      for (const s of live) s.stopSync();
      process.exit(128 + (os.constants.signals[sig] || 1));
    });
  }
  process.on('uncaughtException', (err) => {
    for (const s of live) s.stopSync();
    console.error(err);
    process.exit(1);
  });
}

/**
 * Watchdog: a detached sh that kills the given process groups once `ownerPid` is gone.
 * @param {number} ownerPid
 * @param {number[]} pgids
 * @param {string[]} dirs removed after the kill
 */
function spawnWatchdog(ownerPid, pgids, dirs) {
  const kills = pgids.map((g) => `kill -TERM -${g} 2>/dev/null`).join('; ');
  const hard = pgids.map((g) => `kill -KILL -${g} 2>/dev/null`).join('; ');
  const rm = dirs.map((d) => `rm -rf '${d}'`).join('; ');
  const script = `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done; ${kills}; sleep 2; ${hard}; ${rm || ':'}`;
  const w = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  w.unref();
  return w.pid;
}

/**
 * @param {number} delayMs
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, port: number }>}
 */
function startDelayServer(delayMs) {
  // Tiny keep-alive node server used only when the nginx echo module is unavailable.
  const code = `
    const http = require('node:http');
    const srv = http.createServer((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true,"delayed":true}\\n');
      }, ${Number(delayMs)});
    });
    srv.keepAliveTimeout = 60000;
    srv.maxRequestsPerSocket = 0;
    srv.listen(0, '127.0.0.1', () => process.stdout.write(String(srv.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /^(\d+)\n/.exec(buf);
      if (m) { child.stdout.removeAllListeners('data'); child.stdout.resume(); resolve({ child, port: Number(m[1]) }); }
    });
    child.once('exit', (c) => reject(new Error(`delay server exited (${c})`)));
  });
}

/**
 * Start a private nginx.
 * @param {{port?: number, delayMs?: number}} opts  port: preferred port (falls back to a free one)
 * @returns {Promise<Nginx>}
 */
export async function startNginx(opts = {}) {
  const bin = ensureNginx();
  installExitHooks();
  const delayMs = opts.delayMs ?? 200;
  const echo = process.env.BENCH_NO_ECHO === '1' ? null : findEchoModule();
  const dataDir = path.join(HERE, '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkfetch-bench-nginx-'));
  fs.mkdirSync(path.join(prefix, 'tmp'), { recursive: true });

  /** @type {{ child: import('node:child_process').ChildProcess, port: number } | null} */
  let delaySrv = null;
  let delayBlock;
  let upstreamBlock = '';
  if (echo) {
    delayBlock = `            echo_sleep ${(delayMs / 1000).toFixed(3)};\n            echo '{"ok":true,"delayed":true}';`;
  } else {
    delaySrv = await startDelayServer(delayMs);
    upstreamBlock = `    upstream bench_delay {\n        server 127.0.0.1:${delaySrv.port};\n        keepalive 2048;\n    }`;
    delayBlock = [
      '            proxy_pass http://bench_delay;',
      '            proxy_http_version 1.1;',
      '            proxy_set_header Connection "";',
    ].join('\n');
  }

  // A throwaway self-signed certificate for the TLS server (clients run with -k / --insecure).
  const cert = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-keyout', path.join(prefix, 'bench.key'), '-out', path.join(prefix, 'bench.crt')], { stdio: 'ignore' });
  if (cert.status !== 0) throw new Error('openssl could not generate the bench certificate');
  const tpl = fs.readFileSync(TEMPLATE, 'utf8');
  /** @type {Error | undefined} */
  let lastErr;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await pickPort(attempt === 0 ? opts.port : 0);
    const tlsPort = await pickPort(attempt === 0 ? port + 1 : 0);
    const conf = tpl
      .replaceAll('{{TLS_PORT}}', String(tlsPort))
      .replaceAll('{{LOAD_MODULES}}', echo ? `load_module ${echo};` : '# echo module not available: /delay/ proxied to a node delay server')
      .replaceAll('{{PREFIX}}', prefix)
      .replaceAll('{{PORT}}', String(port))
      .replaceAll('{{UPSTREAM_BLOCK}}', upstreamBlock)
      .replaceAll('{{DELAY_BLOCK}}', delayBlock);
    const confPath = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(confPath, conf);

    const child = spawn(bin, ['-p', prefix, '-c', confPath, '-e', path.join(prefix, 'error.log')], {
      detached: true, // own process group: kill(-pid) reaches master + worker
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let exited = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', () => (exited = true));
    // Both spawned detached, so each pid leads its own group; a failed spawn has no pid to kill.
    const groups = [child.pid, delaySrv?.child.pid].filter((p) => p !== undefined);
    const watchdogPid = spawnWatchdog(process.pid, groups, [prefix]);

    let stopped = false;
    /** @type {Nginx} */
    const handle = {
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      tlsPort,
      tlsBaseUrl: `https://127.0.0.1:${tlsPort}`,
      delayMode: echo ? 'nginx echo_sleep' : 'node delay server behind nginx proxy_pass',
      delayMs,
      prefix,
      pid: child.pid ?? 0,
      async requestsTotal() {
        const r = await httpGet(`http://127.0.0.1:${port}/nginx_status`);
        const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(r.body);
        if (!m) throw new Error(`cannot parse stub_status: ${r.body}`);
        return Number(m[3]);
      },
      workersCpuMs() {
        // No pid (never started): nothing, not the descendants of pid 0, which are every process on the machine.
        return child.pid === undefined ? 0 : cpuMsOf([child.pid, ...processTree(child.pid)]);
      },
      stopSync() {
        if (stopped) return;
        stopped = true;
        live.delete(handle);
        for (const g of groups) killGroup(g, 'SIGTERM');
        // busy-wait up to ~2 s for a clean exit, then SIGKILL (sync: usable in 'exit' handler)
        const deadline = Date.now() + 2000;
        while (groups.some((g) => isAlive(g)) && Date.now() < deadline) {
          spawnSync('sleep', ['0.05']);
        }
        for (const g of groups) killGroup(g, 'SIGKILL');
        if (watchdogPid !== undefined) try { process.kill(watchdogPid, 'SIGKILL'); } catch {}
        // keep a non-empty error log for post-mortems (bench/.data/nginx-error.log)
        try {
          const el = path.join(prefix, 'error.log');
          if (fs.statSync(el).size > 0) fs.copyFileSync(el, path.join(dataDir, 'nginx-error.log'));
        } catch {}
        try { fs.rmSync(prefix, { recursive: true, force: true }); } catch {}
      },
      async stop() {
        if (stopped) return;
        const done = exited ? Promise.resolve() : new Promise((r) => child.once('exit', r));
        for (const g of groups) killGroup(g, 'SIGTERM');
        await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
        handle.stopSync();
      },
    };
    live.add(handle);
    try {
      await waitForPort(port, 5000, () => exited);
      await waitForPort(tlsPort, 5000, () => exited);
      const r = await httpGet(`${handle.baseUrl}/item/0?q=0`);
      if (r.status !== 200) throw new Error(`nginx smoke test: status ${r.status}`);
      return handle;
    } catch (err) {
      lastErr = new Error(`${err instanceof Error ? err.message : String(err)}\n${stderr}`);
      handle.stopSync();
      if (!/Address already in use|bind\(\)/.test(stderr)) break;
      // port race: retry on a fresh port
    }
  }
  try { fs.rmSync(prefix, { recursive: true, force: true }); } catch {}
  if (delaySrv?.child.pid) killGroup(delaySrv.child.pid, 'SIGKILL');
  throw lastErr;
}

// `node bench/nginx.js` : start, smoke-test all locations, stop.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ng = await startNginx({ port: Number(process.env.BENCH_PORT) || 18080 });
  console.log(`nginx ${nginxVersion()} on ${ng.baseUrl} (pid ${ng.pid}, delay via ${ng.delayMode})`);
  const a = await httpGet(`${ng.baseUrl}/item/1?q=1`);
  console.log('/item/1?q=1 ->', a.status, a.headers['content-type'], JSON.stringify(a.body));
  const k = await httpGet(`${ng.baseUrl}/kib/1`);
  console.log('/kib/1 ->', k.status, k.headers['content-type'], `${Buffer.byteLength(k.body)} bytes`);
  const t0 = performance.now();
  const b = await httpGet(`${ng.baseUrl}/delay/1`);
  console.log('/delay/1 ->', b.status, b.headers['content-type'], JSON.stringify(b.body), `${(performance.now() - t0).toFixed(0)} ms`);
  console.log('requests total:', await ng.requestsTotal());
  await ng.stop();
  console.log('stopped; still alive?', isAlive(ng.pid));
  void execFileSync;
}
