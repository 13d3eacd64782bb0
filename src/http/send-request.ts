import type { Dispatcher } from 'undici';
import type { BodyMode } from '../options.js';
import { classifyError, type AbortReason } from './error-codes.js';
import { decodeBody } from './decode-body.js';
import type { FetchOutcome } from './outcome.js';
import { parseRetryAfter } from './retry-after.js';

export interface AttemptOptions {
  dispatcher: Dispatcher;
  /** Whole-attempt limit: connect, headers and body together. */
  timeout: number;
  maxBody: number;
  bodyMode: BodyMode;
  includeHeaders: boolean;
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
    const contentType = response.headers['content-type'];
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    const decoded = decodeBody(bytes, Array.isArray(contentType) ? contentType[0] : contentType, options.bodyMode, truncated);
    const outcome: FetchOutcome = {
      status: response.statusCode,
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

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
