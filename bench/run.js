#!/usr/bin/env node
// @ts-check
// bulkfetch benchmark orchestrator (`npm run bench`).
//
//   node bench/run.js [cpu|cpu-small|latency|tls|tls-hosts|dns|repeats|shuffled|memory|slow|startup|wrk|hosts ...]   (default: all)
//
// env:
//   BENCH_ROUNDS=3          rounds; runs are interleaved (round-robin, rotated order per round)
//   BENCH_QUICK=1           small sizes (whole suite in ~2 minutes)
//   BULKFETCH_CMD="node /other/bin/bulkfetch.js"   how to invoke bulkfetch (default: this repo's bin, executed as users run it)
//   BENCH_BF_OUTPUT=devnull pass `-o /dev/null` to bulkfetch instead of counting its stdout lines
//   BENCH_XARGS_ROUNDS=1    rounds for xargs+curl (one process per URL is slow: ~35 req/s here)
//   BENCH_XARGS_N           size of the xargs subset (default 20000, quick 500)
//   BENCH_REFERENCE=0       skip the once-per-run curl reference runs (latency/repeats/startup)
//   BENCH_PORT=18080        preferred nginx port (stable port => cached input files are reused)
//   BENCH_TIMEOUT_SCALE=1   multiply every per-run timeout
//   BENCH_STRICT=1          exit 1 if any target FAILs
//   BENCH_SKIP_BULKFETCH=1  peers only
//   BENCH_NO_ECHO=1         force the node delay-server fallback instead of nginx echo_sleep
//   BENCH_HOSTS_NS=120000,1000000   list sizes of the many-hosts scenario (one distinct host per URL)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNginx, nginxVersion } from './nginx.js';
import { urlList, curlConfig } from './inputs.js';
import { measure } from './measure.js';
import { startSlowDns, withResolver } from './slow-dns.js';
import { runCurlParallel, runXargsCurl, runWrk, runBareUndici, runBareHttp2, ensureWrk, curlCaps, curlVersion } from './peers.js';

/** @typedef {import('./measure.js').Run} Run */
/** @typedef {Run & { origin: number }} OriginRun  a run with the requests nginx saw during it */
/** @typedef {{ enabled?: boolean, analysisMs?: number, hits?: number, evictions?: number }} CacheSummary  the --summary `cache` object (the fields read here) */
/** @typedef {Run & { cache?: CacheSummary }} BfRun  a bulkfetch run, with its summary's cache object */
/** @typedef {{ name: string, value: string, pass: boolean | null }} Target  pass null: skipped */
/** @typedef {{ title: string, md: string, targets: Target[] }} Section  what a scenario returns */
/** @typedef {Section & { when: string, mode: string }} StoredSection  a section as results.json keeps it */
/**
 * @typedef {object} Ctx
 * @property {import('./nginx.js').Nginx} ng
 * @property {{ ok: boolean, reason: string }} bf whether bulkfetch runs, and why not
 * @property {ReturnType<typeof curlCaps>} caps
 */
/**
 * One contender of a scenario, run once a round.
 * @template {Run} [R=Run]
 * @typedef {object} Task
 * @property {string} key
 * @property {() => Promise<R>} run
 * @property {number} [rounds] fewer rounds than ROUNDS (slow references)
 * @property {number} [n] requests per run
 * @property {number} [slots] in-flight slots (latency scenario)
 * @property {boolean} [bf] a bulkfetch run (the one the targets judge)
 * @property {boolean} [wrk] a wrk run: fixed duration, its request count comes from its own report
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_MD = path.join(HERE, 'RESULTS.md');
/**
 * Every scenario's last section, from which RESULTS.md is written: committed beside it, so that
 * running one scenario in a fresh clone keeps the others' sections (kept under bench/.data, which
 * git ignores, it was lost with the clone, and such a run wrote a RESULTS.md of that scenario alone).
 */
const RESULTS_JSON = path.join(HERE, 'results.json');

/** @typedef {'cpu' | 'cpu-small' | 'latency' | 'tls' | 'tls-hosts' | 'dns' | 'repeats' | 'shuffled' | 'memory' | 'slow' | 'startup' | 'wrk' | 'hosts'} ScenarioName */
/** @type {ScenarioName[]} */
const ALL = ['cpu', 'cpu-small', 'latency', 'tls', 'tls-hosts', 'dns', 'repeats', 'shuffled', 'memory', 'slow', 'startup', 'wrk', 'hosts'];
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || 3);
const XARGS_ROUNDS = Math.max(0, Number(process.env.BENCH_XARGS_ROUNDS ?? 1));
const REFERENCE = process.env.BENCH_REFERENCE !== '0';
const TSCALE = Number(process.env.BENCH_TIMEOUT_SCALE) || 1;
const CORES = os.availableParallelism?.() ?? os.cpus().length;

/** @type {{ cpuN: number, cpuOneN: number, cpuSmallN: number, xargsN: number, latencyN: number, tlsN: number, tlsHostsN: number, namesN: number, repeatsN: number, shuffledN: number, memoryNs: number[], slowN: number, wrkS: number }} */
const SIZES = QUICK
  ? { cpuN: 30_000, cpuOneN: 20_000, cpuSmallN: 40_000, xargsN: 400, latencyN: 9_600, tlsN: 20_000, tlsHostsN: 2_000, namesN: 2_000, repeatsN: 30_000, shuffledN: 50_000, memoryNs: [10_000, 40_000, 160_000], slowN: 30_000, wrkS: 3 }
  : { cpuN: 1_000_000, cpuOneN: 100_000, cpuSmallN: 200_000, xargsN: 20_000, latencyN: 48_000, tlsN: 100_000, tlsHostsN: 10_000, namesN: 12_000, repeatsN: 1_000_000, shuffledN: 500_000, memoryNs: [250_000, 1_000_000, 4_000_000], slowN: 300_000, wrkS: 5 };
if (process.env.BENCH_XARGS_N) SIZES.xargsN = Number(process.env.BENCH_XARGS_N);
/** Many-hosts list sizes: memory must be flat from the first to the last. */
const HOSTS_NS = process.env.BENCH_HOSTS_NS
  ? process.env.BENCH_HOSTS_NS.split(',').map(Number)
  : QUICK ? [10_000, 40_000] : [120_000, 1_000_000];
const CONC = 200;
const DELAY_MS = 200;
/** Lines a second the slow-consumer scenario reads bulkfetch's output at. */
const SLOW_LINES_PER_S = 4_000;

// ---------------------------------------------------------------------------------------------
const log = (/** @type {unknown[]} */ ...a) => console.error('[bench]', ...a);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
/** @param {number[]} xs */
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  const at = (/** @type {number} */ i) => /** @type {number} */ (v[i]);
  return v.length % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
};
const min = (/** @type {number[]} */ xs) => Math.min(...xs.filter(Number.isFinite));
const max = (/** @type {number[]} */ xs) => Math.max(...xs.filter(Number.isFinite));
/** @param {number} x @param {number} [d] decimals */
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');
const mib = (/** @type {number} */ kib) => kib / 1024;
/** timeout: base + n / (worst acceptable rate) @param {number} n @param {number} minRate */
const timeoutFor = (n, minRate, baseS = 60) => Math.round((baseS + n / minRate) * 1000 * TSCALE);

/** Median CPU µs per request over a contender's runs (each run's tree CPU over its own count). @param {Run[]} rs */
const cpuUsPerReq = (rs) => median(rs.map((r) => (r.cpuMs * 1000) / r.n));

/**
 * The floors measured beside bulkfetch in the same rounds (issue 15): the bare undici loop (one
 * process, `conc` in flight) and wrk at the same connection count on one URL of the list's kind.
 * wrk runs for a fixed time and reports its own count; the timed side is its own process's CPU.
 * @param {{ list: { file: string }, n: number, conc: number, url: string, durationS: number, slots?: number }} o
 * @returns {Array<Task & { n: number, slots: number }>}
 */
function floorTasks({ list, n, conc, url, durationS, slots = conc }) {
  /** @type {Array<Task & { n: number, slots: number }>} */
  const tasks = [{ key: `bare undici loop, ${fmt(conc)} in flight`, n, slots,
    run: () => runBareUndici({ listFile: list.file, n, conc, timeoutMs: timeoutFor(n, 1000) }) }];
  if (ensureWrk()) {
    const threads = Math.min(2, CORES);
    tasks.push({ key: `wrk -t${threads} -c${conc} -d${durationS}s (one URL)`, n, slots, wrk: true,
      run: () => runWrk({ url, threads, conns: conc, durationS }) });
  }
  return tasks;
}

/** @param {string} s a command line; quotes group words @returns {string[]} */
function splitCmd(s) {
  /** @type {string[]} */
  const out = [];
  for (const m of s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

// ---- bulkfetch invocation ---------------------------------------------------------------------
// The bin itself, as an installed `bulkfetch` is run: its sh line starts Node without
// NODE_EXTRA_CA_CERTS, which `node bin/bulkfetch.js` would skip (CHANGELOG.md, entry 45).
const BF_CMD = process.env.BULKFETCH_CMD ? splitCmd(process.env.BULKFETCH_CMD) : [path.join(ROOT, 'bin', 'bulkfetch.js')];
const BF_DEVNULL = process.env.BENCH_BF_OUTPUT === 'devnull';

function bulkfetchMissingReason() {
  if (process.env.BENCH_SKIP_BULKFETCH === '1') return 'BENCH_SKIP_BULKFETCH=1';
  if (process.env.BULKFETCH_CMD) return null;
  if (!fs.existsSync(path.join(ROOT, 'bin', 'bulkfetch.js'))) return 'bin/bulkfetch.js missing';
  if (!fs.existsSync(path.join(ROOT, 'dist'))) return 'dist/ missing (run `npm run build`)';
  return null;
}

/**
 * @param {{ file: string, n: number, procs: number, conc?: number, timeoutMs: number, flags?: string[], statuses?: boolean, linesPerSec?: number, via?: string[] }} o
 *   statuses: count the 200s in the output and sample descriptors per process; linesPerSec: read the
 *   output no faster than that (a slow consumer; always a pipe, whatever BENCH_BF_OUTPUT says);
 *   via: a command prefix bulkfetch runs under (slow-dns.js withResolver)
 * @returns {Promise<BfRun>}
 */
async function runBulkfetch({ file, n, procs, conc = CONC, timeoutMs, flags = [], statuses = false, linesPerSec = 0, via = [] }) {
  const summary = path.join(os.tmpdir(), `bulkfetch-bench-summary-${process.pid}.json`);
  fs.rmSync(summary, { force: true });
  const args = [...BF_CMD.slice(1), file, '--procs', String(procs), '--concurrency', String(conc), '--summary', summary, ...flags];
  const devnull = BF_DEVNULL && !statuses && !linesPerSec;
  if (devnull) args.push('-o', '/dev/null');
  const out = statuses ? 'status' : devnull ? 'null' : 'count';
  const [cmd, ...prefix] = [...via, BF_CMD[0] ?? 'node'];
  const m = await measure(cmd ?? 'node', [...prefix, ...args], { timeoutMs, stdout: out, cwd: ROOT, fds: statuses, stdoutLinesPerSec: linesPerSec });
  const linesOk = devnull ? true : m.stdoutLines === n;
  /** @type {CacheSummary | undefined} */
  let cache;
  try { cache = JSON.parse(fs.readFileSync(summary, 'utf8')).cache; } catch {}
  fs.rmSync(summary, { force: true });
  return { ...m, n, reqps: (n / m.wallMs) * 1000, ok: m.exitCode === 0 && linesOk, ...(cache ? { cache } : {}) };
}

// ---- result bookkeeping ------------------------------------------------------------------------
/**
 * contender -> list of per-round results
 * @template {Run} [R=Run]
 */
class Series {
  constructor() {
    /** @type {Map<string, R[]>} */
    this.map = new Map();
  }
  /** @param {string} key @param {R} r */
  add(key, r) {
    const list = this.map.get(key);
    if (list) list.push(r);
    else this.map.set(key, [r]);
  }
  /** @param {string} key @returns {R[]} */
  get(key) { return this.map.get(key) || []; }
  /** @param {string} key @param {(r: R) => number} f */
  med(key, f) { return median(this.get(key).map(f)); }
  /** @param {string} key */
  has(key) { return this.get(key).length > 0; }
}

/** @param {string} label @param {Run} r */
function describeRun(label, r) {
  const bits = [
    `${label}:`,
    `wall ${fmt(r.wallMs / 1000, 2)} s`,
    Number.isFinite(r.reqps) ? `${fmt(r.reqps)} req/s` : '',
    `cpu ${fmt(r.cpuMs / 1000, 2)} s`,
    `rss max ${fmt(mib(r.peakRssMaxProcKiB), 1)} MiB tree ${fmt(mib(r.peakRssTreeKiB), 1)} MiB`,
    r.stdoutLines != null ? `lines ${r.stdoutLines}` : '',
    r.ok ? 'ok' : `NOT OK (exit ${r.exitCode}${r.signal ? ' ' + r.signal : ''}${r.timedOut ? ', TIMEOUT' : ''})`,
  ];
  log(bits.filter(Boolean).join('  '));
  if (!r.ok && r.stderrTail) log('  stderr tail:', r.stderrTail.trim().split('\n').slice(-5).join(' | '));
}

/**
 * Run `tasks` in rotated order for each round.
 * @template {Run} R
 * @param {string} name
 * @param {Task<R>[]} tasks
 * @param {Series<R>} series
 */
async function interleave(name, tasks, series) {
  for (let round = 0; round < ROUNDS; round++) {
    const rot = tasks.map((_, i) => /** @type {Task<R>} */ (tasks[(i + round) % tasks.length]));
    for (const t of rot) {
      const rounds = t.rounds ?? ROUNDS;
      if (round >= rounds) continue;
      const r = await t.run();
      describeRun(`${name} r${round + 1}/${ROUNDS} ${t.key}`, r);
      series.add(t.key, r);
      await sleep(500);
    }
  }
}

// ---- scenarios -----------------------------------------------------------------------------------
// Each takes a Ctx and returns a Section: {title, md (markdown section body), targets}.

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioCpu(ctx) {
  const { port } = ctx.ng;
  const N = SIZES.cpuN, XN = Math.min(SIZES.xargsN, N);
  const list = urlList('distinct', N, port);
  const conf = curlConfig('distinct', N, port);
  const xlist = urlList('distinct', XN, port);
  const s = new Series();
  /** @type {Array<Task & { n: number }>} */
  const tasks = [];
  const procsList = [...new Set([CORES, 8])];
  if (ctx.bf.ok) {
    for (const p of procsList) {
      tasks.push({ key: `bulkfetch --procs ${p} --concurrency ${CONC}`, bf: true, n: N,
        run: () => runBulkfetch({ file: list.file, n: N, procs: p, timeoutMs: timeoutFor(N, 2000) }) });
    }
  }
  tasks.push({ key: 'curl -Z --parallel-max 200', n: N,
    run: () => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 2000) }) });
  tasks.push(...floorTasks({ list, n: N, conc: CONC, url: `${ctx.ng.baseUrl}/item/0?q=0`, durationS: SIZES.wrkS }));
  if (XARGS_ROUNDS > 0) {
    tasks.push({ key: `xargs -P 200 curl (${fmt(XN)} subset)`, n: XN, rounds: XARGS_ROUNDS,
      run: () => runXargsCurl({ listFile: xlist.file, n: XN, timeoutMs: timeoutFor(XN, 10, 120) }) });
  }
  await interleave('cpu', tasks, s);

  const curlKey = 'curl -Z --parallel-max 200';
  const curlRps = s.med(curlKey, (r) => r.reqps);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    const rps = median(rs.map((r) => r.reqps));
    const cpu100k = median(rs.map((r) => (r.cpuMs / 1000) * (100_000 / r.n)));
    return [
      t.key, fmt(t.wrk ? median(rs.map((r) => r.n)) : t.n), fmt(rps), `${fmt(min(rs.map((r) => r.reqps)))}–${fmt(max(rs.map((r) => r.reqps)))}`,
      fmt(cpu100k, 2), fmt(cpuUsPerReq(rs)), fmt(mib(median(rs.map((r) => r.peakRssMaxProcKiB))), 1), fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1),
      fmt(rps / curlRps, 2) + 'x', `${rs.filter((r) => r.ok).length}/${rs.length}`,
    ];
  });
  const md = 'CPU µs / req: user+sys of the contender\'s whole process tree over the requests it made (wrk: its own process, fixed duration).\n\n' +
    table(['contender', 'requests', 'req/s (median)', 'req/s range', 'CPU s / 100k req', 'CPU µs / req', 'peak RSS max proc MiB', 'peak RSS tree MiB', 'req/s vs curl -Z', 'runs ok'], rows);
  const targets = [];
  const bfTasks = tasks.filter((t) => t.bf);
  if (bfTasks.length) {
    let best = -Infinity, bestKey = '';
    for (const t of bfTasks) {
      const ratio = s.med(t.key, (r) => r.reqps) / curlRps;
      if (ratio > best) { best = ratio; bestKey = t.key; }
    }
    const allOk = bfTasks.every((t) => s.get(t.key).every((r) => r.ok));
    targets.push({ name: `CPU-bound: bulkfetch req/s >= 2.0x curl -Z (best: ${bestKey})`, value: `${fmt(best, 2)}x${allOk ? '' : ' (some runs NOT OK)'}`, pass: best >= 2.0 && allOk });
  } else {
    targets.push({ name: 'CPU-bound: bulkfetch req/s >= 2.0x curl -Z', value: ctx.bf.reason, pass: null });
  }
  return { title: `CPU-bound (${fmt(N)} distinct URLs, small JSON responses)`, md, targets };
}

/**
 * Issue 15's two smaller CPU-bound targets: CPU per request of one child against the bare undici
 * loop (100k distinct URLs, both 200 in flight, so the parent and the pipe are what bulkfetch adds),
 * and req/s against curl -Z on 200k.
 * @param {Ctx} ctx @returns {Promise<Section>}
 */
async function scenarioCpuSmall(ctx) {
  const { port } = ctx.ng;
  const N1 = SIZES.cpuOneN, N2 = SIZES.cpuSmallN;
  const one = urlList('distinct', N1, port);
  const two = urlList('distinct', N2, port);
  const conf = curlConfig('distinct', N2, port);
  const s = new Series();
  const oneKey = `bulkfetch --procs 1 --concurrency ${CONC} (${fmt(N1)})`;
  const bareKey = `bare undici loop, ${CONC} in flight (${fmt(N1)})`;
  const twoKey = `bulkfetch --procs ${CORES} --concurrency ${CONC} (${fmt(N2)})`;
  const curlKey = `curl -Z --parallel-max ${CONC} (${fmt(N2)})`;
  /** @type {Array<Task & { n: number }>} */
  const tasks = [];
  if (ctx.bf.ok) {
    tasks.push({ key: oneKey, bf: true, n: N1, run: () => runBulkfetch({ file: one.file, n: N1, procs: 1, timeoutMs: timeoutFor(N1, 1000) }) });
    tasks.push({ key: twoKey, bf: true, n: N2, run: () => runBulkfetch({ file: two.file, n: N2, procs: CORES, timeoutMs: timeoutFor(N2, 2000) }) });
  }
  tasks.push({ key: bareKey, n: N1, run: () => runBareUndici({ listFile: one.file, n: N1, conc: CONC, timeoutMs: timeoutFor(N1, 1000) }) });
  tasks.push({ key: curlKey, n: N2, run: () => runCurlParallel({ configFile: conf.file, n: N2, timeoutMs: timeoutFor(N2, 2000) }) });
  await interleave('cpu-small', tasks, s);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(t.n), fmt(median(rs.map((r) => r.reqps))), fmt(cpuUsPerReq(rs)), fmt(mib(median(rs.map((r) => r.peakRssMaxProcKiB))), 1), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = 'CPU µs / req: user+sys of the contender\'s whole process tree over the requests it made.\n\n' +
    table(['contender', 'requests', 'req/s (median)', 'CPU µs / req', 'peak RSS max proc MiB', 'runs ok'], rows);
  const okAll = (/** @type {string} */ key) => s.get(key).every((r) => r.ok);
  const cpuRatio = cpuUsPerReq(s.get(oneKey)) / cpuUsPerReq(s.get(bareKey));
  const rpsRatio = s.med(twoKey, (r) => r.reqps) / s.med(curlKey, (r) => r.reqps);
  const targets = ctx.bf.ok
    ? [
      { name: `CPU per request, ${fmt(N1)} distinct URLs, --procs 1 --concurrency ${CONC}: <= 1.25x the bare undici loop`, value: `${fmt(cpuRatio, 2)}x${okAll(oneKey) ? '' : ' (some runs NOT OK)'}`, pass: cpuRatio <= 1.25 && okAll(oneKey) },
      { name: `Throughput, ${fmt(N2)} distinct URLs, --procs ${CORES} --concurrency ${CONC}: >= 1.6x curl -Z`, value: `${fmt(rpsRatio, 2)}x${okAll(twoKey) ? '' : ' (some runs NOT OK)'}`, pass: rpsRatio >= 1.6 && okAll(twoKey) },
    ]
    : [{ name: 'CPU per request at --procs 1; throughput on 200k', value: ctx.bf.reason, pass: null }];
  return { title: `CPU-bound, smaller lists (${fmt(N1)} and ${fmt(N2)} distinct URLs)`, md, targets };
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioLatency(ctx) {
  const { port } = ctx.ng;
  const N = SIZES.latencyN, SLOTS = 8 * CONC;
  const list = urlList('delay', N, port);
  const s = new Series();
  /** @type {Array<Task & { slots: number, goal?: number, floorKey?: string }>} */
  const tasks = [];
  const bareShapeKey = (/** @type {number} */ procs, /** @type {number} */ conc) => `bare undici loops, ${procs} processes x ${conc} in flight`;
  if (ctx.bf.ok) {
    // the same 1,600 slots in many small children and in few large ones
    for (const [procs, conc, goal] of /** @type {Array<[number, number, number]>} */ ([[8, CONC, 0.85], [2, SLOTS / 2, 0.9]])) {
      tasks.push({ key: `bulkfetch --procs ${procs} --concurrency ${conc}`, slots: SLOTS, bf: true, goal, floorKey: bareShapeKey(procs, conc),
        run: () => runBulkfetch({ file: list.file, n: N, procs, conc, timeoutMs: timeoutFor(N, 200) }) });
    }
  }
  tasks.push(...floorTasks({ list, n: N, conc: SLOTS, url: `${ctx.ng.baseUrl}/delay/0`, durationS: Math.ceil((N * DELAY_MS) / 1000 / SLOTS) }));
  // The floor of bulkfetch's shape: the bare loop in a parent and N processes on equal shards, each
  // paying its own start and JIT warm-up as a child does (entry 61), where the one-process loop pays once.
  for (const [procs, conc] of /** @type {Array<[number, number]>} */ ([[2, SLOTS / 2], [8, CONC]])) {
    tasks.push({ key: bareShapeKey(procs, conc), n: N, slots: SLOTS,
      run: () => runBareUndici({ listFile: list.file, n: N, conc, timeoutMs: timeoutFor(N, 1000), flags: [`--procs=${procs}`] }) });
  }
  if (REFERENCE) {
    const conf = curlConfig('delay', N, port);
    tasks.push({ key: 'curl -Z --parallel-max 200 (reference)', slots: 200, rounds: 1,
      run: () => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 100) }) });
  }
  await interleave('latency', tasks, s);
  // r.n, not N: wrk runs for the ideal wall time and reports how many it made
  const eff = (/** @type {{ slots: number }} */ t, /** @type {Run} */ r) => (r.n * (DELAY_MS / 1000) / t.slots) / (r.wallMs / 1000);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(median(rs.map((r) => r.n))), fmt(t.slots), fmt(N * DELAY_MS / 1000 / t.slots, 2), fmt(median(rs.map((r) => r.wallMs)) / 1000, 2),
      fmt(median(rs.map((r) => eff(t, r))), 3), fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), fmt(cpuUsPerReq(rs)),
      fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = `Server delay ${DELAY_MS} ms (${ctx.ng.delayMode}). Efficiency = (requests × delay / in-flight slots) / wall time.\n\n` +
    table(['contender', 'requests', 'slots', 'ideal wall s', 'wall s (median)', 'efficiency', 'CPU s', 'CPU µs / req', 'peak RSS tree MiB', 'runs ok'], rows);
  const bts = tasks.filter((t) => t.bf);
  const targets = bts.length
    ? bts.map((bt) => { const e = median(s.get(bt.key).map((r) => eff(bt, r))); const ok = s.get(bt.key).every((r) => r.ok); const goal = bt.goal ?? 0.9;
      const floor = bt.floorKey ? median(s.get(bt.floorKey).map((r) => eff(bt, r))) : NaN;
      const beside = Number.isFinite(floor) ? ` (bare loops in its shape: ${fmt(floor, 3)})` : '';
      return { name: `Latency-bound: ${bt.key} efficiency >= ${fmt(goal, 2)}`, value: fmt(e, 3) + beside + (ok ? '' : ' (some runs NOT OK)'), pass: e >= goal && ok }; })
    : [{ name: 'Latency-bound: efficiency >= 0.85 / 0.90', value: ctx.bf.reason, pass: null }];
  return { title: `Latency-bound (${fmt(N)} URLs, ${DELAY_MS} ms server delay)`, md, targets };
}

/**
 * `run` with the server's CPU over it: nginx's processes read before and after. Over TLS the client and nginx
 * share the machine's cores, so the server's CPU a request is part of what bounds every client's rate.
 * @param {import('./nginx.js').Nginx} ng
 * @param {() => Promise<Run>} run
 * @returns {() => Promise<Run & { serverCpuMs: number }>}
 */
function withServerCpu(ng, run) {
  return async () => {
    const before = ng.workersCpuMs();
    const r = await run();
    return { ...r, serverCpuMs: ng.workersCpuMs() - before };
  };
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioTls(ctx) {
  const N = SIZES.tlsN, P = CORES;
  const list = urlList('https', N, ctx.ng.tlsPort);
  const conf = curlConfig('https', N, ctx.ng.tlsPort);
  /** @type {Series<Run & { serverCpuMs: number }>} */
  const s = new Series();
  /** @type {Array<Task<Run & { serverCpuMs: number }> & { n: number }>} */
  const tasks = [];
  const h1Key = `bulkfetch -k --procs ${P} --concurrency ${CONC}`, h2Key = `${h1Key} --http2`;
  const curlH1 = 'curl -Z --parallel-max 200 -k --http1.1', curlH2 = 'curl -Z --parallel-max 200 -k (h2)';
  /** @param {string} key @param {() => Promise<Run>} run @param {boolean} [bf] */
  const add = (key, run, bf = false) => tasks.push({ key, n: N, ...(bf ? { bf } : {}), run: withServerCpu(ctx.ng, run) });
  if (ctx.bf.ok) {
    add(h1Key, () => runBulkfetch({ file: list.file, n: N, procs: P, timeoutMs: timeoutFor(N, 1000), flags: ['-k'] }), true);
    add(h2Key, () => runBulkfetch({ file: list.file, n: N, procs: P, timeoutMs: timeoutFor(N, 1000), flags: ['-k', '--http2'] }), true);
  }
  add(curlH1, () => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 1000), extra: ['-k', '--http1.1'] }));
  add(curlH2, () => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 1000), extra: ['-k'] }));
  // The Node floors under each protocol: what an h2 client in Node costs before any work of ours.
  const bareH1 = `bare undici loop, ${CONC} in flight (HTTP/1.1)`, bareH2 = `bare undici loop, ${CONC} in flight (h2, 100 streams a connection)`;
  const bareNodeH2 = `bare node:http2 loop, ${CONC} in flight (${Math.ceil(CONC / 100)} sessions)`;
  add(bareH1, () => runBareUndici({ listFile: list.file, n: N, conc: CONC, timeoutMs: timeoutFor(N, 1000), flags: ['--insecure'] }));
  add(bareH2, () => runBareUndici({ listFile: list.file, n: N, conc: CONC, timeoutMs: timeoutFor(N, 1000), flags: ['--insecure', '--h2'] }));
  add(bareNodeH2, () => runBareHttp2({ listFile: list.file, n: N, conc: CONC, timeoutMs: timeoutFor(N, 1000) }));
  await interleave('tls', tasks, s);
  const rps = (/** @type {string} */ k) => s.med(k, (r) => r.reqps);
  const serverUs = (/** @type {string} */ k) => s.med(k, (r) => (r.serverCpuMs * 1000) / r.n);
  // How busy a run kept the machine: the client's and nginx's CPU over the cores' time. Its rate is this share of
  // the most the cores allow at its CPU a request (CORES / (client + nginx)); a client of one thread busies at
  // most one core of its own.
  const share = (/** @type {string} */ k) => s.med(k, (r) => (r.cpuMs + r.serverCpuMs) / (CORES * r.wallMs));
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(N), fmt(rps(t.key)), fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), fmt(cpuUsPerReq(rs)), fmt(serverUs(t.key)),
      `${fmt(share(t.key) * 100)} %`, fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const floor = (/** @type {string} */ k) => cpuUsPerReq(s.get(k));
  // What bulkfetch's HTTP/1.1 run would have to cost for 1.6x curl's rate, at the share of the cores it keeps busy
  // and nginx's CPU a request as measured with it: rate = share x CORES / (client + nginx), solved for the client.
  const needUs = ctx.bf.ok ? (share(h1Key) * CORES * 1e6) / (1.6 * rps(curlH1)) - serverUs(h1Key) : NaN;
  const budget = Number.isFinite(needUs)
    ? ` Over TLS each contender and nginx share the ${CORES} cores: bulkfetch's HTTP/1.1 run keeps ${fmt(share(h1Key) * 100)} % of them busy, curl (one thread) ` +
      `${fmt(share(curlH1) * 100)} %. At that share and nginx's ${fmt(serverUs(h1Key))} µs, 1.6x curl's rate needs bulkfetch at ${fmt(needUs)} µs a request or less ` +
      `(${fmt(needUs / floor(bareH1), 2)}x the bare undici loop's ${fmt(floor(bareH1))}; it is ${fmt(floor(h1Key))}).`
    : '';
  const md = `nginx (1 worker) over TLS with a self-signed certificate; HTTP/1.1 or h2 by ALPN. ` +
    `The bare loops are one process each, with none of bulkfetch's work: the floors under each protocol in Node. ` +
    `CPU µs / req: node:http2 alone ${fmt(floor(bareNodeH2))}, undici's h2 client ${fmt(floor(bareH2))}, undici over HTTP/1.1 ${fmt(floor(bareH1))} ` +
    `(h2 / HTTP/1.1: ${fmt(floor(bareNodeH2) / floor(bareH1), 2)}x for node:http2, ${fmt(floor(bareH2) / floor(bareH1), 2)}x for undici).${budget}\n\n` +
    table(['contender', 'requests', 'req/s (median)', 'CPU s', 'CPU µs / req', 'nginx CPU µs / req', 'cores busy', 'peak RSS tree MiB', 'runs ok'], rows);
  if (!ctx.bf.ok) return { title: `TLS (${fmt(N)} distinct URLs)`, md, targets: [{ name: 'TLS: bulkfetch >= 1.6x curl -Z --http1.1', value: ctx.bf.reason, pass: null }] };
  const ok = (/** @type {string} */ k) => s.get(k).every((r) => r.ok);
  const h1 = rps(h1Key) / rps(curlH1), h2 = rps(h2Key) / rps(curlH2);
  const cpu1 = cpuUsPerReq(s.get(h1Key)), cpu2 = cpuUsPerReq(s.get(h2Key));
  return { title: `TLS (${fmt(N)} distinct URLs)`, md, targets: [
    { name: 'TLS: bulkfetch req/s >= 1.6x curl -Z --http1.1', value: `${fmt(h1, 2)}x (at most ${fmt(needUs)} µs a request needed, ${fmt(cpu1)} measured)`, pass: h1 >= 1.6 && ok(h1Key) },
    { name: 'TLS: bulkfetch --http2 req/s >= 1.0x curl -Z over h2', value: `${fmt(h2, 2)}x`, pass: h2 >= 1.0 && ok(h2Key) },
    { name: 'TLS: bulkfetch --http2 CPU / req < its HTTP/1.1', value: `${fmt(cpu2)} vs ${fmt(cpu1)} µs`, pass: cpu2 < cpu1 },
  ] };
}

/** A CA bundle as curl users name it with --cacert (Debian's path), when this machine has one. */
const SYSTEM_CA_BUNDLE = ['/etc/ssl/certs/ca-certificates.crt'].find((f) => fs.existsSync(f));

/**
 * Distinct hosts over TLS: a connection and a handshake for every URL, as in a list of domains to
 * probe (127.x.y.z, nginx's TLS port on 0.0.0.0). -k everywhere, since the certificate names
 * 127.0.0.1 only; a CA bundle given with --cacert is loaded all the same, which shows what each
 * connection pays to load its trust (bench/CHANGELOG.md, entry 20).
 * @param {Ctx} ctx @returns {Promise<Section>}
 */
async function scenarioTlsHosts(ctx) {
  const N = SIZES.tlsHostsN, P = CORES;
  const list = urlList('https-hosts', N, ctx.ng.tlsPort);
  const conf = curlConfig('https-hosts', N, ctx.ng.tlsPort);
  const s = new Series();
  /** @type {Array<Task & { n: number }>} */
  const tasks = [];
  const bfKey = `bulkfetch -k --procs ${P} --concurrency ${CONC}`, bundleKey = `${bfKey} --cacert ${SYSTEM_CA_BUNDLE}`;
  const curlKey = 'curl -Z --parallel-max 200 -k --http1.1', bareKey = `bare undici loop, ${CONC} in flight (HTTP/1.1)`;
  if (ctx.bf.ok) {
    tasks.push({ key: bfKey, bf: true, n: N, run: () => runBulkfetch({ file: list.file, n: N, procs: P, timeoutMs: timeoutFor(N, 100), flags: ['-k'] }) });
    if (SYSTEM_CA_BUNDLE) tasks.push({ key: bundleKey, bf: true, n: N, run: () => runBulkfetch({ file: list.file, n: N, procs: P, timeoutMs: timeoutFor(N, 100), flags: ['-k', '--cacert', SYSTEM_CA_BUNDLE] }) });
  }
  tasks.push({ key: curlKey, n: N, run: () => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 100), extra: ['-k', '--http1.1'] }) });
  tasks.push({ key: bareKey, n: N, run: () => runBareUndici({ listFile: list.file, n: N, conc: CONC, timeoutMs: timeoutFor(N, 100), flags: ['--insecure'] }) });
  await interleave('tls-hosts', tasks, s);
  const rps = (/** @type {string} */ k) => s.med(k, (r) => r.reqps);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(N), fmt(rps(t.key)), fmt(rps(t.key) / rps(curlKey), 2), fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), fmt(cpuUsPerReq(rs)),
      fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = 'Every URL on a host of its own over TLS (HTTP/1.1), so every request opens a connection and makes a full handshake; ' +
    'nginx (1 worker) shares the two cores and does its half of each handshake. No target: this is what a list of https domains costs.\n\n' +
    table(['contender', 'requests', 'req/s (median)', 'req/s vs curl -Z', 'CPU s', 'CPU µs / req', 'peak RSS tree MiB', 'runs ok'], rows);
  return { title: `TLS, distinct hosts (${fmt(N)} hosts)`, md, targets: [] };
}

/** The dns scenario's resolver: a loopback address of its own, and what each lookup takes there. */
const DNS_ADDRESS = '127.0.0.2';
const DNS_DELAY_MS = 50;

/**
 * Names, not addresses: every URL on a host name of its own, looked up through a resolver that takes
 * 50 ms a lookup and lets nothing be cached (bench/slow-dns.js), as a resolver does for names it has
 * not seen. The contenders run in a mount namespace whose /etc/resolv.conf names it (root only).
 * @param {Ctx} ctx @returns {Promise<Section>}
 */
async function scenarioDns(ctx) {
  const N = SIZES.namesN, P = CORES;
  const title = `Names through a slow resolver (${fmt(N)} host names, ${DNS_DELAY_MS} ms a lookup)`;
  const resolver = withResolver(DNS_ADDRESS);
  if ('reason' in resolver) return { title, md: `Skipped: ${resolver.reason}.`, targets: [] };
  const dns = await startSlowDns({ address: DNS_ADDRESS, delayMs: DNS_DELAY_MS });
  try {
    const list = urlList('names', N, ctx.ng.port);
    const conf = curlConfig('names', N, ctx.ng.port);
    const s = new Series();
    /** @type {Array<Task & { n: number }>} */
    const tasks = [];
    const bfKey = `bulkfetch --procs ${P} --concurrency ${CONC}`, curlKey = 'curl -Z --parallel-max 200';
    if (ctx.bf.ok) tasks.push({ key: bfKey, bf: true, n: N, run: () => runBulkfetch({ file: list.file, n: N, procs: P, timeoutMs: timeoutFor(N, 50), via: resolver.via }) });
    tasks.push({ key: curlKey, n: N, run: () => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 50), via: resolver.via }) });
    const asked = dns.queries();
    await interleave('dns', tasks, s);
    const rps = (/** @type {string} */ k) => s.med(k, (r) => r.reqps);
    const rows = tasks.map((t) => {
      const rs = s.get(t.key);
      return [t.key, fmt(N), fmt(rps(t.key)), fmt(rps(t.key) / rps(curlKey), 2), fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), fmt(cpuUsPerReq(rs)),
        fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), `${rs.filter((r) => r.ok).length}/${rs.length}`];
    });
    const lookups = (dns.queries() - asked) / 2 / Math.max(1, tasks.length * ROUNDS);
    const md = `Every URL on a host name of its own (h<i>.bench.test), one connection each, nginx (1 worker) on 127.0.0.1. ` +
      `The resolver (bench/slow-dns.js on ${DNS_ADDRESS}) answers A queries after ${DNS_DELAY_MS} ms with TTL 0 and AAAA with no records; ` +
      `it saw ${fmt(lookups)} lookups (A + AAAA) a run on average. With ${CONC} requests in flight and ${DNS_DELAY_MS} ms a lookup, ` +
      `the bound is ${fmt((CONC * P * 1000) / DNS_DELAY_MS)} new hosts a second for bulkfetch (${P} children) and ${fmt((CONC * 1000) / DNS_DELAY_MS)} for curl. No target.\n\n` +
      table(['contender', 'requests', 'req/s (median)', 'req/s vs curl -Z', 'CPU s', 'CPU µs / req', 'peak RSS tree MiB', 'runs ok'], rows);
    return { title, md, targets: [] };
  } finally {
    await dns.stop();
  }
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioRepeats(ctx) {
  return repeatsSection(ctx, 'repeats', SIZES.repeatsN, { noCachePeer: true });
}

/** 500k lines over 100k distinct URLs, shuffled: each child has more distinct keys than the old entry cap. */
/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioShuffled(ctx) {
  return repeatsSection(ctx, 'repeats5', SIZES.shuffledN, { noCachePeer: false });
}

/**
 * A list with repeats, default flags: origin requests (nginx stub_status) against the distinct
 * count, and with `noCachePeer` the same list with --no-cache in the same rounds.
 * @param {Ctx} ctx @param {'repeats' | 'repeats5'} kind @param {number} N @param {{ noCachePeer: boolean }} o
 * @returns {Promise<Section>}
 */
async function repeatsSection(ctx, kind, N, { noCachePeer }) {
  const { ng } = ctx;
  const list = urlList(kind, N, ng.port);
  /** @type {Series<OriginRun & BfRun>} */
  const s = new Series();
  /** @type {Task<OriginRun & BfRun>[]} */
  const tasks = [];
  const withOrigin = (/** @type {() => Promise<BfRun>} */ fn) => async () => {
    const before = await ng.requestsTotal();
    const r = await fn();
    const after = await ng.requestsTotal();
    return { ...r, origin: after - before - 1 }; // minus the `after` status request itself
  };
  const bfKey = `bulkfetch --procs 8 --concurrency ${CONC}`;
  const noCacheKey = `${bfKey} --no-cache`;
  if (ctx.bf.ok) {
    tasks.push({ key: bfKey, bf: true,
      run: withOrigin(() => runBulkfetch({ file: list.file, n: N, procs: 8, timeoutMs: timeoutFor(N, 2000) })) });
    if (noCachePeer) {
      tasks.push({ key: noCacheKey,
        run: withOrigin(() => runBulkfetch({ file: list.file, n: N, procs: 8, timeoutMs: timeoutFor(N, 1000), flags: ['--no-cache'] })) });
    }
  }
  if (REFERENCE && kind === 'repeats') {
    const conf = curlConfig(kind, N, ng.port);
    tasks.push({ key: 'curl -Z --parallel-max 200 (reference, no dedupe)', rounds: 1,
      run: withOrigin(() => runCurlParallel({ configFile: conf.file, n: N, timeoutMs: timeoutFor(N, 2000) })) });
  }
  await interleave(kind, tasks, s);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(N), fmt(list.distinct), rs.map((r) => fmt(r.origin)).join(' / '), fmt(median(rs.map((r) => r.reqps))),
      fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), fmt(mib(median(rs.map((r) => r.peakRssMaxProcKiB))), 1),
      rs.map((r) => (r.cache ? fmt(r.cache.evictions ?? NaN) : '–')).join(' / '), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = 'Origin requests counted with nginx stub_status (diff before/after each run); default flags (`--cache auto`).\n\n' +
    table(['contender', 'lines', 'distinct', 'origin requests (per round)', 'lines/s (median)', 'CPU s', 'peak RSS max proc MiB', 'cache evictions', 'runs ok'], rows);
  const bt = tasks.find((t) => t.bf);
  const exact = kind === 'repeats';
  const name = exact ? 'Repeats: origin requests == distinct URLs' : `Shuffled repeats (${fmt(N)} lines, ${fmt(list.distinct)} distinct): origin requests <= 1.02x distinct`;
  /** @type {Target[]} */
  const targets = [bt
    ? (() => { const rs = s.get(bt.key); const pass = rs.every((r) => r.ok && (exact ? r.origin === list.distinct : r.origin <= 1.02 * list.distinct));
      return { name, value: `${rs.map((r) => r.origin).join('/')} vs ${list.distinct}`, pass }; })()
    : { name, value: ctx.bf.reason, pass: null }];
  if (bt && noCachePeer && s.has(noCacheKey)) {
    const ratio = s.med(bt.key, (r) => r.reqps) / s.med(noCacheKey, (r) => r.reqps);
    targets.push({ name: 'Repeats: lines/s >= the --no-cache run\'s (same rounds)', value: `${fmt(ratio, 2)}x`, pass: ratio >= 1 });
  }
  const title = exact ? `Repeats (${fmt(N)} lines, 10% distinct)` : `Shuffled repeats (${fmt(N)} lines, 20% distinct)`;
  return { title, md, targets };
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioMemory(ctx) {
  const Ns = SIZES.memoryNs;
  const smallest = Math.min(...Ns), largest = Math.max(...Ns);
  if (!ctx.bf.ok) {
    return { title: 'Memory', md: `_skipped: ${ctx.bf.reason}_`, targets: [
      { name: 'Memory: largest process <= 128 MiB', value: ctx.bf.reason, pass: null },
      { name: `Memory: largest-process growth ${fmt(smallest)} -> ${fmt(largest)} lines <= 15%`, value: ctx.bf.reason, pass: null }] };
  }
  /** @type {Series<BfRun>} */
  const s = new Series();
  const tasks = Ns.map((n) => {
    const list = urlList('distinct', n, ctx.ng.port);
    return { key: `${n}`, n, run: () => runBulkfetch({ file: list.file, n, procs: 8, timeoutMs: timeoutFor(n, 2000) }) };
  });
  await interleave('memory', tasks, s);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [fmt(t.n), fmt(median(rs.map((r) => r.wallMs)) / 1000, 2), fmt(median(rs.map((r) => r.reqps))),
      fmt(mib(median(rs.map((r) => r.peakRssMaxProcKiB))), 1), fmt(mib(max(rs.map((r) => r.peakRssMaxProcKiB))), 1),
      fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), fmt(median(rs.map((r) => r.peakProcs))), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = `bulkfetch --procs 8 --concurrency ${CONC}; RSS sampled from /proc every 50 ms.\n\n` +
    table(['lines', 'wall s', 'req/s', 'peak RSS max proc MiB (median)', 'max proc MiB (worst round)', 'peak RSS tree MiB (median)', 'processes', 'runs ok'], rows);
  const first = String(smallest), last = String(largest); // task keys
  const worst = max(tasks.flatMap((t) => s.get(t.key).map((r) => r.peakRssMaxProcKiB)));
  const gMax = s.med(last, (r) => r.peakRssMaxProcKiB) / s.med(first, (r) => r.peakRssMaxProcKiB) - 1;
  const gTree = s.med(last, (r) => r.peakRssTreeKiB) / s.med(first, (r) => r.peakRssTreeKiB) - 1;
  const allOk = tasks.every((t) => s.get(t.key).every((r) => r.ok));
  // The analysis (a pass over the file before the first request) against the run's wall time, at the size nearest 1M lines.
  const atMillion = Ns.reduce((a, b) => (Math.abs(b - 1_000_000) < Math.abs(a - 1_000_000) ? b : a));
  const shares = s.get(String(atMillion)).map((r) => ((r.cache?.analysisMs ?? NaN) / r.wallMs) * 100);
  const analysisShare = max(shares);
  const analysisTarget = { name: `Analysis (--cache auto) <= 5% of wall time, ${fmt(atMillion)} distinct lines (worst round)`,
    value: `${fmt(analysisShare, 2)}% (${shares.map((x) => fmt(x, 2)).join(' / ')})`, pass: Number.isFinite(analysisShare) ? analysisShare <= 5 : null };
  return { title: `Memory (${Ns.map((n) => fmt(n)).join(' / ')} lines)`, md, targets: [
    analysisTarget,
    { name: 'Memory: largest process <= 128 MiB (worst round, all sizes)', value: `${fmt(mib(worst), 1)} MiB${allOk ? '' : ' (some runs NOT OK)'}`, pass: mib(worst) <= 128 && allOk },
    { name: `Memory: largest-process growth ${fmt(smallest)} -> ${fmt(largest)} lines <= 15%`, value: `${fmt(gMax * 100, 1)}% (tree: ${fmt(gTree * 100, 1)}%)`, pass: gMax <= 0.15 },
  ] };
}

/**
 * A consumer slower than the fetching: 1 KiB bodies, stdout read at about 4k lines/s by this
 * process (outside the measured tree), so the pipe stays full and bulkfetch holds what it has
 * fetched but not written. The target is the whole bulkfetch tree's peak RSS.
 * @param {Ctx} ctx @returns {Promise<Section>}
 */
async function scenarioSlow(ctx) {
  const N = SIZES.slowN, P = 4;
  const targetName = `Slow consumer (${fmt(N)} URLs, 1 KiB bodies, ~${fmt(SLOW_LINES_PER_S / 1000)}k lines/s) at --procs ${P}: whole tree < 500 MiB`;
  if (!ctx.bf.ok) return { title: 'Slow consumer', md: `_skipped: ${ctx.bf.reason}_`, targets: [{ name: targetName, value: ctx.bf.reason, pass: null }] };
  const list = urlList('kib', N, ctx.ng.port);
  /** @type {Series<BfRun>} */
  const s = new Series();
  const key = `bulkfetch --procs ${P} --concurrency ${CONC}, stdout read at ${fmt(SLOW_LINES_PER_S)} lines/s`;
  const tasks = [{ key, bf: true, n: N,
    run: () => runBulkfetch({ file: list.file, n: N, procs: P, linesPerSec: SLOW_LINES_PER_S, timeoutMs: timeoutFor(N, SLOW_LINES_PER_S / 2) }) }];
  await interleave('slow', tasks, s);
  const rs = s.get(key);
  const rows = [[key, fmt(N), fmt(median(rs.map((r) => r.wallMs)) / 1000, 2), fmt(N / SLOW_LINES_PER_S, 1), fmt(median(rs.map((r) => r.reqps))),
    fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), fmt(mib(max(rs.map((r) => r.peakRssTreeKiB))), 1),
    fmt(mib(median(rs.map((r) => r.peakRssMaxProcKiB))), 1), fmt(median(rs.map((r) => r.peakProcs))),
    fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), `${rs.filter((r) => r.ok).length}/${rs.length}`]];
  const md = `Each URL answers a 1,024-byte JSON body. bulkfetch's stdout is a pipe the bench reads no faster than ${fmt(SLOW_LINES_PER_S)} lines/s ` +
    '(the reader is outside the measured tree); RSS of the bulkfetch tree (parent and children) sampled from /proc every 50 ms.\n\n' +
    table(['contender', 'URLs', 'wall s (median)', 'ideal wall s at the read pace', 'lines/s', 'peak RSS tree MiB (median)', 'tree, worst round', 'peak RSS max proc MiB', 'processes', 'CPU s', 'runs ok'], rows);
  const worst = mib(max(rs.map((r) => r.peakRssTreeKiB)));
  const ok = rs.every((r) => r.ok);
  return { title: `Slow consumer (${fmt(N)} URLs, 1 KiB bodies, stdout read at ~${fmt(SLOW_LINES_PER_S)} lines/s)`, md, targets: [
    { name: targetName, value: `${fmt(worst, 1)} MiB (worst round)${ok ? '' : ' (some runs NOT OK)'}`, pass: worst < 500 && ok },
  ] };
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioStartup(ctx) {
  const list = urlList('distinct', 1, ctx.ng.port);
  const s = new Series();
  /** @type {Task[]} */
  const tasks = [];
  if (ctx.bf.ok) {
    tasks.push({ key: 'bulkfetch --procs 8 (1 URL)', bf: true, run: () => runBulkfetch({ file: list.file, n: 1, procs: 8, timeoutMs: 30_000 * TSCALE }) });
  }
  if (REFERENCE) {
    const conf = curlConfig('distinct', 1, ctx.ng.port);
    tasks.push({ key: 'curl -Z (1 URL, reference)', run: () => runCurlParallel({ configFile: conf.file, n: 1, timeoutMs: 30_000 * TSCALE }) });
  }
  await interleave('startup', tasks, s);
  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(median(rs.map((r) => r.wallMs))), fmt(min(rs.map((r) => r.wallMs))), fmt(max(rs.map((r) => r.wallMs))),
      fmt(median(rs.map((r) => r.cpuMs))), fmt(mib(median(rs.map((r) => r.peakRssTreeKiB))), 1), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = table(['contender', 'wall ms (median)', 'min', 'max', 'CPU ms', 'peak RSS tree MiB', 'runs ok'], rows);
  const bt = tasks.find((t) => t.bf);
  const targets = [bt
    ? (() => { const w = s.med(bt.key, (r) => r.wallMs); const ok = s.get(bt.key).every((r) => r.ok);
      return { name: 'Start-up: 1 URL at --procs 8 < 0.35 s', value: `${fmt(w)} ms${ok ? '' : ' (some runs NOT OK)'}`, pass: w < 350 && ok }; })()
    : { name: 'Start-up: 1 URL at --procs 8 < 0.35 s', value: ctx.bf.reason, pass: null }];
  return { title: 'Start-up (1 URL)', md, targets };
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioWrk(ctx) {
  if (!ensureWrk()) return { title: 'wrk ceiling', md: '_skipped: wrk not installed_', targets: [] };
  const s = new Series();
  const key = `wrk -t2 -c200 -d${SIZES.wrkS}s /`;
  await interleave('wrk', [{ key, run: () => runWrk({ url: `${ctx.ng.baseUrl}/`, threads: 2, conns: 200, durationS: SIZES.wrkS }) }], s);
  const rs = s.get(key);
  const md = 'Throughput ceiling of this nginx (1 worker) on this machine, keep-alive, no output processing.\n\n' +
    table(['tool', 'req/s (median)', 'range', 'CPU s / 100k req', 'runs ok'], [[key, fmt(median(rs.map((r) => r.reqps))),
      `${fmt(min(rs.map((r) => r.reqps)))}–${fmt(max(rs.map((r) => r.reqps)))}`,
      fmt(median(rs.map((r) => (r.cpuMs / 1000) * (100_000 / r.n))), 2), `${rs.filter((r) => r.ok).length}/${rs.length}`]]);
  return { title: 'wrk ceiling', md, targets: [] };
}

/** @param {Ctx} ctx @returns {Promise<Section>} */
async function scenarioHosts(ctx) {
  const { port } = ctx.ng;
  const Ns = HOSTS_NS;
  const small = Math.min(...Ns), large = Math.max(...Ns);
  /** @type {Series<Run>} */
  const s = new Series();
  /** @type {Array<Task & { n: number, conc: number }>} */
  const tasks = [];
  const bfKey = (/** @type {number} */ p, /** @type {number} */ c, /** @type {number} */ n) => `bulkfetch --procs ${p} --concurrency ${c} (${fmt(n)} hosts)`;
  if (ctx.bf.ok) {
    for (const n of Ns) {
      const list = urlList('hosts', n, port);
      tasks.push({ key: bfKey(2, 200, n), bf: true, n, conc: 200, rounds: n > 200_000 ? 1 : undefined,
        run: () => runBulkfetch({ file: list.file, n, procs: 2, conc: 200, statuses: true, timeoutMs: timeoutFor(n, 500) }) });
    }
    const list = urlList('hosts', small, port);
    tasks.push({ key: bfKey(1, 400, small), bf: true, n: small, conc: 400,
      run: () => runBulkfetch({ file: list.file, n: small, procs: 1, conc: 400, statuses: true, timeoutMs: timeoutFor(small, 500) }) });
  }
  const bareKey = `bare undici loop, closes every connection, 200 in flight (${fmt(small)} hosts)`;
  tasks.push({ key: bareKey, n: small, conc: 200, run: async () => {
    const m = await measure('node', [path.join(HERE, 'bare-undici-close.js'), urlList('hosts', small, port).file, '200'],
      { timeoutMs: timeoutFor(small, 500), stdout: 'status', fds: true });
    return { ...m, n: small, reqps: (small / m.wallMs) * 1000, ok: m.exitCode === 0 && m.stdoutLines === small };
  } });
  if (REFERENCE) {
    const conf = curlConfig('hosts', small, port);
    tasks.push({ key: `curl -Z --parallel-max 200 (${fmt(small)} hosts, reference)`, n: small, conc: 200, rounds: 1,
      run: () => runCurlParallel({ configFile: conf.file, n: small, timeoutMs: timeoutFor(small, 100) }) });
  }
  await interleave('hosts', tasks, s);

  const rows = tasks.map((t) => {
    const rs = s.get(t.key);
    return [t.key, fmt(median(rs.map((r) => r.wallMs)) / 1000, 2), fmt(median(rs.map((r) => r.reqps))),
      rs.map((r) => (r.stdoutOk == null ? '–' : fmt(r.stdoutOk))).join(' / '),
      fmt(mib(median(rs.map((r) => r.peakRssMaxProcKiB))), 1), fmt(mib(max(rs.map((r) => r.peakRssMaxProcKiB))), 1),
      fmt(max(rs.map((r) => r.peakFdsMaxProc || NaN))), fmt(median(rs.map((r) => r.cpuMs)) / 1000, 2), `${rs.filter((r) => r.ok).length}/${rs.length}`];
  });
  const md = 'Every URL on a host of its own (127.x.y.z, nginx on 0.0.0.0). Descriptors and RSS sampled from /proc every 50 ms.\n\n' +
    table(['contender', 'wall s (median)', 'req/s (median)', '200s (per round)', 'peak RSS max proc MiB (median)', 'worst round', 'peak fds one process', 'CPU s', 'runs ok'], rows);
  if (!ctx.bf.ok) return { title: 'Many hosts', md, targets: [{ name: 'Many hosts', value: ctx.bf.reason, pass: null }] };
  const bfTasks = tasks.filter((t) => t.bf);
  const all200 = bfTasks.every((t) => s.get(t.key).every((r) => r.ok && r.stdoutOk === t.n));
  const worstMiB = mib(max(bfTasks.flatMap((t) => s.get(t.key).map((r) => r.peakRssMaxProcKiB))));
  const fdOver = bfTasks.map((t) => max(s.get(t.key).map((r) => r.peakFdsMaxProc - (t.conc + 256))));
  const growth = s.med(bfKey(2, 200, large), (r) => r.peakRssMaxProcKiB) / s.med(bfKey(2, 200, small), (r) => r.peakRssMaxProcKiB) - 1;
  const ratio = s.med(bfKey(2, 200, small), (r) => r.reqps) / s.med(bareKey, (r) => r.reqps);
  return { title: `Many hosts (${Ns.map((n) => fmt(n)).join(' / ')} distinct hosts)`, md, targets: [
    { name: 'Many hosts: every record 200 (no EMFILE), all configurations', value: bfTasks.map((t) => s.get(t.key).map((r) => `${fmt(r.stdoutOk ?? NaN)}/${fmt(t.n)}`).join(' ')).join('; '), pass: all200 },
    { name: 'Many hosts: largest process <= 192 MiB', value: `${fmt(worstMiB, 1)} MiB`, pass: worstMiB <= 192 },
    { name: 'Many hosts: descriptors per process <= concurrency + 256', value: `${fmt(max(fdOver))} vs the bound (<= 0 passes)`, pass: max(fdOver) <= 0 },
    { name: `Many hosts: largest-process growth ${fmt(small)} -> ${fmt(large)} hosts <= 15%`, value: `${fmt(growth * 100, 1)}%`, pass: Ns.length > 1 ? growth <= 0.15 : null },
    { name: 'Many hosts: req/s >= 0.9x the bare undici loop (--procs 2 --concurrency 200)', value: `${fmt(ratio, 2)}x`, pass: ratio >= 0.9 },
  ] };
}

/** @type {Record<ScenarioName, (ctx: Ctx) => Promise<Section>>} */
const SCENARIOS = { cpu: scenarioCpu, 'cpu-small': scenarioCpuSmall, latency: scenarioLatency, tls: scenarioTls, 'tls-hosts': scenarioTlsHosts, dns: scenarioDns, repeats: scenarioRepeats, shuffled: scenarioShuffled, memory: scenarioMemory, slow: scenarioSlow, startup: scenarioStartup, wrk: scenarioWrk, hosts: scenarioHosts };

// ---- reporting -----------------------------------------------------------------------------------
/** @param {string[]} head @param {string[][]} rows */
function table(head, rows) {
  const line = (/** @type {string[]} */ cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/model name\s*:\s*(.*)/.exec(cpuinfo) || [])[1] || 'unknown';
  const memKiB = Number((/MemTotal:\s*(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8')) || [])[1]);
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const wrkV = (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split('\n', 1)[0]?.split(' ').slice(0, 2).join(' ');
  return [
    `- nproc: ${nproc}`,
    `- CPU: ${model}`,
    `- memory: ${fmt(memKiB / 1024 / 1024, 1)} GiB`,
    `- kernel: ${os.release()}`,
    `- node: ${process.version}`,
    `- nginx: ${nginxVersion()} (1 worker, keep-alive)`,
    `- curl: ${curlVersion()}`,
    `- wrk: ${wrkV || 'not installed'}`,
  ].join('\n');
}

const mark = (/** @type {boolean | null} */ p) => (p === null ? 'SKIP' : p ? 'PASS' : 'FAIL');
/** @param {Target[]} targets */
function targetsTable(targets) {
  return table(['target', 'measured', 'result'], targets.map((t) => [t.name, t.value, `**${mark(t.pass)}**`]));
}

/**
 * A command line as RESULTS.md shows it: a path to a bulkfetch bin becomes the repo-relative
 * `bin/bulkfetch.js`, so no machine's directory layout lands in a committed file. Also applied to
 * sections stored by older runs, which recorded the absolute path.
 * @param {string} text
 */
function repoRelative(text) {
  return text.replace(/(?:\/[^\s`'"/]+)+\/(bin\/bulkfetch\.js)/g, '$1');
}

/**
 * Rewrites RESULTS.md from results.json merged with newSections. The file is generated
 * only: what was changed and why, with before/after numbers, lives in CHANGELOG.md.
 * @param {Record<string, StoredSection>} newSections
 * @param {{ machine: string }} header
 */
function writeResults(newSections, header) {
  /** @type {Record<string, StoredSection>} */
  let store = {};
  if (fs.existsSync(RESULTS_JSON)) store = JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'));
  Object.assign(store, newSections);
  fs.writeFileSync(RESULTS_JSON, `${JSON.stringify(store, null, 2)}\n`);

  const sections = ALL.flatMap((k) => store[k] ?? []);
  const parts = [
    '# bulkfetch benchmark results',
    '',
    '_Generated by `npm run bench` (bench/run.js): do not edit by hand. Each scenario section shows when and how it was last run (single-scenario runs only replace their own section). What was changed and why, with before/after numbers: [CHANGELOG.md](CHANGELOG.md)._',
    '',
    '## Machine',
    '',
    header.machine,
    '',
    '## Targets',
    '',
    targetsTable(sections.flatMap((s) => s.targets)),
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', `_${s.when}; ${repoRelative(s.mode)}_`, '', s.md, '']),
  ];
  fs.writeFileSync(RESULTS_MD, `${parts.join('\n').trimEnd()}\n`);
}

// ---- main ----------------------------------------------------------------------------------------
async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(`usage: node bench/run.js [${ALL.join('|')} ...]   (see header of bench/run.js for env vars)`);
    return 0;
  }
  const bad = argv.filter((a) => !(/** @type {string[]} */ (ALL)).includes(a));
  if (bad.length) {
    console.error(`unknown scenario(s): ${bad.join(', ')}; expected: ${ALL.join(', ')}`);
    return 2;
  }
  const selected = argv.length ? ALL.filter((s) => argv.includes(s)) : ALL;
  const startedAt = new Date();
  log(`scenarios: ${selected.join(', ')}; rounds ${ROUNDS}; ${QUICK ? 'QUICK sizes' : 'full sizes'}; cores ${CORES}`);
  const load1 = () => os.loadavg()[0] ?? NaN;
  const load0 = load1();
  if (load0 > CORES * 0.5) log(`WARNING: 1-min load average is ${load0.toFixed(2)} on ${CORES} cores — other work on this machine will skew the numbers`);

  const ng = await startNginx({ port: Number(process.env.BENCH_PORT) || 18080, delayMs: DELAY_MS });
  log(`nginx ${nginxVersion()} on ${ng.baseUrl} (delay: ${ng.delayMode})`);
  const caps = curlCaps(`${ng.baseUrl}/probe`);
  log(`curl: ${caps.version}; -Z ${caps.parallel}; --parallel-immediate ${caps.parallelImmediate}; -w %{json} ${caps.json}`);
  if (!caps.parallel || !caps.json) throw new Error('this curl lacks -Z or -w %{json}');

  // bulkfetch availability: files present + a 1-URL smoke run
  const bf = { ok: false, reason: '' };
  const missing = bulkfetchMissingReason();
  if (missing) {
    bf.reason = `bulkfetch not available: ${missing}`;
  } else {
    const one = urlList('distinct', 1, ng.port);
    const r = await runBulkfetch({ file: one.file, n: 1, procs: 1, timeoutMs: 30_000 });
    if (r.ok) bf.ok = true;
    else bf.reason = `bulkfetch smoke run failed (exit ${r.exitCode}, ${r.stdoutLines} lines): ${r.stderrTail.trim().split('\n').slice(-2).join(' | ')}`;
  }
  log(bf.ok ? `bulkfetch: ${BF_CMD.join(' ')}` : `SKIPPING bulkfetch runs — ${bf.reason}`);

  /** @type {Ctx} */
  const ctx = { ng, bf, caps };
  /** @type {Record<string, StoredSection>} */
  const sections = {};
  /** @type {StoredSection[]} */
  const ran = [];
  const mode = `${QUICK ? 'QUICK' : 'full'} sizes, ${ROUNDS} round(s), bulkfetch: \`${bf.ok ? repoRelative(BF_CMD.join(' ')) : 'skipped'}\`${BF_DEVNULL ? ' -o /dev/null' : ', stdout piped to a line counter'}`;
  try {
    for (const name of selected) {
      log(`=== ${name} ===`);
      const t0 = performance.now();
      const res = await SCENARIOS[name](ctx);
      const section = { ...res, when: `${new Date().toISOString()} (${fmt((performance.now() - t0) / 1000)} s)`, mode };
      sections[name] = section;
      ran.push(section);
    }
  } finally {
    await ng.stop();
  }

  const header = { machine: `${machine()}\n- load average (1 min) at start / end: ${load0.toFixed(2)} / ${load1().toFixed(2)}` };
  const out = [`# bulkfetch bench — ${startedAt.toISOString()}`, '', header.machine, '', `_${mode}_`, ''];
  for (const section of ran) out.push(`## ${section.title}`, '', section.md, '');
  const targets = ran.flatMap((section) => section.targets);
  if (targets.length) out.push('## Targets', '', targetsTable(targets), '');
  console.log(out.join('\n'));
  for (const t of targets) console.log(`${mark(t.pass)}  ${t.name}: ${t.value}`);
  writeResults(sections, header);
  log(`wrote ${path.relative(ROOT, RESULTS_MD)}`);
  return process.env.BENCH_STRICT === '1' && targets.some((t) => t.pass === false) ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
