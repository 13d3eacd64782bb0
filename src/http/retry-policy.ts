import { RecordErrorCode } from '../errors.js';
import type { FetchOutcome } from './outcome.js';
import { parseHttpDate } from './http-date.js';

/** Statuses that say "try again later": timeouts, too early, too many requests, and transient 5xx. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Failures without a response that a new connection may well not repeat. */
const RETRY_ERRORS: ReadonlySet<string> = new Set([
  RecordErrorCode.CONNECTION_REFUSED,
  RecordErrorCode.CONNECTION_RESET,
  RecordErrorCode.SOCKET_CLOSED,
  RecordErrorCode.CONNECT_TIMEOUT,
  RecordErrorCode.TIMEOUT,
  RecordErrorCode.DNS_TEMPORARY,
]);

/**
 * Failures before the request left: no connection was made (refused, not made in time, the name not
 * found for now). Retried whatever the method, as curl's --retry-connrefused does: the server never saw it.
 */
const NEVER_SENT_ERRORS: ReadonlySet<string> = new Set([RecordErrorCode.CONNECTION_REFUSED, RecordErrorCode.CONNECT_TIMEOUT, RecordErrorCode.DNS_TEMPORARY]);

/** RFC 9110 idempotent methods: sending one twice does no more than sending it once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

export interface RetryOptions {
  retries: number;
  /** Backoff base in ms. */
  retryDelay: number;
  /** Cap on any single wait in ms. */
  retryMaxDelay: number;
  retryAllMethods: boolean;
}

/**
 * How long to wait before retry number `retry` (1-based), or undefined when the
 * outcome must not be retried. Retry-After, when the server sent it, is the
 * wait (capped); otherwise exponential backoff with full jitter: a uniform
 * random wait in [0, min(cap, base x 2^(retry-1))), which spreads clients out
 * instead of having them all come back at the same instant.
 */
export function retryDelay(outcome: FetchOutcome, method: string, retry: number, options: RetryOptions, random: () => number = Math.random): number | undefined {
  if (retry > options.retries) return undefined;
  const retryable = outcome.status === null ? outcome.error !== null && RETRY_ERRORS.has(outcome.error.code) : RETRY_STATUSES.has(outcome.status);
  if (!retryable) return undefined;
  const neverSent = outcome.neverSent === true || (outcome.status === null && outcome.error !== null && NEVER_SENT_ERRORS.has(outcome.error.code));
  if (!neverSent && !options.retryAllMethods && !isIdempotent(method)) return undefined;
  if (outcome.retryAfterMs !== undefined) return Math.min(outcome.retryAfterMs, options.retryMaxDelay);
  const ceiling = Math.min(options.retryMaxDelay, options.retryDelay * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = parseHttpDate(text, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}
