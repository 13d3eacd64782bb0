import type { Dispatcher } from 'undici';
import type { BodyMode } from '../options.js';
import { classifyError, type AbortReason } from './error-codes.js';
import { decodeBody } from './decode-body.js';
import type { FetchOutcome } from './outcome.js';
import { RETRY_STATUSES, parseRetryAfter } from './retry-policy.js';

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
 * error code. The body is read only up to --max-body; past that the stream is
 * destroyed, so a 10 GB response is neither buffered nor downloaded in full.
 */
export async function sendRequest(request: AttemptRequest, options: AttemptOptions): Promise<FetchOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  let abortReason: AbortReason | undefined;
  const timer = setTimeout(() => {
    abortReason = 'timeout';
    controller.abort();
  }, options.timeout);
  const onShutdown = (): void => {
    abortReason ??= 'shutdown';
    controller.abort();
  };
  options.shutdown?.addEventListener('abort', onShutdown, { once: true });
  if (options.shutdown?.aborted) onShutdown();
  try {
    const target = new URL(request.url);
    const response = await options.dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body ?? null,
      signal: controller.signal,
    });
    const status = response.statusCode;
    if (options.followRedirects && REDIRECT_STATUSES.has(status)) {
      const location = firstValue(response.headers.location);
      if (location !== undefined) {
        await response.body.dump({ limit: REDIRECT_BODY_DRAIN }).catch(() => {});
        return {
          status,
          ...(options.includeHeaders ? { headers: response.headers as Record<string, string | string[]> } : {}),
          body: null,
          bytes: 0,
          attempts: 1,
          ms: elapsed(started),
          error: null,
          location,
        };
      }
    }
    const keep = options.bodyMode === 'none' ? 0 : options.maxBody;
    const chunks: Buffer[] = [];
    let received = 0;
    let truncated = false;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (received + chunk.length > options.maxBody) {
        const room = options.maxBody - received;
        if (keep > 0 && room > 0) chunks.push(chunk.subarray(0, room));
        received = options.maxBody;
        truncated = true;
        break; // leaving the loop destroys the body: the rest is never downloaded
      }
      if (keep > 0) chunks.push(chunk);
      received += chunk.length;
    }
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const decoded = decodeBody(bytes, firstValue(response.headers['content-type']), options.bodyMode, truncated);
    const retryAfterMs = RETRY_STATUSES.has(status) ? parseRetryAfter(response.headers['retry-after']) : undefined;
    const outcome: FetchOutcome = {
      status,
      ...(options.includeHeaders ? { headers: response.headers as Record<string, string | string[]> } : {}),
      body: decoded.body,
      ...(decoded.bodyEncoding ? { bodyEncoding: decoded.bodyEncoding } : {}),
      ...(truncated ? { truncated: true as const } : {}),
      bytes: received,
      attempts: 1,
      ms: elapsed(started),
      error: null,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
    return outcome;
  } catch (error) {
    return { status: null, body: null, bytes: 0, attempts: 1, ms: elapsed(started), error: classifyError(error, abortReason) };
  } finally {
    clearTimeout(timer);
    options.shutdown?.removeEventListener('abort', onShutdown);
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
