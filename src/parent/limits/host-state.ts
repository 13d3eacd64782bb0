import { isRefusal } from '../../http/refusal.js';
import { TokenBucket, burstFor } from './token-bucket.js';

/** What one host is allowed, as configured. */
export interface HostPolicy {
  /** Attempts in flight at once (Infinity: no cap but the adaptive one). */
  concurrency: number;
  /** Attempts a second, when --per-host-rate is given. */
  rate?: number;
  /** Longest pause, whatever Retry-After asks for. */
  maxPauseMs: number;
}

/** How an attempt ended, as the child reported it. */
export interface AttemptReport {
  status: number | null;
  retryAfterMs?: number;
}

/** A child's attempt waiting for its turn: which child, and its id there. */
export interface Waiter {
  child: number;
  id: number;
}

/** Pauses a host may ask for in a row, each ended by a refusal again, before its Retry-After stops pausing it. */
export const MAX_PAUSES_IN_A_ROW = 3;

/**
 * One host's politeness state: attempts in flight, its rate bucket, and how
 * far it has been slowed down after telling us to (429 or 503).
 *
 * Slowing down is AIMD, as TCP does it: a fresh refusal halves how many
 * attempts may be in flight, and from there the limit grows by one for each
 * limit's worth of successes (about one more a round trip: TCP's congestion
 * avoidance), until the configured cap is back. One more per success would
 * double it every round trip, past the level just refused within a few, and
 * a server that caps concurrency would refuse a burst each time: records ran
 * out of retries on 429s that a gentler climb never draws. Only after a first
 * refusal outside the gate, whose level is not known, does it climb from one
 * attempt one more per success (slow start), until its next refusal.
 * Refusals of attempts that started before the last refusal are echoes of the
 * same overload and do not halve again.
 * A Retry-After pauses the host for as long as it asks (up to a cap).
 *
 * Without Retry-After there is no timed pause: a host that refuses everything
 * (a dead backend behind a load balancer answers 503 to all) would otherwise
 * stretch a run by a pause per attempt, hours for a few thousand records. At
 * one attempt in flight it is already asked as gently as it can be.
 *
 * With Retry-After the same holds after a few pauses: a maintenance page that
 * answers every request 503 with Retry-After had each pause's one attempt
 * refused and the host paused again, a record a pause (8 h for 1,000 records
 * at the 30 s cap). A pause is how long an overload takes to pass; once
 * MAX_PAUSES_IN_A_ROW have ended in refusals with no other answer between, the
 * host is not overloaded but refusing, and its records go on one at a time,
 * each refused record's retry still waiting out its own Retry-After (as curl's
 * does). Any other answer makes pauses count again from none.
 */
export class HostState {
  readonly key: string;
  inFlight = 0;
  /** Attempts waiting, oldest first. Bounded: at most procs x the child window. */
  readonly waiters: Waiter[] = [];
  readonly #policy: HostPolicy;
  readonly #bucket: TokenBucket | undefined;
  #pausedUntil = -Infinity;
  #adaptiveLimit: number | undefined;
  /** Slow start (one more per success) until a refusal whose level is known; then one more per limit's worth. */
  #slowStart = false;
  /** Successes counted towards the next step up in congestion avoidance. */
  #successes = 0;
  #lastRefusalAt = -Infinity;
  #lastActivityAt: number;
  /** Pauses since the host last gave an answer other than 429/503. */
  #pausesInARow = 0;

  constructor(key: string, policy: HostPolicy, now: number) {
    this.key = key;
    this.#policy = policy;
    this.#bucket = policy.rate !== undefined ? new TokenBucket(policy.rate, burstFor(policy.rate), now) : undefined;
    this.#lastActivityAt = now;
  }

  /** Attempts allowed in flight right now. */
  get limit(): number {
    return Math.min(this.#policy.concurrency, this.#adaptiveLimit ?? Infinity);
  }

  /** 0 when one more attempt may start at `now`; else ms to wait (Infinity: until one ends). */
  waitMs(now: number): number {
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.inFlight >= this.limit) return Infinity;
    return this.#bucket?.msUntilToken(now) ?? 0;
  }

  start(now: number): void {
    this.inFlight += 1;
    this.#bucket?.take(now);
    this.#lastActivityAt = now;
  }

  /** An attempt granted at `grantedAt` ended; adapt to what the server said. */
  finish(report: AttemptReport, grantedAt: number, now: number): void {
    const inFlightBefore = this.inFlight;
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.#lastActivityAt = now;
    if (isRefusal(report.status)) {
      this.#refused(report.retryAfterMs, grantedAt >= this.#lastRefusalAt, inFlightBefore, now);
    } else if (report.status !== null) {
      // A real answer: the host is coping again. (No answer at all says nothing about load.)
      this.#pausesInARow = 0;
      if (this.#adaptiveLimit !== undefined) this.#grow(inFlightBefore);
    }
  }

  /**
   * A 429/503 to an attempt that never asked for a grant: the host's first
   * refusal in a run without limit flags, or an echo from an attempt that was
   * already on its way when the host was first slowed down. How many such
   * attempts were in flight is not known here, so the first one drops the
   * host to one attempt at a time (slow start, as TCP after a timeout).
   */
  refusedUngated(report: AttemptReport, now: number): void {
    this.#lastActivityAt = now;
    const first = this.#lastRefusalAt === -Infinity;
    this.#refused(report.retryAfterMs, first, this.inFlight, now);
    if (first) this.#slowStart = true;
  }

  /**
   * Nothing in flight or waiting, never refused, its bucket full: a fresh state would say all this one says, so it
   * need not wait out the quiet time to be dropped. Each host of a list of distinct hosts (each asked once) was kept
   * 10-20 s: at 5,000 a second under --per-host-concurrency, 160 MiB of parent for 200,000 hosts.
   */
  isFresh(now: number): boolean {
    return this.#lastRefusalAt === -Infinity && this.isForgettable(now, 0);
  }

  /** Nothing in flight, nothing waiting, nothing remembered that a fresh state would not also say. */
  isForgettable(now: number, quietMs: number): boolean {
    return (
      this.inFlight === 0 &&
      this.waiters.length === 0 &&
      now >= this.#pausedUntil &&
      now - this.#lastActivityAt >= quietMs &&
      (this.#bucket?.isFull(now) ?? true)
    );
  }

  #refused(retryAfterMs: number | undefined, fresh: boolean, inFlightBefore: number, now: number): void {
    // A fresh refusal pauses the host while pauses in a row are left; an echo lengthens a pause, and once none are
    // left only the one still running.
    const pausesLeft = this.#pausesInARow < MAX_PAUSES_IN_A_ROW;
    if (retryAfterMs !== undefined && (pausesLeft || (!fresh && now < this.#pausedUntil))) {
      if (fresh) this.#pausesInARow += 1;
      this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.min(retryAfterMs, this.#policy.maxPauseMs));
    }
    if (!fresh) return;
    this.#lastRefusalAt = now;
    this.#adaptiveLimit = Math.max(1, Math.floor(Math.min(this.limit, inFlightBefore) / 2));
    this.#slowStart = false;
    this.#successes = 0;
  }

  /**
   * A success while slowed down. Only one that ended at the limit counts: a
   * limit that was not what held attempts back (fewer were asked for) has
   * not been tried, and growing it would undo the slowdown unseen.
   */
  #grow(inFlightBefore: number): void {
    const limit = this.#adaptiveLimit as number;
    if (inFlightBefore < limit) return;
    if (!this.#slowStart && ++this.#successes < limit) return;
    this.#successes = 0;
    this.#adaptiveLimit = limit + 1 >= this.#policy.concurrency ? undefined : limit + 1;
  }
}
