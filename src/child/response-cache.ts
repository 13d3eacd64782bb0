import { LRUCache } from 'lru-cache';
import type { RecordError } from '../errors.js';
import type { FetchOutcome } from '../http/outcome.js';
import type { AttemptRequest } from '../http/send-request.js';
import { CacheDirective } from '../wire/messages.js';
import { serializeResponse } from '../wire/result-line.js';

export interface ResponseCacheOptions {
  /** Optional cap on entries (--cache-size). */
  maxEntries?: number | undefined;
  maxBytes: number;
  fetch: (request: AttemptRequest) => Promise<FetchOutcome>;
}

/**
 * A response as the cache keeps it: the serialized response part of the result
 * line (serializeResponse), plus what the child's counters read.
 */
export interface StoredResponse {
  text: string;
  status: number | null;
  error: RecordError | null;
}

export type CacheFetchStatus = 'hit' | 'inflight' | 'miss';

export interface CacheAnswer {
  response: StoredResponse;
  status: CacheFetchStatus;
  /** For a miss: the attempts it took and its wall time. */
  attempts: number;
  ms: number;
}

/** Bytes charged to an entry beyond its text: the key, the entry object and lru-cache's slot. */
const ENTRY_OVERHEAD = 96;

/**
 * Serialized responses by request key, bounded in bytes (lru-cache maxSize),
 * plus the requests in flight, so a repeat arriving while the first is in
 * flight waits for it instead of going to the origin again.
 *
 * What to store and when to drop comes with each task from the parent (see
 * CacheDirective): it knows, from the input, whether the key comes again.
 * Entries are flat strings (one-byte in V8 for ASCII JSON): about their JSON
 * size, where the outcome's object graph (headers object, parsed body) took
 * several times that.
 *
 * The coalescing is a plain map of promises rather than lru-cache's fetch():
 * fetch() builds an AbortController, an options object and a promise chain for
 * every miss. The in-flight map is bounded by the child's concurrency window.
 *
 * Only responses are stored. A failure without a response (refused, reset,
 * timeout) is shared with the waiters of that flight, but the next repeat
 * tries again.
 */
export class ResponseCache {
  readonly #cache: LRUCache<string, StoredResponse>;
  readonly #inFlight = new Map<string, Promise<CacheAnswer>>();
  readonly #fetch: (request: AttemptRequest) => Promise<FetchOutcome>;
  #stored = 0;
  #evictions = 0;
  #peakBytes = 0;

  constructor({ maxEntries, maxBytes, fetch }: ResponseCacheOptions) {
    this.#fetch = fetch;
    this.#cache = new LRUCache<string, StoredResponse>({
      ...(maxEntries !== undefined ? { max: maxEntries } : {}),
      maxSize: maxBytes,
      // An entry bigger than the whole budget is simply not stored.
      maxEntrySize: maxBytes,
      sizeCalculation: (response, key) => charge(response, key),
      dispose: (_response, _key, reason) => {
        if (reason === 'evict') this.#evictions += 1;
      },
    });
  }

  /** Responses stored, entries evicted for room, and the most bytes held at once. */
  get counters(): { stored: number; evictions: number; peakBytes: number } {
    return { stored: this.#stored, evictions: this.#evictions, peakBytes: this.#peakBytes };
  }

  /** Never rejects unless `fetch` does. */
  get(key: string, directive: CacheDirective, request: AttemptRequest): CacheAnswer | Promise<CacheAnswer> {
    const stored = this.#cache.get(key);
    if (stored !== undefined) {
      if (directive === CacheDirective.LAST) this.#cache.delete(key);
      return { response: stored, status: 'hit', attempts: 0, ms: 0 };
    }
    const flight = this.#inFlight.get(key);
    if (flight !== undefined) {
      return flight.then((answer) => {
        if (directive === CacheDirective.LAST) this.#cache.delete(key);
        // The flight may have been started by a record that did not store it (SHARE).
        else if (directive === CacheDirective.KEEP && answer.response.status !== null && !this.#cache.has(key)) this.#store(key, answer.response);
        return { ...answer, status: 'inflight' };
      });
    }
    const started = this.#fetch(request).then(
      (outcome): CacheAnswer => {
        this.#inFlight.delete(key);
        const response: StoredResponse = { text: serializeResponse(request, outcome), status: outcome.status, error: outcome.error };
        if (outcome.status !== null && directive === CacheDirective.KEEP) this.#store(key, response);
        return { response, status: 'miss', attempts: outcome.attempts, ms: outcome.ms };
      },
      (error: unknown) => {
        this.#inFlight.delete(key);
        throw error;
      },
    );
    this.#inFlight.set(key, started);
    return started;
  }

  #store(key: string, response: StoredResponse): void {
    this.#cache.set(key, response);
    if (!this.#cache.has(key)) return;
    this.#stored += 1;
    if (this.#cache.calculatedSize > this.#peakBytes) this.#peakBytes = this.#cache.calculatedSize;
  }
}

/** Bytes an entry is charged: its strings at two bytes a character when they are not one-byte (Latin-1). */
function charge(response: StoredResponse, key: string): number {
  // eslint-disable-next-line no-control-regex
  const wide = /[^\u0000-\u00ff]/.test(response.text) ? 2 : 1;
  return response.text.length * wide + key.length + ENTRY_OVERHEAD;
}
