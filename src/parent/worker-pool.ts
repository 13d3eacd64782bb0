import type { Writable } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import { removePartialsOf } from '../http/body-file.js';
import { isRunning } from '../output/running-process.js';
import { NO_CHILD_TO_SEND, RecordErrorCode, STOPPED_BEFORE_SENDING, STOPPED_IN_FLIGHT, STOPPED_IN_FLIGHT_RESENT, recordError, type RecordError } from '../errors.js';
import type { RequestSpec } from '../input/request-spec.js';
import { errorResult, serializeResult } from '../wire/result-line.js';
import { epochMs } from '../wire/epoch-ms.js';
import { LimitCoordinator, type LimitOptions } from './limits/coordinator.js';
import { ABORT_KILL_MS } from './supervise-stop.js';
import { emptyStats, mergeStats, type WorkerStats } from '../wire/stats.js';
import { ChildHandle, type ChildEnd, type ChildEvents } from './child-handle.js';
import { CrashTriage, MAX_SOLO_CRASHES, type Tasks } from './crash-triage.js';
import type { ChildMessage, GateRefusal, WorkerConfig } from '../wire/messages.js';
import type { ChildCrash } from '../run-types.js';

/** The signals a terminal sends the whole process group to stop a run (children ignore them once started). */
const STOP_SIGNALS: ReadonlySet<NodeJS.Signals | null> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);

export interface PoolOptions {
  procs: number;
  config: Omit<WorkerConfig, 'index' | 'limited' | 'liftoffOnly'>;
  /**
   * Global rate and per-host limits. None given, children ask before an
   * attempt only to hosts that have refused (429/503), to slow those down.
   */
  limits?: LimitOptions;
  /** Where whole result lines go. Its backpressure pauses the children. */
  sink: Writable;
  /**
   * A short run (a small input file): children run with V8's --liftoff-only
   * (set by the child when its config comes, so a spare forked early can too).
   * undici compiles its llhttp wasm parser at the first connection, and V8 then
   * optimizes it on background threads: about 0.3 s of CPU a child, which a
   * child also waits for when it exits (over a second on a busy machine).
   * The baseline tier parses a little slower, which only a long run repays.
   */
  quickStart?: boolean;
  /** Called for every batch of answered record numbers and their whole result lines (progress, --max-errors). */
  onAnswered?: (lineNumbers: number[], lines: Buffer) => void;
  /** Called once per child crash, with the end of what the child wrote to stderr (its stack trace). */
  onChildCrash?: (crash: ChildCrash) => void;
}


/**
 * Unanswered records a child may hold: its slots, plus enough queued behind
 * them to keep every slot busy while results travel back to the parent and new
 * records come out. On a busy machine that trip includes the parent waiting
 * for a core: at 2 x concurrency + 32, 20,000 req/s left a child with fewer
 * records than slots about a quarter of the time, and 7-10 % of two cores
 * idle; 4 x cut the idle to 2-6 % and gave 9 % more req/s (bench/CHANGELOG.md,
 * entry 23). The queue is of plain specs, a few hundred bytes each.
 */
function windowFor(concurrency: number): number {
  return concurrency * 4 + 32;
}

/** The most slowed-down hosts a child forked late is told of: the children's own memory of them (AdaptiveGate) holds as many. */
const MAX_SLOWED_HOSTS = 10_000;

/**
 * The parent side: N children, each owning the shard of requests whose key
 * hashes to it, so a repeated request always meets its own cache entry.
 *
 * Flow control is end to end: a child holds at most `window` unanswered tasks;
 * the sink's backpressure pauses reading results, so answers stop, windows
 * fill, and submit() stops resolving, which stops the input being read.
 */
/** How often children spared at an abort's deadline are looked at (see WorkerPool.#watchSpared). */
const SPARED_CHECK_MS = 500;

export class WorkerPool {
  readonly #children: ChildHandle[] = [];
  /** Hosts slowed down so far (a 429 or 503), most recent last, for children forked after: see #slowDown. */
  readonly #slowedHosts = new Set<string>();
  readonly #sink: Writable;
  readonly #onAnswered: ((lineNumbers: number[], lines: Buffer) => void) | undefined;
  readonly #onChildCrash: ((crash: ChildCrash) => void) | undefined;
  readonly #stats = emptyStats();
  /** One per child: isolates the record that keeps killing it. */
  readonly #triage: CrashTriage[] = [];
  /** The latest progress snapshot of each child still running (child index -> counters). */
  readonly #liveStats = new Map<number, WorkerStats>();
  /** Forks that failed in a row, per child (reset when one that started ends), and the records waiting for the next try. */
  readonly #startFailures: number[] = [];
  readonly #respawning = new Map<number, { timer: NodeJS.Timeout; unanswered: Tasks }>();
  /** Records answered by each child: how even the hash shards came out. */
  readonly #answeredByChild: number[];
  #closing = false;
  #intakeStopped = false;
  #aborted = false;
  #open: number;
  #allClosed!: () => void;
  readonly #closedPromise: Promise<void>;
  #sinkBlocked = false;
  readonly #limits: LimitCoordinator;
  /** --save's directory, where a dead child's partial files are removed. */
  readonly #saveDir: string | undefined;
  /** Those removals, awaited before the pool says it is closed. */
  readonly #cleanups: Array<Promise<void>> = [];

  constructor({ procs, config, sink, onAnswered, onChildCrash, limits, quickStart = false }: PoolOptions) {
    this.#sink = sink;
    this.#saveDir = config.save;
    // Partial files a run killed outright left (its pid gone): awaited with the pool's other removals.
    if (config.save !== undefined) this.#cleanups.push(removePartialsOf(config.save, (pid) => !isRunning(pid)));
    this.#onAnswered = onAnswered;
    this.#onChildCrash = onChildCrash;
    this.#open = procs;
    this.#answeredByChild = new Array<number>(procs).fill(0);
    this.#closedPromise = new Promise((resolve) => (this.#allClosed = resolve));
    const window = windowFor(config.concurrency);
    // Under a rate, a grant says when it was made: a child that reads it late hands it back and asks again (GateClient, STALE_GRANT_MS).
    const rated = limits?.rate !== undefined || limits?.perHostRate !== undefined;
    // Always there: even without limit flags, a host that refuses is slowed down through it.
    this.#limits = new LimitCoordinator({
      ...limits,
      perChildMax: config.concurrency,
      maxPauseMs: config.retryMaxDelay,
      grant: (child, ids) => this.#children[child]?.post(rated ? { type: 'grant', ids, at: epochMs() } : { type: 'grant', ids }),
    });
    const events: ChildEvents = {
      results: (handle, lines, lineNumbers) => {
        this.#answeredByChild[handle.index] = (this.#answeredByChild[handle.index] ?? 0) + lineNumbers.length;
        this.#forward(lines, lineNumbers);
        if (this.#triage[handle.index]?.answered(lineNumbers)) this.#runTriage(handle);
      },
      message: (handle, message) => this.#onMessage(handle, message),
      closed: (handle, end) => this.#onClosed(handle, end),
      slowedHosts: () => [...this.#slowedHosts],
    };
    for (let index = 0; index < procs; index++) {
      this.#children.push(new ChildHandle(index, { ...config, index, limited: limits !== undefined, liftoffOnly: quickStart }, window, procs, events));
      this.#triage.push(new CrashTriage());
    }
    const resume = (): void => {
      this.#sinkBlocked = false;
      for (const child of this.#children) child.resumeResults();
    };
    sink.on('drain', resume);
    // A sink that failed (ENOSPC, EPIPE) never drains: children paused for it
    // must flow again, or a killed child's stdout never ends and its 'close'
    // (which the pool waits for) never comes. What they still send is dropped.
    sink.on('close', resume);
  }

  /** Records answered by each child so far. */
  get shards(): number[] {
    return [...this.#answeredByChild];
  }

  get size(): number {
    return this.#children.length;
  }

  /**
   * Hands a task (the line encodeTask or encodeUrlTask wrote for record
   * `line`) to child `index`. Returns undefined when it was queued at once, or
   * a promise that resolves once it is, while that child's window is full: the
   * caller awaits only then, as an await per record costs the parent a promise
   * and a microtask turn for each of millions of records.
   */
  submit(index: number, line: number, task: string): Promise<void> | undefined {
    const child = this.#children[index];
    if (!child || this.#closing || this.#intakeStopped) return undefined;
    if (child.hasRoom()) {
      child.send(line, task);
      return undefined;
    }
    return this.#submitWhenRoom(child, line, task);
  }

  async #submitWhenRoom(child: ChildHandle, line: number, task: string): Promise<void> {
    // Send what the other children have queued first: waiting here with their
    // tasks unsent would idle them until this child's window opens.
    this.flush();
    await child.waitForRoom();
    if (this.#closing || this.#intakeStopped) return;
    child.send(line, task);
  }

  /** Asks every child for a snapshot of its counters (answered over IPC, seen in liveStats()). */
  pollStats(): void {
    for (const child of this.#children) child.post({ type: 'stats?' });
  }

  /** Counters so far: finished children's final reports plus running children's latest snapshots. */
  liveStats(): WorkerStats {
    const stats = emptyStats();
    mergeStats(stats, this.#stats);
    for (const snapshot of this.#liveStats.values()) mergeStats(stats, snapshot);
    return stats;
  }

  /** Sends whatever submit() queued; call after each batch of input. */
  flush(): void {
    for (const child of this.#children) child.flush();
  }

  /**
   * Takes no more records (a graceful stop): a submit() waiting for room returns
   * at once without sending, and children begin none of the records they hold
   * (answered ENOTSENT); the records in flight are still answered, within `graceMs`.
   */
  stopIntake(graceMs: number): void {
    this.#intakeStopped = true;
    for (const child of this.#children) {
      child.releaseWaiters();
      child.post({ type: 'stop', graceMs });
    }
  }

  /** No more input: children finish their work and exit. Resolves with merged stats. */
  async close(): Promise<WorkerStats> {
    this.#closing = true;
    for (const child of this.#children) this.#endChild(child);
    await this.#closedPromise;
    await Promise.all(this.#cleanups);
    return this.#stats;
  }

  /** Aborts every request in flight; children answer them with EABORTED and exit. */
  abort(): void {
    this.#aborted = true;
    for (const child of this.#children) child.post({ type: 'abort' });
  }

  /**
   * The abort's deadline: kills the children that have not answered all they held, stuck outside their event
   * loop. One that has is only handing its lines over, as fast as the output takes them: killed behind a slow
   * reader, its answers (sent, and answered by the server) were replaced by EABORTED lines with attempts 0,
   * hundreds of them, and the summary counted none of those requests; the lines it replaced them with waited for
   * that reader all the same.
   */
  async killUnanswering(): Promise<void> {
    this.#watchSpared();
    await this.kill((child) => !child.answeredAll);
  }

  /**
   * A child spared at the abort's deadline that then sends nothing while the output takes lines (stopped, stuck in
   * a system call) is stuck after all: killed after ABORT_KILL_MS of that, its records answered EABORTED. Spared
   * for ever, it held the run open, a second Ctrl-C and a reader that read notwithstanding.
   */
  #watchSpared(): void {
    const timer = setInterval(() => {
      const spared = this.#children.filter((child) => child.answeredAll && child.running);
      if (spared.length === 0) return clearInterval(timer);
      if (this.#sinkBlocked) return;
      for (const child of spared) {
        if (child.quietMs < ABORT_KILL_MS) continue;
        child.kill('SIGKILL');
        child.resumeResults();
      }
    }, SPARED_CHECK_MS);
    timer.unref();
  }

  /** Kills every child at once (the output is gone, or the parent is going down); resolves when they are. */
  async kill(which: (child: ChildHandle) => boolean = () => true): Promise<void> {
    this.#closing = true;
    this.#aborted = true;
    // Records waiting for a fork to be tried again: none of them went out.
    for (const [index, { timer, unanswered }] of this.#respawning) {
      clearTimeout(timer);
      this.#respawning.delete(index);
      this.#failAll(unanswered, STOPPED_BEFORE_SENDING);
    }
    for (const child of this.#children) {
      if (!which(child)) continue;
      child.kill('SIGKILL');
      child.resumeResults();
    }
    await this.#closedPromise;
    await Promise.all(this.#cleanups);
  }

  #forward(lines: Buffer, lineNumbers: number[]): void {
    this.#onAnswered?.(lineNumbers, lines);
    // A sink that failed (EPIPE, ENOSPC) will never drain: pausing for it would hang the run.
    if (this.#sink.destroyed) return;
    if (!this.#sink.write(lines) && !this.#sinkBlocked) {
      this.#sinkBlocked = true;
      for (const child of this.#children) child.pauseResults();
    }
  }

  #onMessage(handle: ChildHandle, message: ChildMessage): void {
    if (message.type === 'stats') {
      if (message.final) {
        mergeStats(this.#stats, message.stats);
        this.#liveStats.delete(handle.index);
      } else {
        this.#liveStats.set(handle.index, message.stats);
      }
    } else if (message.type === 'gate') {
      // Ends first: a slot freed here may be what the asks below wait for.
      for (const [id, status, retryAfterMs] of message.release) {
        this.#limits.release(handle.index, id, { status, retryAfterMs: retryAfterMs ?? undefined });
      }
      if (message.refused.length > 0) this.#slowDown(handle, message.refused);
      for (const [id, host] of message.acquire) this.#limits.request(handle.index, id, host);
      this.#limits.pump();
    }
  }

  /**
   * Hosts that refused an attempt that asked nobody: from now on every child
   * asks before an attempt to them, so the slowdown holds whichever child's
   * record goes there next.
   */
  #slowDown(from: ChildHandle, refusals: GateRefusal[]): void {
    const hosts = new Set<string>();
    for (const [host, status, retryAfterMs] of refusals) {
      this.#limits.refused(host, { status, retryAfterMs: retryAfterMs ?? undefined });
      hosts.add(host);
    }
    for (const child of this.#children) if (child !== from) child.post({ type: 'slow-down', hosts: [...hosts] });
    // For a child forked later (by its first task, or to replace one that crashed), which post() cannot reach now.
    for (const host of hosts) {
      this.#slowedHosts.delete(host);
      this.#slowedHosts.add(host);
      if (this.#slowedHosts.size > MAX_SLOWED_HOSTS) this.#slowedHosts.delete(this.#slowedHosts.values().next().value as string);
    }
  }

  /** One child fewer; when none is left, the limiter's timer goes too. */
  #childGone(): void {
    if (--this.#open > 0) return;
    this.#limits.close();
    this.#allClosed();
  }

  #onClosed(handle: ChildHandle, { unanswered, code, signal, started, stderr, unreported, pid, endedStarting }: ChildEnd): void {
    // A child that died mid-body left its --save partial files: no one else will remove them.
    if ((code !== 0 || signal !== null) && pid !== undefined && this.#saveDir !== undefined) this.#cleanups.push(removePartialsOf(this.#saveDir, (owner) => owner === pid));
    // Whatever the dead process held (in flight per host, queued asks) is free
    // again; a replacement starts with nothing held.
    this.#limits.dropChild(handle.index);
    // What it answered counts as if it had reported (--fail, the summary); its
    // last snapshot would count it twice, and a replacement's would hide it.
    if (unreported) mergeStats(this.#stats, unreported);
    this.#liveStats.delete(handle.index);
    // Every record answered and the final report in: the child's work was done, whatever ended it (one with a
    // name lookup under way ends itself by SIGKILL, as its exit would wait for the lookup: child/main.ts).
    if (unanswered.size === 0 && (code === 0 || unreported === undefined)) {
      this.#childGone();
      return;
    }
    // A negative code is the errno of a child that could not be started (spawn EAGAIN under ulimit -u, EMFILE: -24),
    // not an exit code: none of its records ran, and none is to blame.
    if (signal === null && code !== null && code < 0) {
      this.#notStarted(handle, unanswered, getSystemErrorName(code), '');
      return;
    }
    // Forked, but gone before its code ran: Node aborted as it started (a thread it could not create under
    // ulimit -u), or hung there and was killed. Nothing of its records went out either.
    if (endedStarting !== undefined && !this.#aborted && !this.#intakeStopped) {
      this.#notStarted(handle, unanswered, endedStarting, stderr);
      return;
    }
    // A child that had started: the forks that failed before it are no longer in a row.
    this.#startFailures[handle.index] = 0;
    const triage = this.#triage[handle.index] as CrashTriage;
    const reason = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.#intakeStopped && STOP_SIGNALS.has(signal)) {
      // The terminal's Ctrl-C (or hangup) reached a child still loading its code, before it could
      // ignore it (see child/ignore-stop-signals.ts): no crash, and it had read no record yet, so
      // nothing of what it held went out. The run is stopping: none of it begins now.
      this.#failAll(unanswered, STOPPED_BEFORE_SENDING);
      this.#failAll(triage.takeQueued(), STOPPED_BEFORE_SENDING);
      this.#childGone();
      return;
    }
    if (this.#aborted || this.#intakeStopped) {
      // Going down, or stopping: nothing begins again, a dead child's records neither.
      if (!this.#aborted) this.#onChildCrash?.({ child: handle.index, reason, records: unanswered.size, stderr, rerun: false });
      // What the child held is answered as aborted, never dropped. What it announced (a
      // request not to be sent twice) may have gone out: --resume leaves it; the rest it sends again.
      this.#failAll(takeStarted(unanswered, started), STOPPED_IN_FLIGHT, SENT_ONCE);
      this.#failAll(unanswered, STOPPED_IN_FLIGHT_RESENT);
      // Held back for triage, never handed to a child: nothing of them went out.
      this.#failAll(triage.takeQueued(), STOPPED_BEFORE_SENDING);
      this.#childGone();
      return;
    }
    this.#onChildCrash?.({ child: handle.index, reason, records: unanswered.size, stderr, rerun: true });
    // A non-idempotent record the child was sending may have reached the server:
    // it is answered now, never sent again (the child announces those before sending).
    this.#failAll(takeStarted(unanswered, started), recordError(RecordErrorCode.CHILD_CRASHED, `The child process died (${reason}) while sending this request: it may have been sent, so it is not sent again (--retry-all-methods would)`), SENT_ONCE);
    // A crash: start a replacement and let triage re-run what the old one held,
    // apart from new records, until the record that kills children is found.
    const convicted = triage.crashed(unanswered);
    this.#failAll(convicted, recordError(RecordErrorCode.CHILD_CRASHED, `The child process died ${MAX_SOLO_CRASHES} times while handling only this record (last: ${reason})`));
    handle.restart();
    handle.hold(true);
    this.#runTriage(handle);
  }

  /**
   * A child that could not be started (fork failed: EAGAIN at the limit on processes, ENOMEM): its records
   * never ran, so they are not put through crash triage, which blamed each of them in turn (every record of a
   * run under `ulimit -u 12` came out ECHILDCRASH, with hundreds of crash reports). They wait and go to a new
   * fork, a few times over about 3 s, as processes elsewhere may end; then they are answered ENOTSENT, with the
   * reason (--resume sends them), and the run goes on (a later fork may still succeed).
   */
  #notStarted(handle: ChildHandle, unanswered: Tasks, reason: string, stderr: string): void {
    const index = handle.index;
    const tries = this.#startFailures[index] ?? 0;
    const triage = this.#triage[index] as CrashTriage;
    const givingUp = this.#aborted || this.#intakeStopped || tries >= START_RETRY_MS.length;
    // Said when the waiting begins, and when it ends without a child.
    if ((tries === 0 || givingUp) && !this.#aborted && !this.#intakeStopped) this.#onChildCrash?.({ child: index, reason, records: unanswered.size, stderr, rerun: !givingUp, notStarted: true });
    handle.restart();
    if (givingUp) {
      this.#startFailures[index] = 0;
      const held = new Map([...unanswered, ...triage.takeQueued()]);
      // A triage group that was to run again is given up with the rest: triage is over for this child.
      triage.crashed(new Map());
      // The errno is in the report on stderr; the line's words are fixed, as --resume finds it by them.
      this.#failAll(held, this.#aborted || this.#intakeStopped ? STOPPED_BEFORE_SENDING : NO_CHILD_TO_SEND);
      handle.hold(false);
      if (this.#closing) this.#endChild(handle);
      return;
    }
    this.#startFailures[index] = tries + 1;
    handle.hold(true);
    const retry = (): void => {
      this.#respawning.delete(index);
      if (this.#aborted || this.#intakeStopped) this.#failAll(unanswered, STOPPED_BEFORE_SENDING);
      else {
        for (const [line, task] of unanswered) handle.send(line, task);
        handle.flush();
      }
      if (!triage.active) handle.hold(false);
      if (this.#closing) this.#endChild(handle);
    };
    this.#respawning.set(index, { timer: setTimeout(retry, START_RETRY_MS[tries]), unanswered });
  }

  /** Sends the child its next triage group; with none left, lets new records in again. */
  #runTriage(handle: ChildHandle): void {
    const triage = this.#triage[handle.index] as CrashTriage;
    if (this.#aborted) {
      this.#failAll(triage.takeQueued(), STOPPED_BEFORE_SENDING);
    } else {
      const group = triage.next();
      if (group) {
        for (const [line, task] of group) handle.send(line, task);
        handle.flush();
        return;
      }
    }
    if (triage.active) return;
    handle.hold(false);
    if (this.#closing) this.#endChild(handle);
  }

  /** Ends a child's input unless triage still has records to send it. */
  #endChild(handle: ChildHandle): void {
    if (!this.#triage[handle.index]?.active && !this.#respawning.has(handle.index)) handle.end();
  }

  /** `attempts`: 1 for records their child announced it was sending (they may have gone out), 0 for the rest. */
  #failAll(tasks: Tasks, error: RecordError, attempts: 0 | 1 = 0): void {
    if (tasks.size === 0) return;
    const lines: string[] = [];
    const numbers: number[] = [];
    for (const [line, task] of tasks) {
      const spec = JSON.parse(task) as RequestSpec;
      const result = errorResult(spec, error);
      if (attempts !== 0) result.attempts = attempts;
      lines.push(serializeResult(result));
      numbers.push(line);
      this.#stats.records += 1;
      // Its dead child never counted the request it announced: the summary's `requests` agrees with the line.
      this.#stats.requests += attempts;
      this.#stats.errors += 1;
      this.#stats.errorCodes[error.code] = (this.#stats.errorCodes[error.code] ?? 0) + 1;
    }
    this.#forward(Buffer.from(lines.join('')), numbers);
  }
}

/** The waits before a fork that failed is tried again (about 3 s in all). */
const START_RETRY_MS = [100, 300, 800, 2000];

/** A record its child announced before sending it: `attempts` says one may have gone out, as its message does. */
const SENT_ONCE = 1;

/**
 * Takes out of `unanswered` the records a child announced before sending them
 * (non-idempotent ones, without --retry-all-methods): those may have reached
 * the server, and are never sent again.
 */
function takeStarted(unanswered: Tasks, started: ReadonlySet<number>): Tasks {
  const maybeSent: Tasks = new Map();
  for (const line of started) {
    const task = unanswered.get(line);
    if (task === undefined) continue;
    maybeSent.set(line, task);
    unanswered.delete(line);
  }
  return maybeSent;
}
