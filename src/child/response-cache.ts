import { LRUCache } from 'lru-cache';
import { RecordErrorCode, type RecordError } from '../errors.js';
import type { FetchOutcome } from '../http/outcome.js';
import type { AttemptRequest } from '../http/send-request.js';
import { CacheDirective, MAX_COUNTED_USES } from '../wire/messages.js';
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

/**
 * Whether an answer is one to keep for the request's repeats: any the server
 * gave, and any failure to get one (refused, timed out, reset: each repeat would
 * be fetched again otherwise, a new flight every window of records), but not
 * what the stop made of it (not sent, aborted in flight), which --resume sends again.
 */
function keepsForRepeats(response: { status: number | null; error: RecordError | null | undefined }): boolean {
  if (response.status !== null) return true;
  const code = response.error?.code;
  return code !== undefined && code !== RecordErrorCode.ABORTED && code !== RecordErrorCode.NOT_SENT;
}

export interface CacheAnswer {
  response: StoredResponse;
  status: CacheFetchStatus;
  /** For a miss: the attempts it took (redirect hops among them) and its wall time. */
  attempts: number;
  redirects: number;
  /** 1 when the miss was sent again with h2 offered (see FetchOutcome.http2Resent). */
  http2Resent?: 1;
  /** Times the miss went again unprocessed (see FetchOutcome.resent). */
  resent?: number;
  ms: number;
}

/** Bytes charged to an entry beyond its text: the key, the entry object and lru-cache's slot. */
const ENTRY_OVERHEAD = 96;
/** Ranks of entries: the parent's count of the request's later uses, 0 where nothing was counted. */
const RANKS = MAX_COUNTED_USES + 1;

/**
 * Serialized responses by request key, bounded in bytes, plus the requests in
 * flight, so a repeat arriving while the first is in flight waits for it
 * instead of going to the origin again.
 *
 * What to store and when to drop comes with each task from the parent (see
 * CacheDirective): it knows, from the input, whether the key comes again.
 * Entries are flat strings (one-byte in V8 for ASCII JSON): about their JSON
 * size, where the outcome's object graph (headers object, parsed body) took
 * several times that.
 *
 * Which entry leaves when the budget is full: where the parent counted the
 * file, each entry is ranked by the uses its request has ahead, and the lowest
 * rank goes first, least recently used first within a rank (each rank is an
 * lru-cache). That approximates dropping the entry needed furthest in the
 * future: in a shuffled list a request with r uses left among n lines comes
 * back after about n / (r + 1) of them. Without counts (a stream, --cache on)
 * every entry has rank 0 and this is plain LRU.
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
  /** By rank; the byte budget and --cache-size hold across all of them (#makeRoom). */
  readonly #ranks: LRUCache<string, StoredResponse>[];
  readonly #inFlight = new Map<string, Promise<CacheAnswer>>();
  readonly #fetch: (request: AttemptRequest) => Promise<FetchOutcome>;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  #stored = 0;
  #evictions = 0;
  #peakBytes = 0;

  constructor({ maxEntries, maxBytes, fetch }: ResponseCacheOptions) {
    this.#fetch = fetch;
    this.#maxBytes = maxBytes;
    this.#maxEntries = maxEntries ?? Infinity;
    this.#ranks = Array.from(
      { length: RANKS },
      () =>
        new LRUCache<string, StoredResponse>({
          // Each rank alone stays within the budget; #makeRoom keeps them all within it.
          maxSize: maxBytes,
          // An entry bigger than the whole budget is simply not stored.
          maxEntrySize: maxBytes,
          sizeCalculation: (response, key) => charge(response, key),
          dispose: (_response, _key, reason) => {
            if (reason === 'evict') this.#evictions += 1;
          },
        }),
    );
  }

  /** Responses stored, entries evicted for room, and the most bytes held at once. */
  get counters(): { stored: number; evictions: number; peakBytes: number } {
    return { stored: this.#stored, evictions: this.#evictions, peakBytes: this.#peakBytes };
  }

  /**
   * `uses`: the later uses of this request the parent counted (0: not counted).
   * Never rejects unless `fetch` does.
   */
  get(key: string, directive: CacheDirective, uses: number, request: AttemptRequest): CacheAnswer | Promise<CacheAnswer> {
    // Counts only fall as a request is used: it was put one use ago at `uses` + 1 (a last use: at 1).
    const likely = directive === CacheDirective.LAST ? 1 : uses === 0 ? 0 : Math.min(uses + 1, MAX_COUNTED_USES);
    const rank = this.#rankOf(key, likely);
    if (rank >= 0) {
      const stored = this.#ranks[rank]!.get(key) as StoredResponse;
      this.#used(key, stored, rank, directive, uses);
      return { response: stored, status: 'hit', attempts: 0, redirects: 0, ms: 0 };
    }
    const flight = this.#inFlight.get(key);
    if (flight !== undefined) {
      return flight.then((answer) => {
        const now = this.#rankOf(key, likely);
        if (now >= 0) this.#used(key, answer.response, now, directive, uses);
        // The flight may have been started by a record that did not store it (SHARE).
        else if (directive === CacheDirective.KEEP && keepsForRepeats(answer.response)) this.#store(key, answer.response, uses);
        return { ...answer, status: 'inflight' };
      });
    }
    const started = this.#fetch(request).then(
      (outcome): CacheAnswer => {
        this.#inFlight.delete(key);
        const response: StoredResponse = { text: serializeResponse(request, outcome), status: outcome.status, error: outcome.error };
        if (directive === CacheDirective.KEEP && keepsForRepeats(response)) this.#store(key, response, uses);
        return { response, status: 'miss', attempts: outcome.attempts, redirects: outcome.redirects ?? 0, ...(outcome.http2Resent ? { http2Resent: outcome.http2Resent } : {}), ...(outcome.resent ? { resent: outcome.resent } : {}), ms: outcome.ms };
      },
      (error: unknown) => {
        this.#inFlight.delete(key);
        throw error;
      },
    );
    this.#inFlight.set(key, started);
    return started;
  }

  /** The rank holding `key`, or -1: `first` is looked in first, then the others. */
  #rankOf(key: string, first: number): number {
    for (let i = 0; i < RANKS; i++) {
      const rank = (first + i) % RANKS;
      const entries = this.#ranks[rank]!;
      if (entries.size !== 0 && entries.has(key)) return rank;
    }
    return -1;
  }

  /**
   * A stored entry (at `rank`) was used: dropped at its request's last use,
   * else moved to the rank of the uses it has left, where they were counted
   * (same bytes: no room to make).
   */
  #used(key: string, response: StoredResponse, rank: number, directive: CacheDirective, uses: number): void {
    if (directive === CacheDirective.LAST) this.#ranks[rank]!.delete(key);
    else if (uses > 0 && uses !== rank) {
      this.#ranks[rank]!.delete(key);
      this.#ranks[uses]!.set(key, response);
    }
  }

  #store(key: string, response: StoredResponse, uses: number): void {
    const entries = this.#ranks[uses]!;
    entries.set(key, response);
    if (!entries.has(key)) return;
    this.#stored += 1;
    const bytes = this.#makeRoom();
    if (bytes > this.#peakBytes) this.#peakBytes = bytes;
  }

  /** Evicts from the lowest non-empty rank until every rank together fits the budget; returns the bytes then held. */
  #makeRoom(): number {
    let bytes = this.#bytes();
    let entries = this.#entries();
    for (let rank = 0; rank < RANKS && (bytes > this.#maxBytes || entries > this.#maxEntries); ) {
      const lowest = this.#ranks[rank]!;
      if (lowest.size === 0) {
        rank += 1;
        continue;
      }
      const before = lowest.calculatedSize;
      lowest.pop();
      bytes -= before - lowest.calculatedSize;
      entries -= 1;
    }
    return bytes;
  }

  #bytes(): number {
    let bytes = 0;
    for (const entries of this.#ranks) bytes += entries.calculatedSize;
    return bytes;
  }

  #entries(): number {
    let n = 0;
    for (const entries of this.#ranks) n += entries.size;
    return n;
  }
}

/** Bytes an entry is charged: its strings at two bytes a character when they are not one-byte (Latin-1). */
function charge(response: StoredResponse, key: string): number {
  // eslint-disable-next-line no-control-regex
  const wide = /[^\u0000-\u00ff]/.test(response.text) ? 2 : 1;
  return response.text.length * wide + key.length + ENTRY_OVERHEAD;
}
