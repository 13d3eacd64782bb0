import { fork, type ChildProcess } from 'node:child_process';

/**
 * Starting child processes, and the spare: one child forked before the parent
 * has loaded the rest of its code. This module imports nothing else of ours, so
 * the CLI can load it and fork at once.
 */
const CHILD_ENTRY = new URL('../child/main.js', import.meta.url);

/**
 * Memory flags for children. V8 lets a heap grow to a multiple of what survived the last full GC (up to
 * 4x) before collecting again. A child's live heap is small (about 25 MiB)
 * but churns, most of all over many hosts: each new connection's pool,
 * client, socket and parser live just long enough to reach the old space.
 * Growing by 1.3x keeps a child about 35 MiB smaller at the same req/s
 * (bench/CHANGELOG.md, many hosts).
 */
const CHILD_V8_FLAGS = [
  '--heap-growing-percent=30',
  // A smaller young generation (V8's default semi-space is 16 MiB, three of them at peak):
  // measured on 100k distinct URLs at --procs 8 --concurrency 200, 8 MiB took ~7 MiB off the
  // largest child at no measurable CPU cost; 4 MiB took ~15 MiB but cost up to 10 % more CPU.
  '--max-semi-space-size=8',
];

/**
 * Forks a child. It loads its code, then waits for its WorkerConfig, the first
 * line on its stdin, so a child can be started before its config is known.
 */
export function forkChild(): ChildProcess {
  const child = fork(CHILD_ENTRY, [], {
    execArgv: [...process.execArgv, ...CHILD_V8_FLAGS],
    // stderr is kept (its end) for the crash report, which the caller may show or not (-q).
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    // DNS lookups run on libuv's thread pool (4 threads by default): with
    // hundreds of requests in flight to many hosts, 4 would serialize them.
    env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64' },
  });
  // A child that dies makes its stdin emit EPIPE; its death is handled on 'close'.
  child.stdin?.on('error', () => {});
  return child;
}

let spare: ChildProcess | undefined;

/**
 * Forks the spare. A child takes ~0.1 s to start Node and load undici; forked
 * first thing, it does so on the other core while the parent loads its own
 * code and reads the input, and the first child the run needs is ready sooner
 * (a 1-URL run, issue 15). A run that needs no child discards it.
 */
export function forkSpareChild(): void {
  spare ??= forkChild();
}

/** The spare if it is still alive (the caller owns it from now on), else undefined. */
export function takeSpareChild(): ChildProcess | undefined {
  const child = spare;
  spare = undefined;
  if (!child || (child.exitCode === null && child.signalCode === null && child.connected)) return child;
  child.kill('SIGKILL');
  return undefined;
}

/** Kills the spare if no run took it (a usage error, an input without records). */
export function discardSpareChild(): void {
  spare?.kill('SIGKILL');
  spare = undefined;
}
