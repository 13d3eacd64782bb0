import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { RecordErrorCode, recordError } from '../errors.js';
import { sendRequest, type AttemptOptions, type AttemptRequest } from '../http/send-request.js';
import { elapsedMs, type FetchOutcome } from '../http/outcome.js';
import { redirectRequest } from '../http/redirect.js';
import { retryDelay, type RetryOptions } from '../http/retry-policy.js';
import { requestKey } from '../input/request-key.js';
import type { RequestSpec } from '../input/request-spec.js';
import { resultOf, type Result } from '../wire/result-line.js';
import type { WorkerConfig } from '../wire/messages.js';
import { ResponseCache, type CacheAnswer } from './response-cache.js';
import { isRefusal } from '../http/refusal.js';
import { slotLimit, type SlotLimit } from './slot-limit.js';
import { OPEN_GATE, type AttemptFeedback, type AttemptGate, type ReleaseAttempt } from './attempt-gate.js';

const CACHEABLE = new Set(['GET', 'HEAD']);

/**
 * A child's engine: turns request specs into results with at most `concurrency`
 * requests in flight. Repeats of a GET or HEAD are served from the cache (or
 * wait for the identical request in flight) without taking a slot.
 *
 * The caller bounds how many specs are handed in at once (the parent's window),
 * so the slot queue never holds more than that: queueing a million tasks
 * would cost about 800 MiB of heap.
 */
export class RequestLoop {
  readonly #limit: SlotLimit;
  readonly #cache: ResponseCache | undefined;
  readonly #attempt: AttemptOptions;
  readonly #config: WorkerConfig;
  readonly #gate: AttemptGate;
  readonly #retry: RetryOptions;
  readonly #shutdown: AbortSignal;
  readonly #send = (request: AttemptRequest): Promise<FetchOutcome> => sendRequest(request, this.#attempt);

  constructor(config: WorkerConfig, dispatcher: Dispatcher, shutdown: AbortSignal, gate: AttemptGate = OPEN_GATE) {
    this.#config = config;
    this.#gate = gate;
    this.#shutdown = shutdown;
    this.#limit = slotLimit(config.concurrency);
    this.#retry = {
      retries: config.retries,
      retryDelay: config.retryDelay,
      retryMaxDelay: config.retryMaxDelay,
      retryAllMethods: config.retryAllMethods,
    };
    this.#attempt = {
      dispatcher,
      timeout: config.timeout,
      maxBody: config.maxBody,
      bodyMode: config.body,
      includeHeaders: config.includeHeaders,
      followRedirects: config.follow,
      shutdown,
    };
    this.#cache = config.cache
      ? new ResponseCache({ maxEntries: config.cacheSize, maxBytes: config.cacheBytes, fetch: (request) => this.#fetch(request) })
      : undefined;
  }

  /**
   * Never rejects for a request's failure: that comes back as a result with an
   * error. Written with then() rather than async/await: this runs once per
   * record, and each await level costs a promise and a microtask turn.
   */
  handle(spec: RequestSpec): Promise<Result> {
    const started = performance.now();
    const request = this.#buildRequest(spec);
    if (this.#cache && CACHEABLE.has(request.method)) {
      const answer = this.#cache.get(requestKey(spec), request);
      const toCachedResult = ({ outcome, status }: CacheAnswer): Result => {
        if (status === 'miss') return resultOf(spec, outcome, false, outcome.ms);
        return resultOf(spec, outcome, true, elapsedMs(started));
      };
      return 'then' in answer ? answer.then(toCachedResult) : Promise.resolve(toCachedResult(answer));
    }
    return this.#fetch(request).then((outcome) => resultOf(spec, outcome, false, outcome.ms));
  }

  /**
   * A record's whole fetch: each redirect hop, and each retry of a hop, is one
   * attempt. Every attempt takes its own slot and passes the gate, so
   * a record sleeping before a retry holds no slot (other records go on) and
   * rate limits count retries and hops as the server sees them. A retry then
   * queues behind records already waiting: fairness over latency.
   */
  #fetch(first: AttemptRequest): Promise<FetchOutcome> {
    const started = performance.now();
    // The common case, one attempt that needs no retry and no --follow,
    // allocates nothing more than the attempt itself.
    return this.#attemptOnce(first).then((outcome) =>
      !this.#config.follow && retryDelay(outcome, first.method, 1, this.#retry) === undefined ? outcome : this.#fetchOn(first, outcome, started),
    );
  }

  /** The rest of a fetch whose first attempt gave `firstOutcome`: retries and redirect hops. */
  async #fetchOn(first: AttemptRequest, firstOutcome: FetchOutcome, started: number): Promise<FetchOutcome> {
    let request = first;
    let attempts = 0;
    let redirects = 0;
    let pending: FetchOutcome | undefined = firstOutcome;
    const attempt = (): Promise<FetchOutcome> | FetchOutcome => {
      const given = pending;
      pending = undefined;
      return given ?? this.#attemptOnce(request);
    };
    for (;;) {
      let outcome = await attempt();
      attempts += 1;
      for (let retry = 1; ; retry++) {
        const delay = retryDelay(outcome, request.method, retry, this.#retry);
        if (delay === undefined || !(await this.#wait(delay))) break;
        outcome = await attempt();
        attempts += 1;
      }
      const finish = (extra: Partial<FetchOutcome>): FetchOutcome => {
        // The common case, one attempt and no --follow, allocates nothing more.
        if (attempts === 1 && !this.#config.follow) return outcome;
        const ms = elapsedMs(started);
        const done: FetchOutcome = { ...outcome, ...extra, attempts, ms };
        if (this.#config.follow) Object.assign(done, { finalUrl: request.url, redirects });
        return done;
      };
      if (outcome.location === undefined || outcome.status === null) return finish({});
      if (redirects >= this.#config.maxRedirects) {
        return finish({ error: recordError(RecordErrorCode.TOO_MANY_REDIRECTS, `More than ${this.#config.maxRedirects} redirects`) });
      }
      const next = redirectRequest(request, outcome.status, outcome.location);
      if ('code' in next) return finish({ error: next });
      request = next;
      redirects += 1;
    }
  }

  /**
   * The gate is passed before taking a concurrency slot, not inside one: an
   * attempt waiting for a slowed-down host must not hold a slot that attempts
   * to other hosts could use. The parent never grants a child more attempts
   * than it has slots, so with a limit flag a granted attempt starts at once;
   * without one it may queue behind attempts that asked nobody.
   */
  #attemptOnce(request: AttemptRequest): Promise<FetchOutcome> {
    const grant = this.#gate.acquire(request.url);
    if (grant) return grant.then((release) => this.#limit(this.#sendAndRelease, { request, release }) as Promise<FetchOutcome>);
    // Asked nobody, but the host may refuse another attempt while this one
    // waits for a slot: then it goes back through the gate after all.
    return this.#limit(this.#sendUnlessSlowed, request).then((outcome) => outcome ?? this.#attemptOnce(request));
  }

  readonly #sendAndRelease = ({ request, release }: { request: AttemptRequest; release: ReleaseAttempt }): Promise<FetchOutcome> =>
    this.#send(request).then((outcome) => {
      release(feedbackOf(outcome));
      return outcome;
    });

  /**
   * Runs in a slot. A refusal is reported here, before the slot frees, so the
   * next attempt this child starts already sees the host slowed down.
   */
  readonly #sendUnlessSlowed = (request: AttemptRequest): Promise<FetchOutcome> | undefined => {
    if (this.#gate.mustAsk(request.url)) return undefined;
    return this.#send(request).then((outcome) => {
      if (isRefusal(outcome.status)) this.#gate.refused(request.url, feedbackOf(outcome));
      return outcome;
    });
  };

  /** Sleeps before a retry; false when the run is stopped meanwhile (the last outcome stands). */
  async #wait(ms: number): Promise<boolean> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.#shutdown }).catch(() => {});
    return !this.#shutdown.aborted;
  }

  #buildRequest(spec: RequestSpec): AttemptRequest {
    const headers = spec.headers ? { ...this.#config.headers, ...spec.headers } : this.#config.headers;
    const body = spec.body ?? this.#config.data;
    return { method: spec.method, url: spec.url, headers, body };
  }
}

function feedbackOf(outcome: FetchOutcome): AttemptFeedback {
  return outcome.retryAfterMs === undefined ? { status: outcome.status } : { status: outcome.status, retryAfterMs: outcome.retryAfterMs };
}
