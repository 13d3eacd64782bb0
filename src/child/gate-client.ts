import { hostOf } from '../input/host-of.js';
import type { ChildMessage, GateAcquire, GateRefusal, GateRelease } from '../wire/messages.js';
import type { AttemptFeedback, AttemptGate, ReleaseAttempt } from './attempt-gate.js';
import { epochMs } from '../wire/epoch-ms.js';

type GateMessage = Extract<ChildMessage, { type: 'gate' }>;

const NO_RELEASE: ReleaseAttempt = () => {};

/**
 * A rate's grant read later than this after the parent made it is not used:
 * the rate's burst (50 ms worth of tokens) is the most it may be squeezed.
 */
export const STALE_GRANT_MS = 50;

interface Waiter {
  resolve: (release: ReleaseAttempt) => void;
  host: string;
  /** Asked again after a stale grant: its next grant is used however late. */
  again: boolean;
}

/**
 * The child's side of the global limits: every attempt asks the parent's
 * LimitCoordinator for a grant and reports back when it ends.
 *
 * Asks and reports made in one event-loop turn travel as one IPC message, so
 * a busy child costs the parent a message per turn, not one per attempt.
 * When the run is shut down every waiting attempt is let go at once (it then
 * fails fast as aborted) instead of waiting for a grant that may never come.
 */
export class GateClient implements AttemptGate {
  readonly #send: (message: GateMessage) => void;
  readonly #waiting = new Map<number, Waiter>();
  #acquire: GateAcquire[] = [];
  #release: GateRelease[] = [];
  #refused: GateRefusal[] = [];
  #nextId = 1;
  #flushScheduled = false;
  #closed = false;

  constructor(send: (message: GateMessage) => void, shutdown: AbortSignal) {
    this.#send = send;
    if (shutdown.aborted) this.#close();
    else shutdown.addEventListener('abort', () => this.#close(), { once: true });
  }

  /** After shutdown nothing waits: the attempt goes at once and fails fast as aborted. */
  acquire(url: string): Promise<ReleaseAttempt> | undefined {
    return this.#closed ? undefined : this.acquireHost(hostOf(url));
  }

  /** Every attempt asks, so none that went at once has to think again. */
  mustAsk(): boolean {
    return false;
  }

  /** Only attempts let through after shutdown ask nobody; their answers no longer matter. */
  refused(): boolean {
    return false;
  }

  /** Waits for the parent's grant for an attempt to `host`. */
  acquireHost(host: string): Promise<ReleaseAttempt> {
    if (this.#closed) return Promise.resolve(NO_RELEASE);
    return new Promise((resolve) => this.#ask({ resolve, host, again: false }));
  }

  #ask(waiter: Waiter): void {
    const id = this.#nextId++;
    this.#acquire.push([id, waiter.host]);
    this.#scheduleFlush();
    this.#waiting.set(id, waiter);
  }

  /**
   * The parent's grants. One for an attempt that no longer waits is handed
   * straight back. Grants made under a rate say when (`at`): a child that was
   * busy (8 starting on 2 cores: 300-400 ms) read a while's grants at once and
   * sent their attempts together, 26 in the first 100 ms of `--procs 8 --rate
   * 100` and up to 146 in a second. Such a stale grant is handed back unused
   * and its attempt asks again, once: the second grant is used however late,
   * so a child that is always late still goes on (at half the tokens).
   */
  granted(ids: number[], at?: number): void {
    const stale = at !== undefined && epochMs() - at > STALE_GRANT_MS;
    for (const id of ids) {
      const waiter = this.#waiting.get(id);
      if (waiter) {
        this.#waiting.delete(id);
        if (stale && !waiter.again && !this.#closed) {
          this.#report(id, { status: null });
          this.#ask({ ...waiter, again: true });
        } else {
          waiter.resolve(this.#releaser(id));
        }
      } else {
        this.#report(id, { status: null });
      }
    }
  }

  /** An attempt that asked for no grant was refused: tells the parent, which slows the host down. */
  reportRefusal(host: string, feedback: AttemptFeedback): void {
    if (feedback.status === null) return;
    this.#refused.push([host, feedback.status, feedback.retryAfterMs ?? null]);
    this.#scheduleFlush();
  }

  /** Attempts waiting for a grant (for tests). */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  #releaser(id: number): ReleaseAttempt {
    let released = false;
    return (feedback) => {
      if (released) return;
      released = true;
      this.#report(id, feedback);
    };
  }

  #report(id: number, feedback: AttemptFeedback): void {
    this.#release.push([id, feedback.status, feedback.retryAfterMs ?? null]);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: attempts start over several
    // microtasks, and one turn's worth should share a message.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#acquire.length === 0 && this.#release.length === 0 && this.#refused.length === 0) return;
    const message: GateMessage = { type: 'gate', acquire: this.#acquire, release: this.#release, refused: this.#refused, waiting: this.#waiting.size };
    this.#acquire = [];
    this.#release = [];
    this.#refused = [];
    this.#send(message);
  }

  #close(): void {
    this.#closed = true;
    // Their grants, if they come, are handed back by granted().
    for (const { resolve } of this.#waiting.values()) resolve(NO_RELEASE);
    this.#waiting.clear();
  }
}
