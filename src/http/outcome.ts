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
  /** The response's Retry-After, in ms, when it had one (politeness limits, retries). */
  retryAfterMs?: number;
}

/** Approximate bytes an outcome holds, for the cache's byte bound. */
export function outcomeSize(outcome: FetchOutcome): number {
  let size = 256 + outcome.bytes * (outcome.bodyEncoding === 'base64' ? 1.34 : 1);
  if (outcome.headers) for (const [name, value] of Object.entries(outcome.headers)) size += name.length + String(value).length + 32;
  return Math.ceil(size);
}
