import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, ParentMessage, WorkerConfig } from '../wire/messages.js';
import { ResultLineReader } from '../wire/result-line-reader.js';

const CHILD_ENTRY = new URL('../child/main.js', import.meta.url);

export interface ChildEvents {
  /** Whole result lines, and the record numbers they answer. */
  results(handle: ChildHandle, lines: Buffer, lineNumbers: number[]): void;
  message(handle: ChildHandle, message: ChildMessage): void;
  /** The process is gone and its stdio closed; `unanswered` is what it had not answered. */
  closed(handle: ChildHandle, unanswered: Map<number, string>, code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * The parent's view of one child: the process, the tasks it holds but has not
 * answered (to re-send if it dies), and a window bounding how many it may hold.
 */
export class ChildHandle {
  readonly index: number;
  readonly #config: WorkerConfig;
  readonly #events: ChildEvents;
  readonly #window: number;
  /** Forked on the first task: a run whose records all hash to a few children never pays for the rest. */
  #process: ChildProcess | undefined;
  #reader = new ResultLineReader();
  /** record line -> task text, for every task sent but not answered. */
  #pending = new Map<number, string>();
  #outbox: string[] = [];
  #roomWaiters: Array<() => void> = [];
  #ended = false;
  /** Set while crash triage runs: the child takes no new records. */
  #held = false;

  readonly #execArgv: string[];

  /** `execArgv`: Node and V8 flags of the child process. */
  constructor(index: number, config: WorkerConfig, window: number, events: ChildEvents, execArgv: string[] = process.execArgv) {
    this.index = index;
    this.#execArgv = execArgv;
    this.#config = config;
    this.#window = window;
    this.#events = events;
  }

  hasRoom(): boolean {
    return !this.#held && this.#pending.size < this.#window;
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
    this.#pending.set(line, task);
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
    else if (!alreadyEnded) queueMicrotask(() => this.#events.closed(this, new Map(), 0, null));
  }

  pauseResults(): void {
    this.#process?.stdout?.pause();
  }

  resumeResults(): void {
    this.#process?.stdout?.resume();
  }

  post(message: ParentMessage): void {
    if (this.#process?.connected) this.#process.send(message, () => {});
  }

  // SIGKILL by default: children ignore SIGINT and SIGTERM (the parent coordinates stops).
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#process) this.#process.kill(signal);
    else if (!this.#ended) this.end();
  }

  /**
   * Readies a fresh process after a crash; the pool decides what to send it.
   * Like the first one, it is forked by the first task it gets, so a child that
   * dies holding nothing is not restarted in a loop.
   */
  restart(): void {
    this.#reader = new ResultLineReader();
    this.#pending = new Map();
    this.#outbox = [];
    this.#ended = false;
    this.#process = undefined;
  }

  #spawn(): void {
    const child = fork(CHILD_ENTRY, [JSON.stringify(this.#config)], {
      stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
      execArgv: this.#execArgv,
      // DNS lookups run on libuv's thread pool (4 threads by default): with
      // hundreds of requests in flight to many hosts, 4 would serialize them.
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64' },
    });
    this.#process = child;
    // A child that dies makes its stdin emit EPIPE; its death is handled on 'close'.
    child.stdin?.on('error', () => {});
    child.stdout?.on('data', (chunk: Buffer) => {
      const lineNumbers: number[] = [];
      const lines = this.#reader.push(chunk, lineNumbers);
      if (!lines) return;
      for (const line of lineNumbers) this.#pending.delete(line);
      this.#events.results(this, lines, lineNumbers);
      this.#wakeWaiters();
    });
    child.on('message', (message: ChildMessage) => this.#events.message(this, message));
    child.on('close', (code, signal) => {
      if (child !== this.#process) return;
      const unanswered = this.#pending;
      this.#pending = new Map();
      this.#events.closed(this, unanswered, code, signal);
      this.#wakeWaiters();
    });
  }

  #wakeWaiters(): void {
    while (this.#roomWaiters.length > 0 && this.hasRoom()) this.#roomWaiters.shift()?.();
  }
}
