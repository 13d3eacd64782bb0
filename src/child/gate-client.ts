import { hostOf } from '../input/host-of.js';
import type { ChildMessage, GateAcquire, GateRefusal, GateRelease } from '../wire/messages.js';
import type { AttemptFeedback, AttemptGate, ReleaseAttempt } from './attempt-gate.js';

type GateMessage = Extract<ChildMessage, { type: 'gate' }>;

const NO_RELEASE: ReleaseAttempt = () => {};

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
  readonly #waiting = new Map<number, (release: ReleaseAttempt) => void>();
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
    const id = this.#nextId++;
    this.#acquire.push([id, host]);
    this.#scheduleFlush();
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  /** The parent's grants. One for an attempt that no longer waits is handed straight back. */
  granted(ids: number[]): void {
    for (const id of ids) {
      const resolve = this.#waiting.get(id);
      if (resolve) {
        this.#waiting.delete(id);
        resolve(this.#releaser(id));
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
    const message: GateMessage = { type: 'gate', acquire: this.#acquire, release: this.#release, refused: this.#refused };
    this.#acquire = [];
    this.#release = [];
    this.#refused = [];
    this.#send(message);
  }

  #close(): void {
    this.#closed = true;
    // Their grants, if they come, are handed back by granted().
    for (const resolve of this.#waiting.values()) resolve(NO_RELEASE);
    this.#waiting.clear();
  }
}
