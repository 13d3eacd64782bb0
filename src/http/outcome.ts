import type { RecordError } from '../errors.js';

/**
 * What fetching a request produced, independent of which record asked for it:
 * the part that the cache shares between repeats.
 */
export interface FetchOutcome {
  status: number | null;
  headers?: Record<string, string | string[]>;
  body: unknown;
  bodyEncoding?: 'base64';
  truncated?: true;
  bytes: number;
  attempts: number;
  /** Time spent fetching, over all attempts. */
  ms: number;
  error: RecordError | null;
  /** With --follow: the URL that gave the final response, and how many redirects led there. */
  finalUrl?: string;
  redirects?: number;
  /** Internal: a redirect's target, set only when following redirects (never in the output). */
  location?: string;
  /** Internal: the server's Retry-After on a retryable status, in ms (never in the output). */
  retryAfterMs?: number;
}

/** Approximate bytes an outcome holds, for the cache's byte bound. */
export function outcomeSize(outcome: FetchOutcome): number {
  let size = 256 + outcome.bytes * (outcome.bodyEncoding === 'base64' ? 1.34 : 1);
  if (outcome.headers) for (const [name, value] of Object.entries(outcome.headers)) size += name.length + String(value).length + 32;
  return Math.ceil(size);
}

/** Milliseconds since `started` (a performance.now() reading), to a tenth: the output's `ms`. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
