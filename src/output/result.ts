import type { RecordError } from '../errors.js';

/**
 * One output line. Field order is fixed (line first: the parent reads the line
 * number straight off the serialized bytes) and documented in the README.
 */
export interface Result {
  /** 1-based input line of the record. */
  line: number;
  /** The record's `id`, when its JSON spec had one. */
  id?: string | number;
  /** Normalized URL requested, or the raw text (cut) of an invalid record. */
  url: string;
  method: string;
  /** Final HTTP status; null when no response arrived. */
  status: number | null;
  /** True for a 2xx status (and no error). */
  ok: boolean;
  /** With --follow: the URL that gave the final response. */
  finalUrl?: string;
  /** With --follow: redirects followed to get there. */
  redirects?: number;
  /** Response headers, lower-case names (absent with --no-headers). */
  headers?: Record<string, string | string[]>;
  /** Parsed JSON, text, base64 text, or null (--body none, no response). */
  body: unknown;
  /** Present and "base64" when `body` is base64-encoded bytes. */
  bodyEncoding?: 'base64';
  /** Present and true when the body was cut at --max-body. */
  truncated?: true;
  /** Body bytes received (after the cut, if any). */
  bytes: number;
  /** Wall time of the record in milliseconds, over all attempts. */
  ms: number;
  /** Requests sent for this record: 0 when served from the cache. */
  attempts: number;
  /** True when answered from the cache or by a request already in flight. */
  cached: boolean;
  error: RecordError | null;
}

/** A record that never became a request (invalid input) or whose request failed without a response. */
export function errorResult(
  fields: { line: number; url: string; method: string; id?: string | number | undefined },
  error: RecordError,
  timing: { ms: number; attempts: number } = { ms: 0, attempts: 0 },
): Result {
  return {
    line: fields.line,
    ...(fields.id !== undefined ? { id: fields.id } : {}),
    url: fields.url,
    method: fields.method,
    status: null,
    ok: false,
    body: null,
    bytes: 0,
    ms: timing.ms,
    attempts: timing.attempts,
    cached: false,
    error,
  };
}

/** One NDJSON line (with its newline). `line` is guaranteed to be the first key. */
export function serializeResult(result: Result): string {
  return `${JSON.stringify(result)}\n`;
}
