import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type * as Undici from 'undici';
import { InformationalError, RequestAbortedError } from 'undici/lib/core/errors.js';
import * as undiciSymbols from 'undici/lib/core/symbols.js';
import { errorRequest } from 'undici/lib/core/util.js';
import { kBodyTimeout, kHTTP2Session, kHTTPContext, kHeadersTimeout, kOnError, kReset, kSocket } from 'undici/lib/core/symbols.js';

// Read once, those read several times a request: the child's bundle reaches a CommonJS module's exports through
// a getter at each use (about 1 µs a request, where these were read a dozen times).
const kPendingIdx: typeof undiciSymbols.kPendingIdx = undiciSymbols.kPendingIdx;
const kQueue: typeof undiciSymbols.kQueue = undiciSymbols.kQueue;
const kResume: typeof undiciSymbols.kResume = undiciSymbols.kResume;
const kRunningIdx: typeof undiciSymbols.kRunningIdx = undiciSymbols.kRunningIdx;
const kUrl: typeof undiciSymbols.kUrl = undiciSymbols.kUrl;

/** What undici's h2 client hands a request's handler, and what it knows of the request (lib/core/request.js). */
interface UndiciRequest {
  method: string;
  path: string;
  host?: string | null;
  headers: unknown[];
  body: unknown;
  upgrade?: string | null;
  expectContinue?: boolean;
  signal?: unknown;
  headersTimeout?: number | null;
  bodyTimeout?: number | null;
  aborted: boolean;
  completed: boolean;
  onConnect(abort: (error?: Error) => void): void;
  onRequestSent(): void;
  onResponseStarted(): void;
  onHeaders(statusCode: number, rawHeaders: unknown[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: unknown): void;
  onError(error: Error): void;
}

/** An undici client as this module reaches into it (client.js, client-h2.js). */
type H2Client = Undici.Client & Record<symbol, unknown> & { [kResume](): void; [kOnError](error: Error): void };

/** What undici's h2 context offers the client: write is what this module takes the place of, for most requests. */
interface H2Context {
  write(request: UndiciRequest): boolean;
}

/**
 * Opens a stream on the session as h2-session.ts prepares each. `lean` true: the response's headers are left as
 * node:http2 gives them, and the stream's close is told to the session by its caller (`streamClosed`).
 */
export type OpenStream = (headers: OutgoingHttpHeaders, options: { endStream: boolean }, lean: true) => ClientHttp2Stream;

/**
 * Writes a plain GET or HEAD (no body, no upgrade, no 100-continue) on the client's h2 session with less work a
 * stream than undici's h2 client does, and hands the request's handler the same calls (client-h2.js writeH2):
 * undici's took about 30 % more CPU a request than a dispatcher of our own on node:http2 (bench/CHANGELOG.md,
 * entry 82), and made --http2 cost more than HTTP/1.1. What it spends and this does not:
 * - the response's headers copied with an object rest, made bytes (a Buffer a name and a value), and made strings
 *   again by the handler (undici's parseHeaders): here the latin1 strings node:http2 gives go as they are, the
 *   strings HTTP/1.1's handler gets from its bytes (so h2-response-stream.ts need not make them bytes first);
 * - nine listeners a stream, most of them `once` wrappers, and two stream timers: here six plain listeners that
 *   every stream shares (and 'data' once the response came), and no timer (the agent sets no headers or body
 *   timeout: --timeout is bulkfetch's own).
 * Every other request, and every client with timeouts, goes through undici's own write. `streamClosed` is the
 * session's count of its open streams, told of each close. Returns whether the client's plain requests are
 * written here: false when undici's client is not as this module knows it.
 */
export function writeLeanly(client: Undici.Client, open: OpenStream, streamClosed: () => void): boolean {
  const owner = client as H2Client;
  const context = owner[kHTTPContext] as H2Context | null | undefined;
  const session = owner[kHTTP2Session] as ClientHttp2Session | null | undefined;
  // undici's count of the streams open on the session, by which it lets the session go unreferenced when none is.
  const openStreams = session ? Object.getOwnPropertySymbols(session).find((key) => key.description === 'open streams') : undefined;
  if (!context || !session || openStreams === undefined || owner[kHeadersTimeout] !== 0 || owner[kBodyTimeout] !== 0) return false;
  const write = context.write;
  context.write = function leanOrUndiciWrite(this: H2Context, request: UndiciRequest): boolean {
    return plain(request) ? writeRequest(owner, session, openStreams, open, streamClosed, request) : write.call(this, request);
  };
  return true;
}

/** A request this module writes: a GET or HEAD with nothing more to it than headers. */
function plain(request: UndiciRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    request.body == null &&
    request.upgrade == null &&
    !request.expectContinue &&
    request.signal == null &&
    !request.headersTimeout &&
    !request.bodyTimeout
  );
}

function writeRequest(client: H2Client, session: ClientHttp2Session, openStreams: symbol, open: OpenStream, streamClosed: () => void, request: UndiciRequest): boolean {
  const headers = requestHeaders(client, request);
  const lean = new LeanRequest(client, session, openStreams, streamClosed, request);
  try {
    request.onConnect(lean.abort);
  } catch (error) {
    errorRequest(client, request, error as Error);
  }
  if (request.aborted) return false;
  let stream: LeanStream;
  try {
    stream = open(headers, { endStream: true }, true) as LeanStream;
  } catch (error) {
    // No stream: the handler is told, and false has the client drop the request from its queue (a request left
    // there as written would hold a place in it for ever, and the client's close would wait on it).
    lean.abort(error as Error);
    return false;
  }
  const counts = session as unknown as Record<symbol, number | undefined>;
  const streamsBefore = counts[openStreams] ?? 0;
  // Held open while it carries streams: undici lets it go unreferenced when its last stream closes (LeanRequest.close).
  if (streamsBefore === 0) session.ref();
  counts[openStreams] = streamsBefore + 1;
  lean.stream = stream;
  // The listeners are shared, not closures a stream: they find their request on the stream. Each of these events
  // comes once at most, so plain listeners, not `once` wrappers.
  stream[kLean] = lean;
  stream.on('response', onResponse);
  stream.on('end', onEnd);
  stream.on('close', onClose);
  stream.on('error', onError);
  stream.on('frameError', onFrameError);
  stream.on('trailers', onTrailers);
  // A request with no body to send: undici marks the socket so (writeBuffer), and starts what waits.
  (client[kSocket] as Record<symbol, unknown>)[kReset] = true;
  try {
    request.onRequestSent();
    client[kResume]();
  } catch (error) {
    lean.abort(error as Error);
  }
  return true;
}

const kLean = Symbol('bulkfetch.h2LeanRequest');

/** A stream this module opened, and the request it carries. */
type LeanStream = ClientHttp2Stream & { [kLean]: LeanRequest };

/** One request on its stream: what undici's writeH2 does at each of the stream's events. */
class LeanRequest {
  stream: LeanStream | null = null;
  #answered = false;

  constructor(
    private readonly client: H2Client,
    private readonly session: ClientHttp2Session,
    private readonly openStreams: symbol,
    private readonly streamClosed: () => void,
    private readonly request: UndiciRequest,
  ) {}

  /** The request given up (by its handler, or on the stream's error): the stream is reset, the session goes on. */
  readonly abort = (error?: Error): void => {
    const { request, client, stream } = this;
    if (request.aborted || request.completed) return;
    const reason = error ?? new RequestAbortedError();
    errorRequest(client, request, reason);
    if (stream !== null) {
      stream.removeAllListeners('data');
      // Closing sends the RST_STREAM; the session goes on carrying the others.
      stream.close();
      client[kOnError](reason);
      completeRequest(client, request);
      client[kResume]();
    }
  };

  /** The handler's resume, after it paused the body. */
  readonly #resume = (): void => {
    this.stream?.resume();
  };

  response(headers: IncomingHttpHeaders): void {
    const { request } = this;
    const stream = this.stream as LeanStream;
    request.onResponseStarted();
    this.#answered = true;
    if (request.aborted) return;
    if (request.onHeaders(Number(headers[':status']), rawHeaders(headers), this.#resume, '') === false) stream.pause();
    stream.on('data', onData);
  }

  /**
   * Whether the stream's end by an error or a reset is a HEAD's answer come whole: a HEAD's answer is its headers
   * (RFC 9110, 9.3.2), as over HTTP/1.1, where the parser knows it has no body. A server that sends one anyway
   * (nghttpd's 404 page) has nghttp2 end the stream for a PROTOCOL_ERROR once the DATA comes (Node 24's ends the
   * whole connection), which failed the record EPROTOCOL after its answer had come (curl -I fails it too: "was not
   * closed cleanly"). The answer is completed then, not at the headers: a request sent next at the headers went on
   * this session, and down with it on Node 24 (whose session is then let go of at once: h2-detach-session.ts).
   */
  #headAnswered(): boolean {
    const { request, client } = this;
    if (!this.#answered || request.method !== 'HEAD' || request.aborted || request.completed) return false;
    request.onComplete([]);
    completeRequest(client, request);
    client[kResume]();
    return true;
  }

  data(chunk: Buffer): void {
    const { request } = this;
    if (!request.aborted && !request.completed && request.onData(chunk) === false) this.stream?.pause();
  }

  end(): void {
    const { request, client } = this;
    this.stream?.removeAllListeners('data');
    if (this.#answered) {
      if (!request.aborted && !request.completed) request.onComplete([]);
      completeRequest(client, request);
    } else {
      this.abort(new InformationalError('HTTP/2: stream half-closed (remote)'));
      completeRequest(client, request, true);
    }
    client[kResume]();
  }

  close(): void {
    const { request, session, openStreams } = this;
    this.streamClosed();
    this.stream?.removeAllListeners('data');
    const counts = session as unknown as Record<symbol, number | undefined>;
    counts[openStreams] = (counts[openStreams] ?? 1) - 1;
    if (counts[openStreams] === 0) session.unref();
    // A stream can close with neither 'end' nor 'error' (a RST_STREAM with CANCEL before the response).
    if (!request.aborted && !request.completed && !this.#headAnswered()) this.abort(new InformationalError('HTTP/2: stream closed before the response was complete'));
  }

  error(error: Error): void {
    this.stream?.removeAllListeners('data');
    if (!this.#headAnswered()) this.abort(error);
  }

  frameError(type: number, code: number): void {
    this.stream?.removeAllListeners('data');
    if (!this.#headAnswered()) this.abort(new InformationalError(`HTTP/2: "frameError" received - type ${type}, code ${code}`));
  }

  /** node:http2 keeps no trailers on the stream: they are the handler's as they come, before the end. */
  trailers(trailers: IncomingHttpHeaders): void {
    const { request } = this;
    if (request.aborted || request.completed) return;
    this.stream?.removeAllListeners('data');
    request.onComplete(rawHeaders(trailers));
  }
}

function onResponse(this: LeanStream, headers: IncomingHttpHeaders): void {
  this[kLean].response(headers);
}
function onData(this: LeanStream, chunk: Buffer): void {
  this[kLean].data(chunk);
}
function onEnd(this: LeanStream): void {
  this[kLean].end();
}
function onClose(this: LeanStream): void {
  this[kLean].close();
}
function onError(this: LeanStream, error: Error): void {
  this[kLean].error(error);
}
function onFrameError(this: LeanStream, type: number, code: number): void {
  this[kLean].frameError(type, code);
}
function onTrailers(this: LeanStream, trailers: IncomingHttpHeaders): void {
  this[kLean].trailers(trailers);
}

/** The request's headers as undici's h2 client sends them: repeated ones joined, cookies kept apart. */
function requestHeaders(client: H2Client, request: UndiciRequest): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const given = request.headers;
  for (let n = 0; n < given.length; n += 2) {
    const key = given[n] as string;
    const value = given[n + 1] as string | string[];
    if (key === 'cookie') {
      const held = headers[key] as string | string[] | undefined;
      headers[key] = held == null ? value : Array.isArray(held) ? (held.push(value as string), held) : [held, value as string];
    } else if (Array.isArray(value)) {
      for (const each of value) headers[key] = headers[key] ? `${headers[key] as string}, ${each}` : each;
    } else {
      headers[key] = headers[key] ? `${headers[key] as string}, ${value}` : value;
    }
  }
  const { hostname, port } = client[kUrl] as URL;
  headers[':authority'] = request.host || `${hostname}${port ? `:${port}` : ''}`;
  headers[':method'] = request.method;
  headers[':path'] = request.path;
  headers[':scheme'] = 'https';
  return headers;
}

/** A response's headers (or trailers) as a handler's raw list: name, value, name, value (a repeated one's values each). */
function rawHeaders(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const name in headers) {
    if (name === ':status') continue;
    const value = headers[name];
    if (typeof value === 'string') raw.push(name, value);
    else if (Array.isArray(value)) for (const each of value) raw.push(name, each);
  }
  return raw;
}

/** undici's completeRequest (client-h2.js, which does not export it): the request leaves the client's queue of running requests. */
function completeRequest(client: H2Client, request: UndiciRequest, resetPendingIdx = false): void {
  const queue = client[kQueue] as Array<UndiciRequest | null>;
  const runningIdx = client[kRunningIdx] as number;
  if (runningIdx < (client[kPendingIdx] as number) && queue[runningIdx] === request) {
    queue[runningIdx] = null;
    client[kRunningIdx] = runningIdx + 1;
    return;
  }
  const index = queue.indexOf(request, runningIdx);
  if (index === -1 || index >= (client[kPendingIdx] as number)) return;
  queue.splice(index, 1);
  client[kPendingIdx] = (client[kPendingIdx] as number) - 1;
  if (resetPendingIdx && (client[kPendingIdx] as number) < runningIdx) client[kPendingIdx] = runningIdx;
}
