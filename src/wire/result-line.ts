/**
 * The result line: one JSON object per record, the format on stdout and on the
 * pipe from each child to the parent. Building, writing and reading it live
 * here together, so the byte-level readers below cannot drift from the writer.
 */
import type { RecordError } from '../errors.js';
import type { FetchOutcome } from '../http/outcome.js';
import type { RequestSpec } from '../input/request-spec.js';

/**
 * One output line. Field order is fixed (line first: the parent reads the line
 * number straight off the serialized bytes; error last: errors are counted by
 * the line's last bytes) and documented in the README.
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

/** A record that never became a request (invalid input, or answered by the parent for a child). */
export function errorResult(fields: { line: number; url: string; method: string; id?: string | number | undefined }, error: RecordError): Result {
  return {
    line: fields.line,
    ...(fields.id !== undefined ? { id: fields.id } : {}),
    url: fields.url,
    method: fields.method,
    status: null,
    ok: false,
    body: null,
    bytes: 0,
    ms: 0,
    attempts: 0,
    cached: false,
    error,
  };
}

/**
 * The record's answer from what fetching its request produced (shared by repeats through the cache).
 * Built field by field in the output's order: conditional spreads cost more per record than the
 * whole JSON.stringify of the result.
 */
export function resultOf(spec: RequestSpec, outcome: FetchOutcome, cached: boolean, ms: number): Result {
  const status = outcome.status;
  const result = { line: spec.line } as Result;
  if (spec.id !== undefined) result.id = spec.id;
  result.url = spec.url;
  result.method = spec.method;
  result.status = status;
  result.ok = status !== null && status >= 200 && status < 300;
  if (outcome.finalUrl !== undefined) {
    result.finalUrl = outcome.finalUrl;
    result.redirects = outcome.redirects ?? 0;
  }
  if (outcome.headers) result.headers = outcome.headers;
  result.body = outcome.body;
  if (outcome.bodyEncoding) result.bodyEncoding = outcome.bodyEncoding;
  if (outcome.truncated) result.truncated = true;
  result.bytes = outcome.bytes;
  result.ms = ms;
  result.attempts = cached ? 0 : outcome.attempts;
  result.cached = cached;
  result.error = outcome.error;
  return result;
}

/** One NDJSON line (with its newline). `line` is guaranteed to be the first key. */
export function serializeResult(result: Result): string {
  return `${JSON.stringify(result)}\n`;
}

/** Every result line starts with these bytes, then the record number. */
export const LINE_PREFIX = Buffer.from('{"line":');
const NEWLINE = 0x0a;

/** The record number N of the result line starting at `start` (`{"line":N,`); trusts the bytes. */
export function readLineNumber(buf: Buffer, start: number): number {
  let i = start + LINE_PREFIX.length;
  let n = 0;
  for (let c = buf[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = buf[++i]) n = n * 10 + (c - 0x30);
  return n;
}

/** The record number of a line's first bytes, or undefined when they are not a result line's (a foreign file). */
export function parseLineNumber(head: Buffer): number | undefined {
  if (!head.subarray(0, LINE_PREFIX.length).equals(LINE_PREFIX)) return undefined;
  const digits = /^(\d+)[,}]/.exec(head.subarray(LINE_PREFIX.length).toString('latin1'));
  return digits ? Number(digits[1]) : undefined;
}

const NO_ERROR_END = Buffer.from('"error":null}\n');

/**
 * Counts the lines in `lines` (whole result lines) whose `error` is not null.
 * `error` is always the last field, so a line without one ends in
 * `"error":null}`: a byte compare per line, no JSON parse.
 */
export function countErrorLines(lines: Buffer): number {
  let errors = 0;
  let end = lines.indexOf(NEWLINE);
  while (end !== -1) {
    const tail = end + 1 - NO_ERROR_END.length;
    if (tail < 0 || lines.compare(NO_ERROR_END, 0, NO_ERROR_END.length, tail, end + 1) !== 0) errors += 1;
    end = lines.indexOf(NEWLINE, end + 1);
  }
  return errors;
}
