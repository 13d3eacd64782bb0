/**
 * A token bucket: `rate` tokens a second, holding at most `capacity`. Over any
 * window of T ms it hands out at most capacity + rate * T / 1000 tokens, which
 * is the guarantee the README states for --rate and --per-host-rate.
 */
export class TokenBucket {
  readonly rate: number;
  readonly capacity: number;
  #tokens: number;
  #updatedAt: number;

  constructor(rate: number, capacity: number, now: number) {
    this.rate = rate;
    this.capacity = capacity;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** 0 when a token can be taken at `now`, else the ms until one can. */
  msUntilToken(now: number): number {
    this.#refill(now);
    // The epsilon absorbs float error, so a timer set for exactly this wait finds its token.
    return this.#tokens >= 1 - 1e-9 ? 0 : ((1 - this.#tokens) * 1000) / this.rate;
  }

  /** Takes one token; call only after msUntilToken(now) returned 0. */
  take(now: number): void {
    this.#refill(now);
    this.#tokens = Math.max(0, this.#tokens - 1);
  }

  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.capacity - 1e-9;
  }

  #refill(now: number): void {
    if (now <= this.#updatedAt) return;
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#updatedAt) * this.rate) / 1000);
    this.#updatedAt = now;
  }
}

/**
 * The burst a rate allows: 50 ms worth of tokens, at least one. Large enough
 * that a timer firing a few ms late loses no throughput at high rates, small
 * enough that the server never sees more than 5% over the rate in a second.
 */
export function burstFor(rate: number): number {
  return Math.max(1, Math.ceil(rate / 20));
}
