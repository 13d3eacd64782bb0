import pLimit, { type LimitFunction } from 'p-limit';
import type { Dispatcher } from 'undici';
import { sendRequest, type AttemptOptions, type AttemptRequest } from '../http/send-request.js';
import type { FetchOutcome } from '../http/outcome.js';
import { requestKey } from '../input/request-key.js';
import type { RequestSpec } from '../input/request-spec.js';
import type { Result } from '../output/result.js';
import type { WorkerConfig } from '../pool/protocol.js';
import { ResponseCache } from './response-cache.js';
import { OPEN_GATE, type AttemptGate } from './attempt-gate.js';

const CACHEABLE = new Set(['GET', 'HEAD']);

/**
 * A child's engine: turns request specs into results with at most `concurrency`
 * requests in flight. Repeats of a GET or HEAD are served from the cache (or
 * wait for the identical request in flight) without taking a slot.
 *
 * The caller bounds how many specs are handed in at once (the parent's window),
 * so p-limit's queue never holds more than that: queueing a million tasks
 * would cost about 800 MiB of heap.
 */
export class RequestLoop {
  readonly #limit: LimitFunction;
  readonly #cache: ResponseCache | undefined;
  readonly #attempt: AttemptOptions;
  readonly #config: WorkerConfig;
  readonly #gate: AttemptGate;

  constructor(config: WorkerConfig, dispatcher: Dispatcher, shutdown: AbortSignal, gate: AttemptGate = OPEN_GATE) {
    this.#config = config;
    this.#gate = gate;
    this.#limit = pLimit(config.concurrency);
    this.#attempt = {
      dispatcher,
      timeout: config.timeout,
      maxBody: config.maxBody,
      bodyMode: config.body,
      includeHeaders: config.includeHeaders,
      shutdown,
    };
    this.#cache = config.cache
      ? new ResponseCache({ maxEntries: config.cacheSize, maxBytes: config.cacheBytes, fetch: (request) => this.#fetch(request) })
      : undefined;
  }

  /** Never rejects for a request's failure: that comes back as a result with an error. */
  async handle(spec: RequestSpec): Promise<Result> {
    const started = performance.now();
    const request = this.#buildRequest(spec);
    let outcome: FetchOutcome;
    let cached = false;
    if (this.#cache && CACHEABLE.has(request.method)) {
      const answer = await this.#cache.get(requestKey(spec), request);
      outcome = answer.outcome;
      cached = answer.status !== 'miss';
    } else {
      outcome = await this.#fetch(request);
    }
    const ms = cached ? Math.round((performance.now() - started) * 10) / 10 : outcome.ms;
    return toResult(spec, outcome, cached, ms);
  }

  get activeCount(): number {
    return this.#limit.activeCount;
  }

  /**
   * The gate is passed before taking a concurrency slot, not inside one: an
   * attempt waiting for a slowed-down host must not hold a slot that attempts
   * to other hosts could use. The parent never grants a child more attempts
   * than it has slots, so a granted attempt starts at once.
   */
  async #fetch(request: AttemptRequest): Promise<FetchOutcome> {
    const release = await this.#gate.acquire(new URL(request.url));
    const outcome = await this.#limit(() => sendRequest(request, this.#attempt));
    release({ status: outcome.status, retryAfterMs: outcome.retryAfterMs });
    return outcome;
  }

  #buildRequest(spec: RequestSpec): AttemptRequest {
    const headers = spec.headers ? { ...this.#config.headers, ...spec.headers } : this.#config.headers;
    const body = spec.body ?? this.#config.data;
    return { method: spec.method, url: spec.url, headers, body };
  }
}

function toResult(spec: RequestSpec, outcome: FetchOutcome, cached: boolean, ms: number): Result {
  return {
    line: spec.line,
    ...(spec.id !== undefined ? { id: spec.id } : {}),
    url: spec.url,
    method: spec.method,
    status: outcome.status,
    ok: outcome.status !== null && outcome.status >= 200 && outcome.status < 300,
    ...(outcome.headers ? { headers: outcome.headers } : {}),
    body: outcome.body,
    ...(outcome.bodyEncoding ? { bodyEncoding: outcome.bodyEncoding } : {}),
    ...(outcome.truncated ? { truncated: true as const } : {}),
    bytes: outcome.bytes,
    ms,
    attempts: cached ? 0 : outcome.attempts,
    cached,
    error: outcome.error,
  };
}
