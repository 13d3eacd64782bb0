import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { CONTENT_LENGTH_MISMATCH, RecordErrorCode, STOPPED_BEFORE_SENDING, recordError, saveDiskFull, type RecordError } from '../errors.js';
import type { BodyMode } from '../run-types.js';
import { BodyFile } from './body-file.js';
import type { SaveTurns } from './save-turns.js';
import { contentCodings, createContentDecoder, isIdentityCoding, type ContentCoding } from './content-decoder.js';
import { goawayProcessedNone } from './h2-graceful-goaway.js';
import { blameProxy, classifyError, closedBeforeHead, closedMidBody, cutShort, declaredLength, endedByGoaway, headersNeverSent, http1Refusal, LARGE_BODY_BYTES, refusedStream, sessionGoneBeforeSent, unframedLength, type AbortReason, type ProxyEndpoint } from './error-codes.js';
import { decodeBody } from './decode-body.js';
import { elapsedMs, type FetchOutcome } from './outcome.js';
import { RETRY_STATUSES, parseRetryAfter } from './retry-policy.js';
import { bareHostname, splitUrl } from './split-url.js';
import { lookingUp } from './dns-cache.js';
import { lookupWait } from './connect-timer.js';
import { setField } from '../input/set-field.js';
import { endedByReset } from './reset-mid-body.js';
import { closedAfterOneAnswer, lostKeptAliveConnection, lostUnansweredOnKeptAlive } from './stale-connection.js';
import { lostH2KeptAlive } from './h2-kept-alive.js';
import { LinkedSet, type Linked } from './linked-set.js';
import type { OneShotDispatchOptions } from './one-shot.js';
import { countAttempt } from './attempts-made.js';

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** A redirect's body is read up to this much so its connection can be reused; past that it is cut. */
const REDIRECT_BODY_DRAIN = 64 * 1024;
/** How long a redirect's body is waited for: draining it only keeps the connection for reuse. */
const REDIRECT_DRAIN_MS = 1000;

export interface AttemptOptions {
  dispatcher: Dispatcher;
  /** Whole-attempt limit: connect, headers and body together. */
  timeout: number;
  /** Cap on the body bytes kept, counted after content decoding. */
  maxBody: number;
  bodyMode: BodyMode;
  /** Undo gzip, deflate and br content codings (--compressed, the default). */
  decompress: boolean;
  includeHeaders: boolean;
  /** Return redirects without their body, with `location` set, for the caller to follow. */
  followRedirects?: boolean;
  /** Aborts every attempt at once when the run is stopped. */
  shutdown?: AbortSignal;
  /** --save: 2xx bodies go to files in this directory (each request names its file), landing in input order by turns. */
  save?: { dir: string; turns: SaveTurns } | undefined;
  /** The proxies requests may go through: an error on the way to one says so. */
  proxies?: readonly ProxyEndpoint[] | undefined;
  /** --max-filesize: a body (decoded) larger than this fails the attempt with EMAXFILESIZE, saved or kept, as curl's does. */
  maxFilesize?: number | undefined;
  /** Whether TLS for this URL offers h2 in ALPN (--http2, or an origin Http2Fallback moved): an error's hint says so. */
  offersHttp2?: ((url: string) => boolean) | undefined;
  /** --http1.1: an error's hint names it as the way round, not --http2, which contradicts it. */
  http1Only?: boolean | undefined;
  /** --cert: an empty reply over TLS may be the server refusing the client certificate, and its hint says so. */
  clientCertificate?: boolean | undefined;
}

export interface AttemptRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer | undefined;
  /** With --save: the file name a 2xx body is saved under, and the record's input line (later lines land last). */
  saveAs?: { name: string; line: number } | undefined;
  /** No other request of this child goes to this origin: its connection is not kept for reuse (see oneShot). */
  onlyUse?: boolean | undefined;
}

/**
 * One HTTP attempt, never throwing: a failure comes back as an outcome with an
 * error code. The body is read only up to --max-body; past that the request is
 * aborted, so a 10 GB response is neither buffered nor downloaded in full.
 * A compressed body is decoded as it streams in and the cap counts decoded
 * bytes, so a gzip bomb costs what reading the cap costs.
 *
 * This is undici's dispatch() with our own handler rather than request(): the
 * handler collects the few chunks of a body directly, where request() would
 * build a Readable, an async iterator and an AbortSignal listener per attempt
 * (about a third of a child's CPU per request, measured: see bench/CHANGELOG.md).
 */
export function sendRequest(request: AttemptRequest, options: AttemptOptions): Promise<FetchOutcome> {
  return new Promise((resolve) => new Attempt(request, options, resolve).start());
}

function bodyBytes(body: string | Buffer | undefined): number {
  return body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/** Attempts in flight per shutdown signal: one listener per signal instead of one per attempt. */
const liveBySignal = new WeakMap<AbortSignal, LinkedSet<Attempt>>();

function liveSet(signal: AbortSignal): LinkedSet<Attempt> {
  let live = liveBySignal.get(signal);
  if (!live) {
    const attempts = new LinkedSet<Attempt>();
    live = attempts;
    liveBySignal.set(signal, attempts);
    signal.addEventListener('abort', () => {
      for (const attempt of [...attempts]) attempt.stop('shutdown');
    }, { once: true });
  }
  return live;
}

/** Why we abort an undici request ourselves; undici hands it back to onResponseError. */
class StopRequest extends Error {}

class Attempt implements Dispatcher.DispatchHandler, Linked<Attempt> {
  /** Its place among the live attempts of its shutdown signal (see liveSet). */
  linked = false;
  older: Attempt | undefined;
  newer: Attempt | undefined;
  readonly #request: AttemptRequest;
  readonly #options: AttemptOptions;
  #resolve: ((outcome: FetchOutcome) => void) | undefined;
  readonly #started = performance.now();
  #live: LinkedSet<Attempt> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #status = 0;
  #headers: Record<string, string | string[] | undefined> | undefined;
  #trailers: Record<string, string | string[]> | undefined;
  #location: string | undefined;
  #chunks: Buffer[] = [];
  #received = 0;
  /** Body bytes as they came off the wire (#received counts them decoded): for a body cut short. */
  #wireBytes = 0;
  #truncated = false;
  /** The content codings being undone (as applied), and their decoder once the first chunk came. */
  #coding: ContentCoding[] | undefined;
  #decoder: Duplex | undefined;
  /** deflate's first byte when it came alone: zlib or raw is told by the first two. */
  #deflateLead: Buffer | undefined;
  /** With --save, for a 2xx response: where the body goes instead of the line. */
  #file: BodyFile | undefined;
  #finishing = false;
  /** Whether this attempt's TLS offered h2, read as it went: an origin's fallback may move while it runs. */
  #http2Offered = false;

  constructor(request: AttemptRequest, options: AttemptOptions, resolve: (outcome: FetchOutcome) => void) {
    this.#request = request;
    this.#options = options;
    this.#resolve = resolve;
  }

  start(): void {
    const { shutdown } = this.#options;
    if (shutdown) {
      // Stopped before it was dispatched: nothing went out (attempts 0), so --resume may send it.
      if (shutdown.aborted) return this.#settle({ status: null, body: null, bytes: 0, attempts: 0, ms: 0, error: STOPPED_BEFORE_SENDING });
      this.#live = liveSet(shutdown);
      this.#live.add(this);
    }
    // undici checks a declared length only against a body it has: without one (a GET, a PUT with no -d) it
    // dropped the header and sent the request, where the README and curl's server both see a mismatch.
    const declared = this.#request.headers['content-length'];
    // Nothing went out: attempts 0, as a spec with the same header is answered, and no request is counted.
    if (declared !== undefined && Number(declared) !== bodyBytes(this.#request.body)) return this.#settle({ status: null, body: null, bytes: 0, attempts: 0, ms: 0, error: CONTENT_LENGTH_MISMATCH });
    this.#timer = setTimeout(() => this.stop('timeout'), this.#options.timeout);
    // Read at the failure, it was the origin's state after the first refusal moved it to h2: the later
    // attempts, sent with HTTP/1.1 alone, lost the hint that a server speaking only HTTP/2 does this.
    if (this.#options.offersHttp2 !== undefined && this.#request.url.startsWith('https:')) this.#http2Offered = this.#options.offersHttp2(this.#request.url);
    try {
      const { origin, path } = splitUrl(this.#request.url);
      this.#options.dispatcher.dispatch(
        {
          origin,
          path,
          method: this.#request.method as Dispatcher.HttpMethod,
          // Through a proxy a copy: undici's wrapper for plain http sets `host` on the object it is handed, and
          // the one object a child's records share then carried the first record's Host to every later one.
          headers: this.#options.proxies?.length ? { ...dispatchedHeaders(this.#request) } : dispatchedHeaders(this.#request),
          body: dispatchedBody(this.#request),
          // undici closes the connection after every HEAD (for servers that send it a body anyway): a list of
          // HEADs was a TCP and TLS handshake each, 5x a GET's time. curl keeps it, as does this (stale-connection.ts
          // catches a HEAD's body sent anyway).
          reset: this.#request.method === 'HEAD' ? false : undefined,
          onlyUse: this.#request.onlyUse,
        } as OneShotDispatchOptions,
        this,
      );
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * Ends the attempt now (timeout or shutdown). The outcome is settled at once,
   * even when undici has not started the request yet (queued behind a connect):
   * its controller is aborted as soon as undici hands it over.
   */
  stop(reason: AbortReason): void {
    // A saved body fully received is being flushed and renamed: let it land.
    if (this.#settled || this.#finishing) return;
    this.#fail(null, reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(new StopRequest('attempt already ended'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx informational responses come before the real one: ignore them.
    // A status of 600-999 (LinkedIn's 999) is kept as the server's answer, as curl keeps it: not ok,
    // not retried, and RFC 9110 (15) has a client treat it as a server error, which -f and --max-errors do.
    if (this.#settled) return;
    // HTTP/1.1's parser refuses a status line below 100; Node 20's node:http2 passes any :status of three digits on.
    if (!(statusCode >= 100 && statusCode <= 999)) {
      this.#settleError(recordError(RecordErrorCode.PROTOCOL, `Response does not match the HTTP protocol (status ${statusCode} is not a status: 100-999)`));
      controller.abort(new StopRequest('invalid status'));
      return;
    }
    if (statusCode < 200) return;
    // A coding llhttp does not undo (`gzip`, `chunked, gzip`) leaves the body read to the close with the coding's
    // bytes (chunk sizes and all) in it, which was passed off as the body: curl refuses it too ("Unrecognized transfer encoding").
    const transfer = otherTransferCoding(headers['transfer-encoding']);
    if (transfer !== undefined) {
      this.#settleError(recordError(RecordErrorCode.PROTOCOL, `Response does not match the HTTP protocol this client speaks (Transfer-Encoding ${JSON.stringify(transfer)}: only chunked is undone, and the body cannot be read as sent)`));
      controller.abort(new StopRequest('unknown transfer coding'));
      return;
    }
    this.#status = statusCode;
    this.#headers = headers;
    if (this.#options.followRedirects && REDIRECT_STATUSES.has(statusCode)) {
      // An empty Location resolves to the URL itself, a loop to --max-redirects: curl follows none, nor do we.
      const location = firstValue(headers.location);
      if (location?.trim()) this.#location = location;
      if (this.#location !== undefined) {
        // The Location is known: a body slower than this to come is left (its connection closed) and the redirect
        // followed, as one cut short is (#fail). A stalled 302 body had failed the record after --timeout, retried.
        const left = this.#options.timeout - (performance.now() - this.#started);
        if (left > REDIRECT_DRAIN_MS) {
          clearTimeout(this.#timer);
          this.#timer = setTimeout(() => this.stop('timeout'), REDIRECT_DRAIN_MS);
        }
      }
    }
    if (this.#location === undefined && this.#declaresOverMaxFilesize(headers['content-length'])) {
      controller.abort(new StopRequest('body over --max-filesize'));
      return;
    }
    if (this.#options.decompress && this.#location === undefined) this.#coding = contentCodings(headers['content-encoding']);
    const { save } = this.#options;
    // A HEAD's answer has no body: a file would be an empty one passed off as the resource's, its sha256 the hash of nothing.
    const saveAs = this.#request.saveAs;
    if (save && saveAs !== undefined && statusCode < 300 && this.#location === undefined && this.#request.method !== 'HEAD') {
      const onError = (error: NodeJS.ErrnoException): void => {
        this.#settleError(saveError(error, this.#status));
        controller.abort(new StopRequest('body file failed'));
      };
      this.#file = new BodyFile(save.dir, saveAs.name, onError, (rename) => save.turns.land(saveAs.name, saveAs.line, rename));
      this.#file.onDrain(() => controller.resume());
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#wireBytes += chunk.length;
    if (this.#location !== undefined) {
      // A redirect's body is only drained for connection reuse, never kept.
      this.#received += chunk.length;
      if (this.#received > REDIRECT_BODY_DRAIN) {
        this.#succeed();
        controller.abort(new StopRequest('redirect body too long to drain'));
      }
      return;
    }
    if (this.#coding === undefined) return this.#keep(chunk, controller);
    if (!this.#decoder && this.#coding.at(-1) === 'deflate') {
      // A network may hand the body's first byte alone: wait for the second before choosing zlib or raw.
      if (this.#deflateLead) chunk = Buffer.concat([this.#deflateLead, chunk]);
      this.#deflateLead = chunk.length < 2 ? chunk : undefined;
      if (this.#deflateLead) return;
    }
    this.#decoder ??= this.#startDecoder(this.#coding, chunk, controller);
    // The decoder's own backpressure: the network waits while it catches up.
    if (!this.#decoder.write(chunk)) controller.pause();
  }

  /** Body bytes as they are kept (decoded, when decoding), cut at --max-body. */
  #keep(chunk: Buffer, controller: Dispatcher.DispatchController | undefined): void {
    if (this.#settled) return;
    if (this.#file) return this.#saveChunk(this.#file, chunk, controller);
    if (this.#overMaxFilesize(chunk, controller)) return;
    const { maxBody } = this.#options;
    const keep = this.#options.bodyMode !== 'none';
    if (this.#received + chunk.length > maxBody) {
      const room = maxBody - this.#received;
      if (keep && room > 0) this.#chunks.push(chunk.subarray(0, room));
      this.#received = maxBody;
      this.#truncated = true;
      this.#succeed();
      // Abort: the rest is never downloaded (the connection is closed, not reused).
      controller?.abort(new StopRequest('body cut at --max-body'));
      return;
    }
    if (keep) this.#chunks.push(chunk);
    this.#received += chunk.length;
  }

  /** --save: --max-body does not apply, --max-filesize does. */
  #saveChunk(file: BodyFile, chunk: Buffer, controller: Dispatcher.DispatchController | undefined): void {
    if (this.#overMaxFilesize(chunk, controller)) return;
    this.#received += chunk.length;
    if (!file.write(chunk)) controller?.pause();
  }

  /**
   * True, with the attempt failed and aborted, when this chunk takes the body past
   * --max-filesize. A curl user's limit on what is downloaded: the record fails
   * (EMAXFILESIZE), where --max-body only cuts what the line keeps.
   */
  #overMaxFilesize(chunk: Buffer, controller: Dispatcher.DispatchController | undefined): boolean {
    const max = this.#options.maxFilesize;
    if (max === undefined || this.#received + chunk.length <= max) return false;
    // `bytes` counts what came, this chunk too: it is what took the body past the limit (the line's bytes read under it).
    this.#received += chunk.length;
    this.#settleError(recordError(RecordErrorCode.MAX_FILESIZE, `Body larger than --max-filesize ${max}${this.#file ? ': not saved' : ''} (after status ${this.#status}, ${this.#received} bytes came before the download was stopped)`));
    controller?.abort(new StopRequest('body over --max-filesize'));
    return true;
  }

  /** As curl does, a body whose Content-Length is past --max-filesize fails before it is read (true, the attempt failed). */
  #declaresOverMaxFilesize(contentLength: string | string[] | undefined): boolean {
    const max = this.#options.maxFilesize;
    if (max === undefined || this.#bodyless()) return false;
    const declared = declaredLength(contentLength);
    if (declared === undefined || declared <= max) return false;
    this.#settleError(recordError(RecordErrorCode.MAX_FILESIZE, `Body of ${declared} bytes (Content-Length) larger than --max-filesize ${max} (after status ${this.#status})`));
    return true;
  }

  #startDecoder(coding: ContentCoding[], first: Buffer, controller: Dispatcher.DispatchController): Duplex {
    const decoder = createContentDecoder(coding, first);
    decoder.on('data', (decoded: Buffer) => this.#keep(decoded, controller));
    decoder.on('drain', () => controller.resume());
    decoder.on('end', () => {
      if (!this.#settled) this.#succeed();
    });
    decoder.on('error', (error: Error) => {
      // The line has no status (an error's never does): the message keeps the one that came, and the way to the raw bytes.
      this.#settleError(recordError(RecordErrorCode.PROTOCOL, `Body does not decode as content-encoding ${coding.join(', ')}: ${error.message} (after status ${this.#status}; --no-compressed keeps the body bytes as they came)`));
      controller.abort(new StopRequest('undecodable body'));
    });
    return decoder;
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    if (this.#settled) return;
    // undici ends a response whose connection was reset mid-body as if it were whole (reset-mid-body.ts).
    if (endedByReset() && this.#location === undefined) {
      const error = recordError(RecordErrorCode.CONNECTION_RESET, 'read ECONNRESET');
      return this.#settleError(cutShort(error, this.#status, this.#wireBytes, this.#headers?.['content-length']));
    }
    // Fields after the body (a checksum, gRPC's status): part of the answer, shown beside the headers.
    if (this.#options.includeHeaders && this.#location === undefined) {
      const fields = trailerFields(controller, trailers);
      if (fields) this.#trailers = outputHeaders(fields);
    }
    // undici 7 ends an HTTP/2 response normally when the server resets its stream with CANCEL mid-body:
    // the Content-Length tells the cut (HTTP/1.1's parser fails such a body itself).
    if (this.#endsShortOfLength()) {
      const error = recordError(RecordErrorCode.CONNECTION_RESET, 'The response ended before its body was complete');
      return this.#settleError(cutShort(error, this.#status, this.#wireBytes, this.#headers?.['content-length']));
    }
    // A decoder still holds bytes: the attempt ends when it has flushed them ('end').
    if (this.#deflateLead && this.#controller) this.#decoder = this.#startDecoder(this.#coding ?? ['deflate'], this.#deflateLead, this.#controller).end(this.#deflateLead);
    else if (this.#decoder) this.#decoder.end();
    else this.#succeed();
  }

  #endsShortOfLength(): boolean {
    const declared = declaredLength(this.#headers?.['content-length']);
    return declared !== undefined && this.#location === undefined && !this.#bodyless() && this.#wireBytes < declared;
  }

  /** A response that has no body whatever its Content-Length says (RFC 9110, 8.6). */
  #bodyless(): boolean {
    return this.#request.method === 'HEAD' || this.#status === 204 || this.#status === 304;
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    // A 204 or 304 has no body whatever its Content-Length says (RFC 9110 8.6 lets a 304 send the length
    // of what a 200 would): undici 7 counts its absent body against that length and fails the response.
    if (isBodylessLengthMismatch(error, this.#status, this.#wireBytes)) return this.#succeed();
    this.#fail(error);
  }

  #succeed(): void {
    const status = this.#status;
    const headers = this.#headers ?? {};
    const includeHeaders = this.#options.includeHeaders;
    const shown = includeHeaders ? outputHeaders(headers) : undefined;
    if (this.#location !== undefined) {
      return this.#settle({
        status,
        ...(shown ? { headers: shown } : {}),
        body: null,
        bytes: 0,
        attempts: 1,
        ms: elapsedMs(this.#started),
        error: null,
        location: this.#location,
        ...(headers['set-cookie'] !== undefined ? { setCookies: ([] as string[]).concat(headers['set-cookie']) } : {}),
      });
    }
    if (this.#file) return this.#finishFile(this.#file, status, shown);
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const encoded = this.#coding === undefined && !isIdentityCoding(headers['content-encoding']);
    const decoded = decodeBody(bytes, firstValue(headers['content-type']), this.#options.bodyMode, this.#truncated, encoded);
    const retryAfterMs = RETRY_STATUSES.has(status) ? parseRetryAfter(headers['retry-after']) : undefined;
    const outcome: FetchOutcome = shown
      ? { status, headers: shown, body: decoded.body, bytes: this.#received, attempts: 1, ms: elapsedMs(this.#started), error: null }
      : { status, body: decoded.body, bytes: this.#received, attempts: 1, ms: elapsedMs(this.#started), error: null };
    if (decoded.bodyEncoding) outcome.bodyEncoding = decoded.bodyEncoding;
    if (this.#truncated) outcome.truncated = true;
    if (this.#trailers) outcome.trailers = this.#trailers;
    if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
    this.#settle(outcome);
  }

  #finishFile(file: BodyFile, status: number, headers: Record<string, string | string[]> | undefined): void {
    this.#finishing = true;
    file.finish().then(
      ({ file: path, sha256 }) => {
        this.#finishing = false;
        this.#settle({ status, ...(headers ? { headers } : {}), body: null, file: path, sha256, ...(this.#trailers ? { trailers: this.#trailers } : {}), bytes: this.#received, attempts: 1, ms: elapsedMs(this.#started), error: null });
      },
      (error: NodeJS.ErrnoException) => {
        this.#finishing = false;
        this.#settleError(saveError(error, this.#status));
      },
    );
  }

  #fail(error: unknown, reason?: AbortReason): void {
    const controller = this.#controller;
    // A redirect's body cut short, or slow to drain: its Location came with the headers, so it is followed (as
    // curl follows it), on another connection. The record had failed (ESOCKETCLOSED, retried, or ETIMEDOUT).
    if (this.#location !== undefined && reason !== 'shutdown') {
      this.#succeed();
      if (reason !== undefined) controller?.abort(new StopRequest('redirect body left undrained'));
      return;
    }
    const cut = reason !== undefined ? undefined : this.#status !== 0 ? closedMidBody(error, this.#wireBytes, this.#headers?.['content-length']) : unframedLength(error);
    const found = cut ?? classifyError(error, reason, {
      overTls: this.#request.url.startsWith('https:'),
      http2Offered: this.#http2Offered,
      largeBody: (this.#request.body?.length ?? 0) >= LARGE_BODY_BYTES,
      http1Only: this.#options.http1Only === true,
      clientCertificate: this.#options.clientCertificate === true,
    });
    const blamed = this.#options.proxies === undefined ? found : blameProxy(found, error, this.#request.url, this.#options.proxies);
    // A timeout names its limit, before the status as after it (where cutShort then says how much of the body came).
    const classified =
      reason === 'timeout'
        ? { ...blamed, message: `${blamed.message} ${this.#status !== 0 ? `(${this.#options.timeout} ms)` : this.#timeoutStage()}` }
        : this.#status === 0 && reason === undefined
          ? closedBeforeHead(error, blamed)
          : blamed;
    // Not begun (undici never handed it a connection: onRequestStart did not come) and failed by the loss of a
    // kept-alive connection it was queued for: never sent, as a request on a connection the server closed.
    const neverWritten = this.#controller === undefined && lostKeptAliveConnection(error);
    if (reason === undefined && this.#status === 0 && (lostUnansweredOnKeptAlive(error) || neverWritten || endedByGoaway(error) || lostH2KeptAlive(error) || refusedStream(error) || headersNeverSent(error) || sessionGoneBeforeSent(error))) {
      // An HTTP/2 stream its server may have read (a GOAWAY naming it, a kept-alive connection closed under it) goes
      // again only if it may be sent twice; one never written, or refused, whatever its method.
      const mayHaveBeenRead = (endedByGoaway(error) && !goawayProcessedNone(error)) || (lostH2KeptAlive(error) && !neverWritten);
      this.#settle({ status: null, body: null, bytes: 0, attempts: 1, ms: elapsedMs(this.#started), error: classified, staleConnection: mayHaveBeenRead ? 'goaway' : true, ...(closedAfterOneAnswer(error) ? { closedAfterOneAnswer: true } : {}) });
    } else {
      // A connection lost, or time run out, after the status came: say how much of the body did (curl's "transfer closed with N bytes remaining").
      const lost = reason !== 'shutdown' && this.#status !== 0 && this.#location === undefined;
      // Only an attempt that offered HTTP/1.1 alone was turned away for it: over h2 the same hang-up is the server's own.
      const refusedHttp1 = reason === undefined && this.#status === 0 && !this.#http2Offered && this.#request.url.startsWith('https:') ? http1Refusal(error) : undefined;
      if (refusedHttp1 !== undefined) this.#settle({ status: null, body: null, bytes: 0, attempts: 1, ms: elapsedMs(this.#started), error: classified, refusedHttp1 });
      // Headers the client could not send (too large for HTTP/2's header block, a Proxy-Authorization the proxy
      // agent refuses): nothing went out, so no request is counted, as for a Content-Length its body belies.
      else if (classified.code === RecordErrorCode.INVALID_HEADER && this.#status === 0) this.#settle({ status: null, body: null, bytes: 0, attempts: 0, ms: elapsedMs(this.#started), error: classified });
      // --timeout before undici had a connection for it: nothing went out, so it may go again whatever its
      // method, as one whose connect timed out (--connect-timeout) does; a POST was not retried.
      else if (reason === 'timeout' && this.#controller === undefined) this.#settle({ status: null, body: null, bytes: 0, attempts: 1, ms: elapsedMs(this.#started), error: classified, neverSent: true });
      else this.#settleError(lost ? cutShort(classified, this.#status, this.#wireBytes, this.#headers?.['content-length']) : classified);
    }
    // Stopped by us: undici may still hold the request (in flight or queued).
    if (reason !== undefined) controller?.abort(new StopRequest(`attempt ended: ${reason}`));
  }

  /**
   * Where the attempt was when --timeout ran out before a status came, as curl's messages tell a connect from a
   * wait for the answer: undici hands an attempt its controller (onRequestStart) once a connection is ready for it.
   */
  #timeoutStage(): string {
    const limit = `${this.#options.timeout} ms`;
    // Only on this path: a URL parsed once a timeout, not once a request.
    const host = this.#controller === undefined ? bareHostname(new URL(this.#request.url)) : '';
    return this.#controller === undefined
      ? lookingUp(host)
        ? `(${limit}) before a connection was ready for the request: ${lookupWait(host)} (curl: "Resolving timed out")`
        : `(${limit}) before a connection was ready for the request: still connecting (TCP, TLS, a proxy's tunnel) or waiting for one of this origin's connections`
      : bodyBytes(this.#request.body) > 0
        ? `(${limit}) after the request, with its ${bodyBytes(this.#request.body)}-byte body, began to go out, before the response's status line and headers were whole`
        : `(${limit}) after the request went out, before the response's status line and headers were whole`;
  }

  /** A failed attempt: `bytes` counts the body that came before the failure (decoded), as the message may say. */
  #settleError(error: RecordError): void {
    this.#settle({ status: null, body: null, bytes: this.#location === undefined ? this.#received : 0, attempts: 1, ms: elapsedMs(this.#started), error });
  }

  #settle(outcome: FetchOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    if (outcome.attempts > 0) countAttempt();
    clearTimeout(this.#timer);
    this.#live?.delete(this);
    this.#decoder?.destroy();
    // Settled without the file landing (error, cut, stop): no partial file stays.
    if (this.#file && outcome.file === undefined) this.#file.discard();
    const resolve = this.#resolve;
    this.#letGo();
    resolve?.(outcome);
  }

  /**
   * Drops what this attempt points to once it is settled. undici may hold the
   * attempt a while longer, and an attempt that lived through two scavenges
   * sits in V8's old space until the next full GC: whatever it still points
   * to (the response headers, body chunks, the promise that gets the outcome)
   * is kept alive from there and promoted too, although nothing uses it. At
   * 200+ requests in flight that dragged ~2 KB a request into the old space
   * and doubled a child's GC time (bench/CHANGELOG.md, entry 16).
   */
  #letGo(): void {
    this.#resolve = undefined;
    this.#headers = undefined;
    this.#trailers = undefined;
    this.#chunks = [];
    this.#timer = undefined;
    this.#controller = undefined;
    this.#decoder = undefined;
    this.#deflateLead = undefined;
  }
}

function isBodylessLengthMismatch(error: Error, status: number, bodyBytes: number): boolean {
  return (status === 204 || status === 304) && bodyBytes === 0 && (error as { code?: unknown }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH';
}

/**
 * The trailer fields of a response. undici parses HTTP/1.1's from their raw
 * list, but hands HTTP/2's (node:http2's object of fields) to the same parser,
 * which finds no list in it and gives `{}`: those are read from the raw
 * trailers undici's handler adapter keeps on the controller.
 */
function trailerFields(controller: Dispatcher.DispatchController, parsed: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> | undefined {
  if (hasAny(parsed)) return parsed;
  const raw = (controller as { rawTrailers?: unknown }).rawTrailers;
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && hasAny(raw as Record<string, unknown>) ? (raw as Record<string, string | string[] | undefined>) : undefined;
}

function hasAny(fields: Record<string, unknown> | null | undefined): fields is Record<string, string | string[] | undefined> {
  if (!fields) return false;
  for (const name in fields) if (fields[name] !== undefined) return true;
  return false;
}

/** A Transfer-Encoding that is not `chunked` alone (nor absent): its value, for the message. */
function otherTransferCoding(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  return /^\s*chunked\s*$/i.test(value) ? undefined : value;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * undici refuses an Expect header ("not supported"). The body is sent at once
 * instead, which RFC 9110 (10.1.1) allows a client to do: the server answers
 * as it would after a 100 Continue.
 */
/** Methods undici's HTTP/2 client writes a body for; any other with a body crashed the child there. */
const H2_PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The body undici is handed. undici's h2 client (7.x, client-h2.js writeH2) takes a Buffer body only for
 * POST, PUT and PATCH: for GET, DELETE, OPTIONS or a custom method with one (Elasticsearch's GET with a
 * query) it failed an assertion and the child died. Given as a one-chunk iterable with its Content-Length
 * (dispatchedHeaders), the body goes as DATA frames over h2, and over HTTP/1.1 as before (the length, then
 * the bytes); h2-session.ts keeps a GET's stream open for it. Only https can be h2 here.
 */
function dispatchedBody(request: AttemptRequest): string | Buffer | Buffer[] | null {
  const { body } = request;
  if (body === undefined) return null;
  if (!bodyAsIterable(request)) return body;
  return [typeof body === 'string' ? Buffer.from(body) : body];
}

/** The request's headers as undici is handed them: with the Content-Length of a body given as an iterable (dispatchedBody). */
function dispatchedHeaders(request: AttemptRequest): Record<string, string> {
  const headers = headersUndiciTakes(request.headers);
  if (!bodyAsIterable(request)) return headers;
  return { ...headers, 'content-length': String(Buffer.byteLength(request.body as string | Buffer)) };
}

function bodyAsIterable(request: AttemptRequest): boolean {
  return request.body !== undefined && request.body.length > 0 && !H2_PAYLOAD_METHODS.has(request.method) && request.url.startsWith('https:');
}

function headersUndiciTakes(headers: Record<string, string>): Record<string, string> {
  const connection = headers.connection;
  if (!('expect' in headers) && (connection === undefined || /^(close|keep-alive)$/i.test(connection))) return headers;
  const { expect: _expect, ...rest } = headers;
  // undici takes one option alone: `close,` or `close, keep-alive` (empty items and both, which validate.ts lets
  // through as RFC 9110 5.6.1 has them read) go as the one that counts; none at all as undici's own keep-alive.
  if (connection !== undefined) {
    const options = connection.toLowerCase().split(',').map((option) => option.trim());
    if (options.includes('close')) rest.connection = 'close';
    else if (options.includes('keep-alive')) rest.connection = 'keep-alive';
    else delete rest.connection;
  }
  return rest;
}

/**
 * Response headers in one stable shape: each a string, repeats joined with ', '
 * (as RFC 9110 5.3 allows), except set-cookie, always an array (its values may
 * contain commas, so joining would lose them). A value without the whitespace
 * after it, which RFC 9110 (5.5) leaves out of it: undici keeps it (`X: a  `
 * read "a  ", and `select(.headers.x == "a")` failed), where it drops the
 * whitespace before.
 */
function outputHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const shown: Record<string, string | string[]> = {};
  // Object.keys and a test of the common string first: Object.entries built an array a header, a record's
  // hottest allocation after the line itself (bench/CHANGELOG.md, entry 87).
  for (const name of Object.keys(headers)) {
    const raw = headers[name];
    if (raw === undefined) continue;
    let kept: string | string[];
    if (typeof raw === 'string') {
      const value = withoutTrailingSpace(raw);
      kept = name === 'set-cookie' ? [value] : value;
    } else {
      const values = raw.map(withoutTrailingSpace);
      kept = name === 'set-cookie' ? values : values.join(', ');
    }
    // Assigned, a header named __proto__ would set the object's prototype and be lost (undici defines it too).
    setField(shown, name, kept);
  }
  return shown;
}

/** `value` without the spaces and tabs at its end (checked by its last character first: most values have none). */
function withoutTrailingSpace(value: string): string {
  const last = value.charCodeAt(value.length - 1);
  return last === 0x20 || last === 0x09 ? value.replace(/[ \t]+$/, '') : value;
}

function saveError(error: NodeJS.ErrnoException, status: number): RecordError {
  // Fetched for nothing: every later body failed the same, and --resume took these lines for done.
  if (error.code === 'ENOSPC' || error.code === 'EDQUOT') return saveDiskFull(status);
  // The line's status is null, as for any record ending in an error: the message keeps the one that came.
  // Node's own words name the errno, what it means and the file (`EISDIR: illegal operation on a directory, rename 'd/x.part' -> 'd/x'`).
  return recordError(RecordErrorCode.SAVE, `Cannot save the body: ${error.message.slice(0, 300)} (after status ${status})`);
}
