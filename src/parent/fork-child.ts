import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-file.js';
import { childCaEnv, childThreadPoolSize } from '../wire/child-env.js';
import { childExecArgv } from './child-exec-argv.js';

/**
 * Starting child processes, and the spare: one child forked before the parent
 * has loaded the rest of its code. This module imports nothing else of ours but
 * the child's environment rule (no node:tls) and where the package's files are,
 * so the CLI can load it and fork at once.
 */

/**
 * The child's bundle (scripts/bundle.mjs), in CommonJS: Node 20's ESM loader
 * reads a module through libuv's thread pool, which starts the whole pool as
 * the child loads; a CommonJS child starts it at its first lookup or file
 * write, which most runs never make (one URL at --procs 8 with a 256-thread
 * pool: 220 -> 196 ms; bench/CHANGELOG.md, entry 22).
 */
const CHILD_ENTRY = packageFile('dist/child/main.cjs');

/** What a child is started with and cannot change later: its V8 flags and thread pool follow these. */
export interface ChildShape {
  /** Children in the run: sizes each one's young generation. */
  procs: number;
  /** Requests in flight per child: sizes its thread pool (childThreadPoolSize). */
  concurrency: number;
}

/**
 * Memory flags for children. V8 lets a heap grow to a multiple of what survived the last full GC (up to
 * 4x) before collecting again. A child's live heap is small (about 25 MiB)
 * but churns, most of all over many hosts: each new connection's pool,
 * client, socket and parser live just long enough to reach the old space.
 * Growing by 1.3x keeps a child about 35 MiB smaller at the same req/s
 * (bench/CHANGELOG.md, many hosts).
 */
const HEAP_GROWTH_FLAG = '--heap-growing-percent=30';

/**
 * The young generation is a trade of memory for CPU: a larger semi-space
 * scavenges half as often and promotes less, and it costs a child up to
 * three times its size in RSS at peak. The children of a run share 32 MiB
 * of semi-space, at least 8 and at most 16 MiB each (V8's default is 16):
 * at --procs 1, 16 MiB took 7-10 % off the tree's CPU per request (at
 * --procs 2, with both cores busy, no difference showed); at --procs 4, 16
 * MiB took the slow-consumer tree from 470 to 506 MiB, past its 500 MiB
 * bound, so more children keep 8 (4 MiB cost up to 10 % more CPU).
 * bench/CHANGELOG.md, entries 3, 15 and 17.
 */
function semiSpaceMiB(procs: number): number {
  return Math.min(16, Math.max(8, Math.floor(32 / procs)));
}

function childV8Flags(procs: number): string[] {
  return [HEAP_GROWTH_FLAG, `--max-semi-space-size=${semiSpaceMiB(procs)}`, ...(addressSpaceLimited() && process.allowedNodeEnvironmentFlags.has(NO_WASM_GUARD_PAGES) ? [NO_WASM_GUARD_PAGES] : [])];
}

/**
 * A child's thread pool under an address-space limit. libuv starts the whole pool at its first use (a lookup, a
 * gzip body) with 8 MiB of stack reserved a thread, and aborts the process when one cannot be made: under
 * `ulimit -v 4000000` a child of 64 threads on Node 24 (which reserves 4 GB for itself where the limit leaves
 * it room), or of 256 on Node 20 (--concurrency 200), died of SIGABRT at the first compressed response, without
 * a word. With 16, Node 24 started them, and then zlib could not allocate: 3-51 of 400 valid gzip bodies ended
 * EPROTOCOL "Zlib error". libuv's own default, 4, decoded all of them (lookups at once: 3).
 */
const THREADS_UNDER_ADDRESS_LIMIT = 4;

function childThreads(concurrency: number): string {
  const threads = childThreadPoolSize(concurrency);
  return String(addressSpaceLimited() ? Math.min(THREADS_UNDER_ADDRESS_LIMIT, threads) : threads);
}

/**
 * undici parses HTTP/1.1 with llhttp in WebAssembly, whose memory V8 reserves with guard pages: about 10 GB of
 * address space an instance. Under `ulimit -v` (a batch system's memory cap) that reservation fails, and every
 * request ended EUNKNOWN "WebAssembly.Instance(): Out of memory" (up to at least 8 GB; curl ran). Without the
 * trap handler V8 bounds-checks instead, and reserves only what the memory uses. Node 20.15+ and 22.2+ take it.
 */
const NO_WASM_GUARD_PAGES = '--disable-wasm-trap-handler';

let limit: number | null | undefined;

/** This process's address-space limit (RLIMIT_AS, `ulimit -v`) in bytes, read once from /proc; undefined when none. */
export function addressSpaceLimit(): number | undefined {
  if (limit === undefined) {
    try {
      const line = /^Max address space\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
      limit = line === undefined || line === 'unlimited' ? null : Number(line);
    } catch {
      limit = null;
    }
  }
  return limit ?? undefined;
}

function addressSpaceLimited(): boolean {
  return addressSpaceLimit() !== undefined;
}

/**
 * Forks a child. It loads its code, then waits for its WorkerConfig, the first
 * line on its stdin, so a child can be started before its config is known.
 */
export function forkChild({ procs, concurrency }: ChildShape): ChildProcess {
  const child = fork(CHILD_ENTRY, [], {
    execArgv: [...childExecArgv(process.execArgv), ...childV8Flags(procs)],
    // stderr is kept (its end) for the crash report, which the caller may show or not (-q).
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    // DNS lookups run on libuv's thread pool (4 threads by default): with
    // hundreds of requests in flight to many hosts, 4 would serialize them.
    // NODE_EXTRA_CA_CERTS is handed over under a name of ours (see childCaEnv).
    env: childCaEnv({ ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? childThreads(concurrency) }, process.execArgv),
  });
  // A child that dies makes its stdin emit EPIPE; its death is handled on 'close'.
  child.stdin?.on('error', () => {});
  // One that could not be started (spawn EMFILE, EAGAIN) too: 'close' follows, with the errno as its code.
  child.on('error', () => {});
  watchStart(child);
  return child;
}

/** Children whose code has run (their first message came), which they tell before they read anything. */
const running = new WeakSet<ChildProcess>();
/** Children killed as hung in start-up: no word from them, and no CPU time used, between two looks. */
const silent = new WeakSet<ChildProcess>();

/**
 * How often a child that has not said it runs is looked at. Node takes about 0.1 s to get there, a few seconds
 * with eight starting on two busy cores; under `ulimit -u` it may never: a child that could not create its
 * threads hung in Node's start-up, and the run with it. One that used no CPU time between two looks is hung,
 * not slow (a starved one on a loaded machine still gets some), and is killed: at most about twice this.
 */
const START_CHECK_MS = 5_000;

/**
 * Whether the child's code ran before it ended. One that ended before (Node aborted as it started: a thread it
 * could not create under `ulimit -u`), or was killed as hung there (START_CHECK_MS), sent no request:
 * its records go to another, not through crash triage, which blamed each in turn.
 */
export function hasRun(child: ChildProcess): boolean {
  return running.has(child);
}

/** Why a child that never ran (hasRun false) ended, for its report: Node's own end, or our kill after its silence. */
export function endBeforeRunning(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): string {
  if (silent.has(child)) return 'hung as it started: no word from it, and no CPU time used, for 5 s';
  return `${signal ? `signal ${signal}` : `exit code ${code}`}, as it started`;
}

function watchStart(child: ChildProcess): void {
  let cpuBefore: number | undefined;
  const look = (): void => {
    if (running.has(child) || child.exitCode !== null || child.signalCode !== null) return;
    const cpu = child.pid === undefined ? undefined : cpuTicks(child.pid);
    // Unknown (no /proc): never taken for hung. A parent busy past its timers (reading -d @- from a slow pipe) has
    // not read the child's word yet: the first look only takes the measure.
    if (cpu !== undefined && cpu === cpuBefore) {
      silent.add(child);
      child.kill('SIGKILL');
      return;
    }
    cpuBefore = cpu;
    timer = setTimeout(look, START_CHECK_MS).unref();
  };
  let timer = setTimeout(look, START_CHECK_MS).unref();
  const onMessage = (message: { type?: unknown }): void => {
    if (message?.type !== 'running') return;
    running.add(child);
    clearTimeout(timer);
    child.off('message', onMessage);
  };
  child.on('message', onMessage);
  child.once('exit', () => clearTimeout(timer));
}

/** A process's CPU time so far, user and system, in clock ticks (/proc/PID/stat); undefined where it cannot be read. */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After the command's name, which is in parentheses and may hold spaces: state is field 3, utime and stime 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

let spare: { child: ChildProcess; shape: ChildShape } | undefined;

/**
 * Forks the spare, for a run of the given shape (read off the command line
 * before it is parsed). A child takes ~0.1 s to start Node and load undici;
 * forked first thing, it does so on the other core while the parent loads its
 * own code and reads the input, and the first child the run needs is ready
 * sooner (a 1-URL run, issue 15). A run that needs no child discards it.
 */
export function forkSpareChild(shape: ChildShape): void {
  spare ??= { child: forkChild(shape), shape };
}

/**
 * The spare if it is still alive and was started with the flags and thread
 * pool a child of this shape gets (the caller owns it from now on), else undefined.
 */
export function takeSpareChild(shape: ChildShape): ChildProcess | undefined {
  const taken = spare;
  spare = undefined;
  if (!taken) return undefined;
  const { child } = taken;
  if (startsAlike(taken.shape, shape) && child.exitCode === null && child.signalCode === null && child.connected) return child;
  child.kill('SIGKILL');
  return undefined;
}

/** True when children of the two shapes get the same flags and environment. */
function startsAlike(a: ChildShape, b: ChildShape): boolean {
  return semiSpaceMiB(a.procs) === semiSpaceMiB(b.procs) && childThreadPoolSize(a.concurrency) === childThreadPoolSize(b.concurrency);
}

/** Kills the spare if no run took it (a usage error, an input without records). */
export function discardSpareChild(): void {
  spare?.child.kill('SIGKILL');
  spare = undefined;
}
