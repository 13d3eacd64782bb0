import { LRUCache } from 'lru-cache';
import { outcomeSize, type FetchOutcome } from '../http/outcome.js';
import type { AttemptRequest } from '../http/send-request.js';

/** Thrown inside the cache's fetchMethod so that a failure is shared by coalesced waiters but never stored. */
export class UncachedOutcome extends Error {
  constructor(readonly outcome: FetchOutcome) {
    super('uncached outcome');
  }
}

export interface ResponseCacheOptions {
  maxEntries: number;
  maxBytes: number;
  fetch: (request: AttemptRequest) => Promise<FetchOutcome>;
}

export type CacheFetchStatus = 'hit' | 'inflight' | 'miss';

/**
 * lru-cache does the hard parts: bounded by entries and bytes, and its fetch()
 * coalesces concurrent requests for one key, so a repeat arriving while the first
 * is in flight waits for it instead of going to the origin again.
 *
 * Only responses are stored. A failure without a response (refused, reset,
 * timeout) rejects, so its waiters share it but the next repeat tries again.
 */
export class ResponseCache {
  readonly #cache: LRUCache<string, FetchOutcome, AttemptRequest>;

  constructor({ maxEntries, maxBytes, fetch }: ResponseCacheOptions) {
    this.#cache = new LRUCache<string, FetchOutcome, AttemptRequest>({
      max: maxEntries,
      maxSize: maxBytes,
      // An entry bigger than the whole budget is simply not stored.
      maxEntrySize: maxBytes,
      sizeCalculation: outcomeSize,
      fetchMethod: async (_key, _stale, { context }) => {
        const outcome = await fetch(context);
        if (outcome.status === null) throw new UncachedOutcome(outcome);
        return outcome;
      },
    });
  }

  async get(key: string, request: AttemptRequest): Promise<{ outcome: FetchOutcome; status: CacheFetchStatus }> {
    const status: LRUCache.Status<string, FetchOutcome, AttemptRequest> = {};
    try {
      const outcome = await this.#cache.fetch(key, { context: request, status });
      if (outcome === undefined) throw new Error('cache fetch returned nothing');
      return { outcome, status: status.fetch === 'miss' ? 'miss' : status.fetch === 'inflight' ? 'inflight' : 'hit' };
    } catch (error) {
      if (error instanceof UncachedOutcome) {
        return { outcome: error.outcome, status: status.fetch === 'inflight' ? 'inflight' : 'miss' };
      }
      throw error;
    }
  }
}
