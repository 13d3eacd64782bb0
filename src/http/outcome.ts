import type { RecordError } from '../errors.js';

/** A body that is JSON: the server's own text, minified, written into the line as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A body as the line carries it: JSON text spliced in as it is, a string (text,
 * base64, or JSON text too deep to splice), or null (--body none, no response).
 */
export type Body = JsonText | string | null;

/**
 * How `body` must be read: absent for JSON and text, "base64" for bytes, "json-text" for a string of deep
 * JSON, "text" for a string of the text of a body its JSON content type belies (not JSON, or cut short).
 */
export type BodyEncoding = 'base64' | 'json-text' | 'text';

/**
 * What fetching a request produced, independent of which record asked for it:
 * the part that the cache shares between repeats.
 */
export interface FetchOutcome {
  status: number | null;
  headers?: Record<string, string | string[]>;
  body: Body;
  bodyEncoding?: BodyEncoding;
  truncated?: true;
  /** Trailer fields that came after the body (chunked HTTP/1.1, HTTP/2), shaped as headers are; shown when headers are. */
  trailers?: Record<string, string | string[]>;
  /** With --save: the file the body was saved to, and its SHA-256 (hex). */
  file?: string;
  sha256?: string;
  bytes: number;
  attempts: number;
  /** Time spent fetching, over all attempts. */
  ms: number;
  error: RecordError | null;
  /** With --follow: the URL that gave the final response, the method sent to it (a 301/302/303 may turn POST into GET), and how many redirects led there. */
  finalUrl?: string;
  finalMethod?: string;
  redirects?: number;
  /** Internal: a redirect's target, set only when following redirects (never in the output). */
  location?: string;
  /** Internal: a redirect response's Set-Cookie fields, for `-b ''` (never in the output). */
  setCookies?: string[];
  /** Internal: the server's Retry-After on a retryable status, in ms (never in the output). */
  retryAfterMs?: number;
  /**
   * Internal: the attempt went out on a kept-alive connection that the server
   * closed before a byte of its answer came, or its HTTP/2 stream was refused
   * unprocessed (never in the output). curl sends such a request again at
   * once on a new connection, whatever its method. 'goaway': its HTTP/2
   * session ended by a GOAWAY, which undici 7 applies to every stream in
   * flight, those the server counts as processed too (it does not read the
   * GOAWAY's last stream id): sent again only if it may be sent twice. A
   * GOAWAY naming no stream processed (last id 0) is a plain `true`.
   */
  staleConnection?: true | 'goaway';
  /** Internal: with staleConnection, the connection had carried one answer only (stale-connection.ts, closedAfterOneAnswer). */
  closedAfterOneAnswer?: true;
  /** Internal: failed before undici had a connection for it (--timeout while connecting): nothing went out (never in the output). */
  neverSent?: true;
  /**
   * Internal: refused with 429 as an attempt that asked no gate, sent before
   * its host was known to refuse, and the host slowed down for it (never in
   * the output). Its retry is not one of --retries: the record did nothing a
   * retry should be charged for.
   */
  refusedUngated?: true;
  /**
   * Internal: an https server turned away HTTP/1.1, the only protocol ALPN
   * offered (never in the output): 'unsent' when it refused the handshake
   * (alert 120, no_application_protocol), 'unanswered' when it closed the
   * connection without a byte of answer, as servers that speak only HTTP/2
   * do (see Http2Fallback).
   */
  refusedHttp1?: 'unsent' | 'unanswered';
  /** Internal: the record was sent again with h2 offered, its origin having turned HTTP/1.1 away (counted apart from retries; never in the output). */
  http2Resent?: 1;
  /**
   * Internal: the times the record went again at once, unanswered on a connection the server had closed or
   * on an HTTP/2 stream it refused unprocessed (not one of --retries; counted apart, never in the output).
   */
  resent?: number;
}

/** Milliseconds since `started` (a performance.now() reading), to a tenth: the output's `ms`. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
