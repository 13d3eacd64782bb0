import type { ChildProcess } from 'node:child_process';
import type { ChildMessage, ParentMessage, WorkerConfig } from '../wire/messages.js';
import { ResultLineReader } from '../wire/result-line-reader.js';
import type { WorkerStats } from '../wire/stats.js';
import { endBeforeRunning, forkChild, hasRun, takeSpareChild } from './fork-child.js';
import { PendingTasks } from './pending-tasks.js';

export interface ChildEvents {
  /** Whole result lines, and the record numbers they answer. */
  results(handle: ChildHandle, lines: Buffer, lineNumbers: number[]): void;
  message(handle: ChildHandle, message: ChildMessage): void;
  /** The process is gone and its stdio closed. */
  closed(handle: ChildHandle, end: ChildEnd): void;
  /** What the run learned before this child was forked, added to its config: the hosts slowed down so far. */
  slowedHosts?(): string[];
}

/** What a child process left when it ended. */
export interface ChildEnd {
  /** Tasks it had not answered, by record line. */
  unanswered: Map<number, string>;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Those of them it said it was sending (non-idempotent records that may have reached the server). */
  started: ReadonlySet<number>;
  /** The end of what it wrote to stderr. */
  stderr: string;
  /** Died before its final report: the counters of the lines it answered. */
  unreported: WorkerStats | undefined;
  /** Its process id, which names the partial files of its --save bodies. */
  pid?: number | undefined;
  /** It ended before its code ran (Node aborted or hung as it started), and how: none of its records was sent. */
  endedStarting?: string | undefined;
}

/**
 * The most records a child may hold beyond its window while their attempts wait for a grant (a host paused by
 * Retry-After, or held to --per-host-rate): they hold no slot, and without the room the window filled with them
 * and the child was sent nothing else until the pause ended (one host paused for 10 s in eight held the other
 * seven to 3 requests in 9 s). Bounded, as a list of that one host alone would otherwise all be sent.
 */
const MOST_LENT = 4096;
/**
 * Nor while what the child holds takes more than this: records of 60 KB bodies lent 4,096 at a time held a parent at
 * 1.1 GB and each child at 370 MB where a run without the pause held 170 and 100 MB. Records of a URL each are lent in
 * full under it (4,096 of them are about 1 MB).
 */
const MOST_LENT_BYTES = 8 * 1024 * 1024;

/** The end of a child's stderr kept for a crash report (a stack trace fits). */
const STDERR_TAIL = 16 * 1024;

/**
 * The parent's view of one child: the process, the tasks it holds but has not
 * answered (to re-send if it dies), and a window bounding how many it may hold.
 */
export class ChildHandle {
  readonly index: number;
  readonly #config: WorkerConfig;
  readonly #events: ChildEvents;
  readonly #window: number;
  /** Children in the pool: sizes each one's young generation (forkChild). */
  readonly #procs: number;
  /** Forked on the first task: a run whose records all hash to a few children never pays for the rest. */
  #process: ChildProcess | undefined;
  #reader = new ResultLineReader();
  /** Every task sent but not answered, by record line. */
  #pending = new PendingTasks();
  /** Unanswered records the child said it started sending. */
  #started = new Set<number>();
  #stderr = '';
  /** This process sent its final counters: what it answered is counted. */
  #reported = false;
  /** This process answered every record it was given, and only hands its lines over now. */
  #answeredAll = false;
  /** When its lines last came (performance.now()): a child that answered all yet sends nothing while they are taken is stuck. */
  #lastLinesAt = 0;
  #outbox: string[] = [];
  #roomWaiters: Array<() => void> = [];
  /** Room lent beyond the window: the child's attempts waiting for a grant, as it last said (MOST_LENT). */
  #lent = 0;
  readonly #mostLent: number;
  #ended = false;
  /** Set while crash triage runs: the child takes no new records. */
  #held = false;

  constructor(index: number, config: WorkerConfig, window: number, procs: number, events: ChildEvents) {
    this.index = index;
    this.#config = config;
    this.#window = window;
    this.#mostLent = Math.min(16 * window, MOST_LENT);
    this.#procs = procs;
    this.#events = events;
  }

  hasRoom(): boolean {
    if (this.#held) return false;
    const held = this.#pending.size;
    return held < this.#window || (held < this.#window + this.#lent && this.#pending.bytes < MOST_LENT_BYTES);
  }

  /** Holds new records back (true) or lets them in again (false). */
  hold(held: boolean): void {
    this.#held = held;
    if (!held) this.#wakeWaiters();
  }

  /** Resolves every waiter now (intake stopped): submit() re-checks why it woke. */
  releaseWaiters(): void {
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  /** Resolves when the child may take another task (the pool flushes every child before waiting). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Queues a task; call flush() to send what is queued. */
  send(line: number, task: string): void {
    if (!this.#process) this.#spawn();
    this.#pending.add(line, task);
    this.#outbox.push(task);
  }

  flush(): void {
    if (this.#outbox.length === 0 || this.#ended) return;
    const text = this.#outbox.join('');
    this.#outbox = [];
    this.#process?.stdin?.write(text);
  }

  /** No more tasks: the child finishes what it holds and exits. */
  end(): void {
    this.flush();
    const alreadyEnded = this.#ended;
    this.#ended = true;
    if (this.#process) this.#process.stdin?.end();
    // Never forked: it has nothing to finish, and the pool still counts it closing.
    else if (!alreadyEnded) queueMicrotask(() => this.#events.closed(this, { unanswered: new Map(), code: 0, signal: null, started: new Set(), stderr: '', unreported: undefined }));
  }

  pauseResults(): void {
    this.#process?.stdout?.pause();
  }

  resumeResults(): void {
    // Its quiet while paused was ours, not its own: counted afresh from here.
    if (this.#answeredAll) this.#lastLinesAt = performance.now();
    this.#process?.stdout?.resume();
  }

  post(message: ParentMessage): void {
    if (this.#process?.connected) this.#process.send(message, () => {});
  }

  // SIGKILL by default: children ignore SIGINT, SIGTERM and SIGHUP (the parent coordinates stops).
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#process) this.#process.kill(signal);
    else if (!this.#ended) this.end();
  }

  /** Whether the child answered every record it was given (its 'answered' message), and only hands its lines over. */
  get answeredAll(): boolean {
    return this.#answeredAll;
  }

  /** Milliseconds since the child that answered all last sent lines (or said it had answered). */
  get quietMs(): number {
    return performance.now() - this.#lastLinesAt;
  }

  /** Whether its process is there (forked and not yet closed). */
  get running(): boolean {
    return this.#process !== undefined && this.#process.exitCode === null && this.#process.signalCode === null;
  }

  /**
   * Readies a fresh process after a crash; the pool decides what to send it.
   * Like the first one, it is forked by the first task it gets, so a child that
   * dies holding nothing is not restarted in a loop.
   */
  restart(): void {
    this.#reader = new ResultLineReader();
    this.#pending = new PendingTasks();
    this.#started = new Set();
    this.#stderr = '';
    this.#reported = false;
    this.#answeredAll = false;
    this.#outbox = [];
    this.#lent = 0;
    this.#ended = false;
    this.#process = undefined;
  }

  #spawn(): void {
    // The spare, forked when the CLI started, has loaded its code meanwhile; its config is sent now like any child's.
    const shape = { procs: this.#procs, concurrency: this.#config.concurrency };
    const child = takeSpareChild(shape) ?? forkChild(shape);
    // Forked by its first task, maybe after a host refused: it would not have been told (post() needs the process).
    const slowedHosts = this.#events.slowedHosts?.() ?? [];
    child.stdin?.write(`${JSON.stringify(slowedHosts.length > 0 ? { ...this.#config, slowedHosts } : this.#config)}\n`);
    this.#process = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (this.#answeredAll) this.#lastLinesAt = performance.now();
      const lineNumbers: number[] = [];
      const lines = this.#reader.push(chunk, lineNumbers);
      if (!lines) return;
      for (const line of lineNumbers) this.#pending.delete(line);
      if (this.#started.size > 0) for (const line of lineNumbers) this.#started.delete(line);
      this.#events.results(this, lines, lineNumbers);
      this.#wakeWaiters();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'running') return;
      if (message.type === 'answered') {
        this.#answeredAll = true;
        this.#lastLinesAt = performance.now();
        return;
      }
      if (message.type === 'stats' && message.final) this.#reported = true;
      if (message.type === 'gate' && message.waiting !== undefined) this.#lend(message.waiting);
      if (message.type !== 'started') return this.#events.message(this, message);
      // Answered already (the result overtook the message): nothing can be sent twice.
      for (const line of message.lines) if (this.#pending.has(line)) this.#started.add(line);
    });
    child.on('close', (code, signal) => {
      if (child !== this.#process) return;
      const unanswered = this.#pending.toMap();
      const started = this.#started;
      // Died before its final report: its lines on the way here are all read, so they can be counted.
      const unreported = this.#reported ? undefined : this.#reader.counted();
      this.#pending = new PendingTasks();
      this.#started = new Set();
      this.#events.closed(this, { unanswered, code, signal, started, stderr: this.#stderr, unreported, pid: child.pid, endedStarting: hasRun(child) ? undefined : endBeforeRunning(child, code, signal) });
      this.#stderr = '';
      this.#wakeWaiters();
    });
  }

  /** Room beyond the window for `waiting` attempts that wait for a grant and hold no slot. */
  #lend(waiting: number): void {
    const lent = Math.min(waiting, this.#mostLent);
    if (lent === this.#lent) return;
    this.#lent = lent;
    this.#wakeWaiters();
  }

  #wakeWaiters(): void {
    while (this.#roomWaiters.length > 0 && this.hasRoom()) this.#roomWaiters.shift()?.();
  }
}
