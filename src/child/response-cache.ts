import { LRUCache } from 'lru-cache';
import { outcomeSize, type FetchOutcome } from '../http/outcome.js';
import type { AttemptRequest } from '../http/send-request.js';

export interface ResponseCacheOptions {
  maxEntries: number;
  maxBytes: number;
  fetch: (request: AttemptRequest) => Promise<FetchOutcome>;
}

export type CacheFetchStatus = 'hit' | 'inflight' | 'miss';

export interface CacheAnswer {
  outcome: FetchOutcome;
  status: CacheFetchStatus;
}

/**
 * Responses by request key, bounded by entries and bytes (lru-cache), plus the
 * requests in flight, so a repeat arriving while the first is in flight waits
 * for it instead of going to the origin again.
 *
 * The coalescing is a plain map of promises rather than lru-cache's fetch():
 * fetch() builds an AbortController, an options object and a promise chain for
 * every miss, which measured as about a tenth of a child's CPU on a list of
 * distinct URLs (every request a miss). The in-flight map is bounded by the
 * child's concurrency window, since every entry is a record being fetched.
 *
 * Only responses are stored. A failure without a response (refused, reset,
 * timeout) is shared with the waiters of that flight, but the next repeat
 * tries again.
 */
export class ResponseCache {
  readonly #cache: LRUCache<string, FetchOutcome>;
  readonly #inFlight = new Map<string, Promise<FetchOutcome>>();
  readonly #fetch: (request: AttemptRequest) => Promise<FetchOutcome>;

  constructor({ maxEntries, maxBytes, fetch }: ResponseCacheOptions) {
    this.#fetch = fetch;
    this.#cache = new LRUCache<string, FetchOutcome>({
      max: maxEntries,
      maxSize: maxBytes,
      // An entry bigger than the whole budget is simply not stored.
      maxEntrySize: maxBytes,
      sizeCalculation: outcomeSize,
    });
  }

  /** Never rejects unless `fetch` does. */
  get(key: string, request: AttemptRequest): CacheAnswer | Promise<CacheAnswer> {
    const stored = this.#cache.get(key);
    if (stored !== undefined) return { outcome: stored, status: 'hit' };
    const flight = this.#inFlight.get(key);
    if (flight !== undefined) return flight.then((outcome) => ({ outcome, status: 'inflight' }));
    const started = this.#fetch(request);
    this.#inFlight.set(key, started);
    return started.then(
      (outcome) => {
        this.#inFlight.delete(key);
        if (outcome.status !== null) this.#cache.set(key, outcome);
        return { outcome, status: 'miss' };
      },
      (error: unknown) => {
        this.#inFlight.delete(key);
        throw error;
      },
    );
  }
}
