import type { Dispatcher } from 'undici';
import type { BodyMode } from '../run-types.js';
import { classifyError, type AbortReason } from './error-codes.js';
import { decodeBody } from './decode-body.js';
import { elapsedMs, type FetchOutcome } from './outcome.js';
import { RETRY_STATUSES, parseRetryAfter } from './retry-policy.js';
import { splitUrl } from './split-url.js';

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** A redirect's body is read up to this much so its connection can be reused; past that it is cut. */
const REDIRECT_BODY_DRAIN = 64 * 1024;

export interface AttemptOptions {
  dispatcher: Dispatcher;
  /** Whole-attempt limit: connect, headers and body together. */
  timeout: number;
  maxBody: number;
  bodyMode: BodyMode;
  includeHeaders: boolean;
  /** Return redirects without their body, with `location` set, for the caller to follow. */
  followRedirects?: boolean;
  /** Aborts every attempt at once when the run is stopped. */
  shutdown?: AbortSignal;
}

export interface AttemptRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

/**
 * One HTTP attempt, never throwing: a failure comes back as an outcome with an
 * error code. The body is read only up to --max-body; past that the request is
 * aborted, so a 10 GB response is neither buffered nor downloaded in full.
 *
 * This is undici's dispatch() with our own handler rather than request(): the
 * handler collects the few chunks of a body directly, where request() would
 * build a Readable, an async iterator and an AbortSignal listener per attempt
 * (about a third of a child's CPU per request, measured: see bench/CHANGELOG.md).
 */
export function sendRequest(request: AttemptRequest, options: AttemptOptions): Promise<FetchOutcome> {
  return new Promise((resolve) => new Attempt(request, options, resolve).start());
}

/** Attempts in flight per shutdown signal: one listener per signal instead of one per attempt. */
const liveBySignal = new WeakMap<AbortSignal, Set<Attempt>>();

function liveSet(signal: AbortSignal): Set<Attempt> {
  let live = liveBySignal.get(signal);
  if (!live) {
    const attempts = new Set<Attempt>();
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

class Attempt implements Dispatcher.DispatchHandler {
  readonly #request: AttemptRequest;
  readonly #options: AttemptOptions;
  readonly #resolve: (outcome: FetchOutcome) => void;
  readonly #started = performance.now();
  #live: Set<Attempt> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #status = 0;
  #headers: Record<string, string | string[] | undefined> | undefined;
  #location: string | undefined;
  #chunks: Buffer[] = [];
  #received = 0;
  #truncated = false;

  constructor(request: AttemptRequest, options: AttemptOptions, resolve: (outcome: FetchOutcome) => void) {
    this.#request = request;
    this.#options = options;
    this.#resolve = resolve;
  }

  start(): void {
    const { shutdown } = this.#options;
    if (shutdown) {
      if (shutdown.aborted) return this.#fail(null, 'shutdown');
      this.#live = liveSet(shutdown);
      this.#live.add(this);
    }
    this.#timer = setTimeout(() => this.stop('timeout'), this.#options.timeout);
    try {
      const { origin, path } = splitUrl(this.#request.url);
      this.#options.dispatcher.dispatch(
        {
          origin,
          path,
          method: this.#request.method as Dispatcher.HttpMethod,
          headers: this.#request.headers,
          body: this.#request.body ?? null,
        },
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
    if (this.#settled) return;
    this.#fail(null, reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(new StopRequest('attempt already ended'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx informational responses come before the real one: ignore them.
    if (statusCode < 200 || this.#settled) return;
    this.#status = statusCode;
    this.#headers = headers;
    if (this.#options.followRedirects && REDIRECT_STATUSES.has(statusCode)) {
      this.#location = firstValue(headers.location);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    if (this.#location !== undefined) {
      // A redirect's body is only drained for connection reuse, never kept.
      this.#received += chunk.length;
      if (this.#received > REDIRECT_BODY_DRAIN) {
        this.#succeed();
        controller.abort(new StopRequest('redirect body too long to drain'));
      }
      return;
    }
    const { maxBody } = this.#options;
    const keep = this.#options.bodyMode !== 'none';
    if (this.#received + chunk.length > maxBody) {
      const room = maxBody - this.#received;
      if (keep && room > 0) this.#chunks.push(chunk.subarray(0, room));
      this.#received = maxBody;
      this.#truncated = true;
      this.#succeed();
      // Abort: the rest is never downloaded (the connection is closed, not reused).
      controller.abort(new StopRequest('body cut at --max-body'));
      return;
    }
    if (keep) this.#chunks.push(chunk);
    this.#received += chunk.length;
  }

  onResponseEnd(): void {
    if (!this.#settled) this.#succeed();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#settled) this.#fail(error);
  }

  #succeed(): void {
    const status = this.#status;
    const headers = this.#headers ?? {};
    const includeHeaders = this.#options.includeHeaders;
    if (this.#location !== undefined) {
      return this.#settle({
        status,
        ...(includeHeaders ? { headers: headers as Record<string, string | string[]> } : {}),
        body: null,
        bytes: 0,
        attempts: 1,
        ms: elapsedMs(this.#started),
        error: null,
        location: this.#location,
      });
    }
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const decoded = decodeBody(bytes, firstValue(headers['content-type']), this.#options.bodyMode, this.#truncated);
    const retryAfterMs = RETRY_STATUSES.has(status) ? parseRetryAfter(headers['retry-after']) : undefined;
    const outcome: FetchOutcome = includeHeaders
      ? { status, headers: headers as Record<string, string | string[]>, body: decoded.body, bytes: this.#received, attempts: 1, ms: elapsedMs(this.#started), error: null }
      : { status, body: decoded.body, bytes: this.#received, attempts: 1, ms: elapsedMs(this.#started), error: null };
    if (decoded.bodyEncoding) outcome.bodyEncoding = decoded.bodyEncoding;
    if (this.#truncated) outcome.truncated = true;
    if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
    this.#settle(outcome);
  }

  #fail(error: unknown, reason?: AbortReason): void {
    this.#settle({ status: null, body: null, bytes: 0, attempts: 1, ms: elapsedMs(this.#started), error: classifyError(error, reason) });
    // Stopped by us: undici may still hold the request (in flight or queued).
    if (reason !== undefined) this.#controller?.abort(new StopRequest(`attempt ended: ${reason}`));
  }

  #settle(outcome: FetchOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#live?.delete(this);
    this.#chunks = [];
    this.#resolve(outcome);
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
