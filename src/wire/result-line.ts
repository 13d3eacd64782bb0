/**
 * The result line: one JSON object per record, the format on stdout and on the
 * pipe from each child to the parent. Building, writing and reading it live
 * here together, so the byte-level readers below cannot drift from the writer.
 */
import type { RecordError } from '../errors.js';
import { JsonText, type BodyEncoding, type FetchOutcome } from '../http/outcome.js';
import type { RequestSpec } from '../input/request-spec.js';
import { terminalSafe } from './terminal-safe.js';

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
  /** With --follow: the method sent last (a 301/302/303 may have turned POST into GET). */
  finalMethod?: string;
  /** With --follow: redirects followed to get there. */
  redirects?: number;
  /** Response headers, lower-case names (absent with --no-headers). */
  headers?: Record<string, string | string[]>;
  /**
   * JSON (in the line: the server's own JSON text, minified), text, base64 text,
   * or null (--body none, no response). Built by resultOf, a JSON body is a
   * JsonText until serializeResult writes it.
   */
  body: unknown;
  /** "base64" when `body` is base64-encoded bytes; "json-text" when it is a string of JSON nested too deep; "text" when a JSON type's body is not JSON (or was cut), as its text. */
  bodyEncoding?: BodyEncoding;
  /** Present and true when the body was cut at --max-body. */
  truncated?: true;
  /** With --save, for a 2xx response: the file holding the body (then `body` is null), and its SHA-256 in hex. */
  file?: string;
  sha256?: string;
  /** Trailer fields sent after the body (chunked HTTP/1.1, HTTP/2), lower-case names; only when there were any and headers are shown. */
  trailers?: Record<string, string | string[]>;
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

/**
 * A result as it is written: a numeric id that a JavaScript number holds only
 * approximately keeps its own text (RequestSpec.idText) for the line.
 */
export type ExactResult = Result & Pick<RequestSpec, 'idText'>;

/** A record that never became a request (invalid input, or answered by the parent for a child). */
export function errorResult(fields: { line: number; url: string; method: string; id?: string | number | undefined; idText?: string | undefined }, error: RecordError): ExactResult {
  return {
    line: fields.line,
    ...(fields.id !== undefined ? { id: fields.id } : {}),
    ...(fields.idText !== undefined ? { idText: fields.idText } : {}),
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
 * Built by assignment, not by spreading optional parts: V8 clones each spread object through a
 * generic path, and with outcomes of many shapes that cost 3 µs a record, a twentieth of a child's
 * CPU (bench/CHANGELOG.md, entry 87). Key order is the line's, though nothing reads it: the line is
 * written by rawResultLine field by field.
 */
export function resultOf(spec: RequestSpec, outcome: FetchOutcome, cached: boolean, ms: number): ExactResult {
  const result = { line: spec.line } as ExactResult;
  if (spec.id !== undefined) result.id = spec.id;
  if (spec.idText !== undefined) result.idText = spec.idText;
  result.url = spec.url;
  result.method = spec.method;
  result.status = outcome.status;
  result.ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
  if (outcome.finalUrl !== undefined) {
    result.finalUrl = outcome.finalUrl;
    result.finalMethod = outcome.finalMethod ?? spec.method;
    result.redirects = outcome.redirects ?? 0;
  }
  if (outcome.headers) result.headers = outcome.headers;
  result.body = outcome.body;
  if (outcome.bodyEncoding) result.bodyEncoding = outcome.bodyEncoding;
  if (outcome.truncated) result.truncated = true;
  if (outcome.file !== undefined) {
    result.file = outcome.file;
    result.sha256 = outcome.sha256 as string;
  }
  if (outcome.trailers) result.trailers = outcome.trailers;
  result.bytes = outcome.bytes;
  result.ms = ms;
  result.attempts = cached ? 0 : outcome.attempts;
  result.cached = cached;
  result.error = outcome.error;
  return result;
}

/** One NDJSON line (with its newline), safe for a terminal. `line` is the first key, `error` the last. */
export function serializeResult(result: ExactResult): string {
  return terminalSafe(rawResultLine(result));
}

/**
 * serializeResult's line before terminalSafe: a child's lines, whose writer
 * escapes each batch of them at once (child/main.ts). Per line, the scan first
 * flattened the line's pieces into one string that the batch's join then copied
 * again: a microsecond a record (bench/CHANGELOG.md, entry 87).
 */
export function rawResultLine(result: ExactResult): string {
  return `${lineHead(result)}${renderResponse(result)}${lineTail(result.ms, result.attempts, result.cached, JSON.stringify(result.error))}`;
}

/**
 * The part of a result line that depends only on the response, serialized once
 * so the cache can keep it as compact bytes (a flat string rather than the
 * outcome's object graph) and every repeat writes it without serializing again.
 * The text is renderResponse()'s (`status` to `bytes`), a newline (never inside
 * JSON), then the `error` value. lineFromResponse() puts a line together from
 * it; the two give exactly the bytes of rawResultLine(resultOf(...)).
 *
 * `spec` is the record that fetched it: with --follow and no method change
 * recorded, its method is the final one (as in resultOf). Repeats share the
 * request key, so the method too.
 */
export function serializeResponse(spec: Pick<RequestSpec, 'method'>, outcome: FetchOutcome): string {
  const response: ResponseFields = outcome.finalUrl !== undefined && outcome.finalMethod === undefined ? { ...outcome, finalMethod: spec.method } : outcome;
  return `${renderResponse(response)}\n${JSON.stringify(outcome.error)}`;
}

/** A whole result line (with its newline) for `spec` from a serializeResponse() text; raw, as rawResultLine's. */
export function lineFromResponse(spec: RequestSpec, response: string, cached: boolean, ms: number, attempts: number): string {
  const split = response.indexOf('\n');
  return `${lineHead(spec)}${response.slice(0, split)}${lineTail(ms, cached ? 0 : attempts, cached, response.slice(split + 1))}`;
}

/** A line's record fields, `{"line":N` to `"method":...,`, before the response part. */
function lineHead(record: Pick<ExactResult, 'line' | 'id' | 'idText' | 'url' | 'method'>): string {
  const id = record.idText !== undefined ? `,"id":${record.idText}` : record.id === undefined ? '' : `,"id":${JSON.stringify(record.id)}`;
  return `{"line":${record.line}${id},"url":${JSON.stringify(record.url)},"method":${JSON.stringify(record.method)},`;
}

/** A line's end after the response part: timing, then `error` (already JSON) last, and the newline. */
function lineTail(ms: number, attempts: number, cached: boolean, errorJson: string): string {
  return `,"ms":${ms},"attempts":${attempts},"cached":${cached},"error":${errorJson}}\n`;
}

/** The fields of a line that describe the response, from `status` to `bytes`, in line order. */
export type ResponseFields = Pick<FetchOutcome, 'status' | 'finalUrl' | 'finalMethod' | 'redirects' | 'headers' | 'bodyEncoding' | 'truncated' | 'file' | 'sha256' | 'trailers' | 'bytes'> & { body: unknown };

/**
 * The response part of a line, `"status":...` to `"bytes":N` without braces: the
 * same for every record answered by one response, so it is rendered once and
 * reused (serializeResult for a fresh result, serializeResponse for the cache's
 * stored fragments). A JSON body is spliced in as the server's text, never re-serialized.
 */
export function renderResponse(response: ResponseFields): string {
  const { status, body } = response;
  const ok = status !== null && status >= 200 && status < 300;
  let text = `"status":${status},"ok":${ok}`;
  if (response.finalUrl !== undefined) {
    text += `,"finalUrl":${JSON.stringify(response.finalUrl)},"finalMethod":${JSON.stringify(response.finalMethod)},"redirects":${response.redirects ?? 0}`;
  }
  if (response.headers) text += `,"headers":${JSON.stringify(response.headers)}`;
  text += `,"body":${body instanceof JsonText ? body.text : JSON.stringify(body ?? null)}`;
  if (response.bodyEncoding) text += `,"bodyEncoding":"${response.bodyEncoding}"`;
  if (response.truncated) text += ',"truncated":true';
  if (response.file !== undefined) text += `,"file":${JSON.stringify(response.file)},"sha256":"${response.sha256}"`;
  if (response.trailers) text += `,"trailers":${JSON.stringify(response.trailers)}`;
  return `${text},"bytes":${response.bytes}`;
}

/** Every result line starts with these bytes, then the record number. */
const LINE_PREFIX = Buffer.from('{"line":');
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
