import { SYSTEM_CLOCK, type Clock } from './clock.js';
import { HostState, type AttemptReport, type HostPolicy, type Waiter } from './host-state.js';
import { TokenBucket, burstFor } from './token-bucket.js';

/** The limits a run asked for; each holds over all children together. */
export interface LimitOptions {
  /** Attempts a second, all hosts together. */
  rate?: number;
  /** Attempts in flight per host. */
  perHostConcurrency?: number;
  /** Attempts a second per host. */
  perHostRate?: number;
}

export interface CoordinatorOptions extends LimitOptions {
  /**
   * Grants a child may hold at once: its --concurrency. A child never holds
   * more grants than it can start, so a granted attempt starts at once and
   * grants spaced by the rate reach the server spaced by the rate.
   */
  perChildMax: number;
  /** Sends grants to a child: one call per child per pass. */
  grant: (child: number, ids: number[]) => void;
  /** Longest pause after a 429/503 (Retry-After is capped to this): --retry-max-delay. Default 30 000. */
  maxPauseMs?: number;
  clock?: Clock;
}

interface Grant {
  host: HostState;
  at: number;
}

/** A host idle this long, with nothing left to remember, has its state dropped (bounds the host map). */
const FORGET_AFTER_MS = 10_000;

/**
 * The parent's authority over every attempt of every child. Children are
 * separate processes and records are routed by request hash, so one host's
 * attempts come from all of them: only one place can count them.
 *
 * A child asks for a grant per attempt and reports when the attempt ends;
 * this holds the global bucket, one HostState per host, and who holds what,
 * so a dead child's grants and queued requests can be taken back.
 */
export class LimitCoordinator {
  readonly #options: CoordinatorOptions;
  readonly #clock: Clock;
  readonly #policy: HostPolicy;
  readonly #global: TokenBucket | undefined;
  readonly #hosts = new Map<string, HostState>();
  /** Hosts with waiters, in the order they get served: a served host goes to the back. */
  readonly #waiting = new Map<string, HostState>();
  /** child -> (attempt id -> grant) */
  readonly #grants = new Map<number, Map<number, Grant>>();
  #timer: unknown;
  #timerAt = Infinity;
  #lastForgetAt: number;
  #closed = false;

  constructor(options: CoordinatorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    const now = this.#clock.now();
    this.#lastForgetAt = now;
    this.#global = options.rate !== undefined ? new TokenBucket(options.rate, burstFor(options.rate), now) : undefined;
    this.#policy = {
      concurrency: options.perHostConcurrency ?? Infinity,
      ...(options.perHostRate !== undefined ? { rate: options.perHostRate } : {}),
      maxPauseMs: options.maxPauseMs ?? 30_000,
    };
  }

  /** Child `child` wants to start attempt `id` to `host`. Call pump() after a batch. */
  request(child: number, id: number, host: string): void {
    if (this.#closed) return;
    const state = this.#host(host);
    state.waiters.push({ child, id });
    this.#waiting.set(state.key, state);
  }

  /** Attempt `id` of `child` ended. Unknown ids (a dead child's, a stray) are ignored. */
  release(child: number, id: number, report: AttemptReport): void {
    const grants = this.#grants.get(child);
    const grant = grants?.get(id);
    if (!grants || !grant) return;
    grants.delete(id);
    const now = this.#clock.now();
    grant.host.finish(report, grant.at, now);
    if (grant.host.isFresh(now)) this.#hosts.delete(grant.host.key);
  }

  /**
   * An attempt that started without a grant was refused (429/503): the host
   * goes through the coordinator from now on. Call pump() after a batch.
   */
  refused(host: string, report: AttemptReport): void {
    if (this.#closed) return;
    this.#host(host).refusedUngated(report, this.#clock.now());
  }

  /** The child is gone: free what it held and forget what it asked for. */
  dropChild(child: number): void {
    const now = this.#clock.now();
    for (const grant of this.#grants.get(child)?.values() ?? []) grant.host.finish({ status: null }, grant.at, now);
    this.#grants.delete(child);
    for (const host of this.#waiting.values()) {
      const kept = host.waiters.filter((w) => w.child !== child);
      host.waiters.splice(0, host.waiters.length, ...kept);
      if (kept.length === 0) this.#waiting.delete(host.key);
    }
    this.pump();
  }

  /** Grants every attempt that may start now; sets a timer for the earliest one that may start later. */
  pump(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    const granted = new Map<number, number[]>();
    let wakeIn = Infinity;
    for (const host of [...this.#waiting.values()]) {
      let served = false;
      for (let i = 0; i < host.waiters.length; ) {
        const wait = Math.max(host.waitMs(now), this.#global?.msUntilToken(now) ?? 0);
        if (wait > 0) {
          wakeIn = Math.min(wakeIn, wait);
          break;
        }
        const waiter = host.waiters[i] as Waiter;
        if (this.#held(waiter.child).size >= this.#options.perChildMax) {
          i += 1; // that child is full: it pumps again when one of its attempts ends
          continue;
        }
        host.waiters.splice(i, 1);
        host.start(now);
        this.#global?.take(now);
        this.#held(waiter.child).set(waiter.id, { host, at: now });
        const ids = granted.get(waiter.child);
        if (ids) ids.push(waiter.id);
        else granted.set(waiter.child, [waiter.id]);
        served = true;
      }
      // Round robin: when the global rate is what binds, no host starves the others.
      if (host.waiters.length === 0 || served) this.#waiting.delete(host.key);
      if (host.waiters.length > 0 && served) this.#waiting.set(host.key, host);
    }
    for (const [child, ids] of granted) this.#options.grant(child, ids);
    this.#wakeIn(now, wakeIn);
    this.#forgetIdleHosts(now);
  }

  /** Stops the timer; later requests are ignored. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** Hosts with state (for tests and the memory bound). */
  get hostCount(): number {
    return this.#hosts.size;
  }

  #host(key: string): HostState {
    let state = this.#hosts.get(key);
    if (!state) {
      state = new HostState(key, this.#policy, this.#clock.now());
      this.#hosts.set(key, state);
    }
    return state;
  }

  #held(child: number): Map<number, Grant> {
    let grants = this.#grants.get(child);
    if (!grants) {
      grants = new Map();
      this.#grants.set(child, grants);
    }
    return grants;
  }

  #wakeIn(now: number, ms: number): void {
    if (ms === Infinity) return;
    const at = now + Math.ceil(ms);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.pump();
    }, at - now);
  }

  #forgetIdleHosts(now: number): void {
    if (now - this.#lastForgetAt < FORGET_AFTER_MS) return;
    this.#lastForgetAt = now;
    for (const [key, host] of this.#hosts) if (host.isForgettable(now, FORGET_AFTER_MS)) this.#hosts.delete(key);
  }
}
