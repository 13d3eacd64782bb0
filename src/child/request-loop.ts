import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { ClosingOrigins } from './closing-origins.js';
import type { Dispatcher } from 'undici';
import { RecordErrorCode, STOPPED_BEFORE_SENDING, STOPPED_IN_FLIGHT, STOPPED_IN_FLIGHT_RESENT, isSaveDiskFull, recordError, sentOnce } from '../errors.js';
import { sendRequest, type AttemptOptions, type AttemptRequest } from '../http/send-request.js';
import { SaveTurns } from '../http/save-turns.js';
import { elapsedMs, type FetchOutcome } from '../http/outcome.js';
import { redirectRequest } from '../http/redirect.js';
import { RedirectCookies } from '../http/redirect-cookies.js';
import { FileCookies } from '../http/cookie-file.js';
import { isIdempotent, retryDelay, type RetryOptions } from '../http/retry-policy.js';
import { CACHEABLE_METHODS, requestKey } from '../input/request-key.js';
import { maskUserinfo } from '../input/credentials.js';
import { lineFromResponse, rawResultLine, resultOf } from '../wire/result-line.js';
import { OriginUse, type CacheDirective, type Task, type WorkerConfig } from '../wire/messages.js';
import type { CountedResult } from '../wire/stats.js';
import { ResponseCache, type CacheAnswer } from './response-cache.js';
import { namedById, saveName } from '../input/save-name.js';
import { taskRequest } from './task-request.js';
import { isRefusal } from '../http/refusal.js';
import { proxyChoice, proxyEndpoints } from '../http/proxy-router.js';
import { OPEN_GATE, type AttemptFeedback, type AttemptGate, type ReleaseAttempt } from './attempt-gate.js';

/**
 * Times an attempt may be sent again at once (in its slot), each on a new connection, after it
 * went out on a kept-alive connection the server had closed. A new connection's
 * failure is no such case; this bounds the odd server that closes a connection
 * after its first answer and then again.
 */
const FRESH_CONNECTION_RETRIES = 2;

/**
 * Attempts allowed to wait in p-limit's queue before the child holds further
 * records back (see `ready`): enough that a freed slot never idles while the
 * child hands over the next record, few enough that the queue stays short.
 */
const QUEUED_ATTEMPTS = 16;

/** A record the graceful stop came before: answered without a request, for --resume to send. */
const UNSENT: FetchOutcome = { status: null, body: null, bytes: 0, attempts: 0, ms: 0, error: STOPPED_BEFORE_SENDING };
const unsent = (): Promise<FetchOutcome> => Promise.resolve(UNSENT);

/** Tries of an attempt that found no file descriptor, and the mean wait between them: about 2 s in all. */
const SHORTAGE_TRIES = 20;
const SHORTAGE_WAIT_MS = 100;

/** What the child around the loop offers it. */
export interface LoopHooks {
  /** Tells the parent a record is about to be sent; resolves once it was told. */
  announce?: (line: number) => Promise<void>;
  /** Frees descriptors (closes idle connections) when an attempt found none. */
  relieve?: () => void;
  /** Without --http2 or --http1.1: moves an origin that turned HTTP/1.1 away to HTTP/2 (see Http2Fallback). */
  http2Fallback?: { learn(url: string): boolean; offersHttp2(url: string): boolean };
  /**
   * Undefined while result lines are read as they come; else resolves once
   * they are again. A record's first attempt waits for it in its slot, so that
   * lines the parent holds back (a slow consumer) stop new requests: each line
   * may carry a body of up to --max-body.
   */
  outputFlows?: () => Promise<void> | undefined;
}

/** A record's answer: its whole result line, and the fields its counters read. */
export interface Answer {
  line: string;
  result: CountedResult;
}

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
  /** The body of tasks without one: -d's text, or its bytes once decoded from the config. */
  readonly #data: string | Buffer | undefined;
  readonly #gate: AttemptGate;
  readonly #retry: RetryOptions;
  readonly #shutdown: AbortSignal;
  /** A graceful stop began: records not yet sent are answered ENOTSENT; those begun go on (see stop()). */
  #stopped = false;
  /** When a graceful stop's grace ends (performance.now()); Infinity before a stop. */
  #graceEndsAt = Infinity;
  readonly #stopping = new AbortController();
  /** What ends a wait before a retry early: the shutdown, or a stop (which decides whether the retry is still due in time). */
  readonly #stopOrShutdown: AbortSignal;
  /** First attempts waiting for a grant (a limit flag, a slowed host): the stop answers them at once. */
  readonly #grantWaiters = new Set<() => void>();
  /** Tells the parent a record is about to be sent (see StartAnnouncer); absent: nobody to tell. */
  readonly #announce: ((line: number) => Promise<void>) | undefined;
  /** Frees descriptors (closes idle connections) when an attempt found none. */
  readonly #relieve: () => void;
  readonly #http2Fallback: LoopHooks['http2Fallback'];
  readonly #outputFlows: () => Promise<void> | undefined;
  /** Non-idempotent requests whose record must be announced before their first attempt. */
  readonly #unannounced = new WeakMap<AttemptRequest, number>();
  /** -b files: their cookies (shared by every record), and a jar that holds them alone, for first requests. */
  readonly #fileCookies: FileCookies | undefined;
  readonly #fileJar: RedirectCookies | undefined;
  /** A first request with the files' cookies -> the request as the record led to it, which redirects start from. */
  readonly #ledTo = new WeakMap<AttemptRequest, AttemptRequest>();
  /** Origins that close each connection after its answer: their requests go on connections of their own. */
  readonly #closingOrigins = new ClosingOrigins();
  /** --save: records saving under one name land in input order. */
  readonly #saveTurns = new SaveTurns();
  readonly #send = (given: AttemptRequest): Promise<FetchOutcome> => {
    // An origin found to close each connection after its answer: a connection of its own, asked as it is sent
    // (a record built before the origin was known, and waiting since, goes so too).
    const request = given.onlyUse || !this.#closingOrigins.closesEach(given.url) ? given : { ...given, onlyUse: true };
    const line = this.#unannounced.get(given);
    if (line === undefined || !this.#announce) return sendRequest(request, this.#attempt);
    this.#unannounced.delete(given);
    return this.#announce(line).then(() => sendRequest(request, this.#attempt));
  };

  constructor(config: WorkerConfig, dispatcher: Dispatcher, shutdown: AbortSignal, gate: AttemptGate = OPEN_GATE, hooks: LoopHooks = {}) {
    this.#config = config;
    this.#data = config.dataBase64 === undefined ? config.data : Buffer.from(config.dataBase64, 'base64');
    this.#fileCookies = config.fileCookies.length > 0 ? new FileCookies(config.fileCookies) : undefined;
    this.#fileJar = this.#fileCookies && new RedirectCookies(this.#fileCookies);
    this.#announce = hooks.announce;
    this.#relieve = hooks.relieve ?? (() => {});
    const fallback = hooks.http2Fallback;
    this.#http2Fallback = fallback;
    this.#gate = gate;
    this.#shutdown = shutdown;
    this.#stopOrShutdown = AbortSignal.any([shutdown, this.#stopping.signal]);
    this.#limit = pLimit(config.concurrency);
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
      decompress: config.compressed,
      includeHeaders: config.includeHeaders,
      followRedirects: config.follow,
      shutdown,
      ...(config.save !== undefined ? { save: { dir: config.save, turns: this.#saveTurns } } : {}),
      ...(config.maxFilesize !== undefined ? { maxFilesize: config.maxFilesize } : {}),
      ...proxiesOf(config),
      offersHttp2: config.http2 ? () => true : fallback ? (url: string) => fallback.offersHttp2(url) : undefined,
      http1Only: config.http1Only,
      clientCertificate: config.certPem !== undefined,
    };
    this.#outputFlows = hooks.outputFlows ?? (() => undefined);
    this.#cache = config.cache
      ? // An abort the stop made is marked for --resume here too: the cache serializes the outcome as it comes.
        new ResponseCache({ maxEntries: config.cacheSize, maxBytes: config.cacheBytes, fetch: (request) => this.#fetch(request).then((outcome) => this.#stoppedForResume(outcome, request.method)) })
      : undefined;
  }

  /**
   * Whether handle() may be given another record now. A record handed over
   * while every slot is taken would wait in p-limit's queue with its promise
   * chain already built; the caller keeps it as a plain task instead. That is
   * a GC matter: a chain that waits lives through scavenges into V8's old
   * space, and from there keeps alive everything its promises are later
   * resolved with, and the queue's next node (bench/CHANGELOG.md, entry 16).
   */
  get ready(): boolean {
    return this.#limit.pendingCount < QUEUED_ATTEMPTS;
  }

  /**
   * Whether `spec` goes through the cache: it may be answered, or join the
   * flight of an identical request, without taking a slot, so it should be
   * handed over as soon as it arrives. Only tasks the parent marked for the
   * cache pay for a key: a request not known to come again goes straight out.
   */
  usesCache(spec: Task): spec is Task & { cache: CacheDirective } {
    return this.#cache !== undefined && spec.cache !== undefined && CACHEABLE_METHODS.has(spec.method) && !(this.#config.save !== undefined && namedById(spec));
  }

  /** What the cache did so far (zeros without one). */
  get cacheCounters(): { stored: number; evictions: number; peakBytes: number } {
    return this.#cache?.counters ?? { stored: 0, evictions: 0, peakBytes: 0 };
  }

  /**
   * A graceful stop: no record begins any more. A record whose first attempt
   * has not gone out (waiting for a slot, or later given to handle()) is
   * answered ENOTSENT instead; records begun keep their retries and redirect
   * hops until the grace runs out and the shutdown aborts them. A retry due
   * after the grace is not waited for: the record is aborted now, as it would
   * be then (a stop among records waiting out a 429's Retry-After: 30 waited
   * the whole grace with nothing in flight).
   */
  stop(graceMs = Infinity): void {
    this.#stopped = true;
    this.#graceEndsAt = performance.now() + graceMs;
    this.#stopping.abort();
    for (const answerUnsent of [...this.#grantWaiters]) answerUnsent();
    // Records queued for a slot (up to QUEUED_ATTEMPTS) were answered only as the requests in flight
    // ended: the queue starts at once, each of them finds the stop and answers ENOTSENT. A retry queued
    // among them goes out with them, over --concurrency by at most the queue's length for a moment.
    const limit = this.#limit;
    if (limit.pendingCount === 0) return;
    const { concurrency } = limit;
    limit.concurrency = concurrency + limit.pendingCount;
    setImmediate(() => {
      limit.concurrency = concurrency;
    });
  }

  /** stop() was called: a record given to handle() now would not begin. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The answer of a record the stop came before, made without a request. */
  unsent(spec: Task): Answer {
    const result = resultOf(spec, UNSENT, false, 0);
    return { line: rawResultLine(result), result };
  }

  /**
   * Never rejects for a request's failure: that comes back as a result with an
   * error. Written with then() rather than async/await: this runs once per
   * record, and each await level costs a promise and a microtask turn.
   */
  handle(spec: Task): Promise<Answer> {
    const request = this.#buildRequest(spec);
    // --save: the record holds its file name's turn from now until its line is made (SaveTurns).
    const name = request.saveAs?.name;
    if (name === undefined) return this.#answer(spec, request);
    this.#saveTurns.claim(name);
    return this.#answer(spec, request).finally(() => this.#saveTurns.release(name));
  }

  #answer(spec: Task, request: AttemptRequest): Promise<Answer> {
    if (this.#cache && this.usesCache(spec)) {
      // A repeat's answer is a line too, a copy of its first's (1.4 MB for a 1 MiB body): while lines back up,
      // repeats wait as records about to begin do, or a window of them queued gigabytes at once.
      const held = this.#outputFlows();
      if (held) return held.then(() => this.#answer(spec, request));
      const started = performance.now();
      const answer = this.#cache.get(requestKey(spec), spec.cache, spec.uses ?? 0, request);
      const toAnswer = ({ response, status, attempts, redirects, http2Resent, resent, ms }: CacheAnswer): Answer => {
        // A repeat that joined a flight the stop came before was not sent either, and is not counted cached.
        const cached = status !== 'miss' && response.error?.code !== RecordErrorCode.NOT_SENT;
        // A repeat that joined a flight waited no longer than that flight's own ms: its wait from the start
        // included the leader's turn behind --rate or a per-host limit, which is pacing, not the server's time.
        const took = !cached ? ms : status === 'inflight' ? Math.min(elapsedMs(started), ms) : elapsedMs(started);
        return {
          // The response part was serialized once, when it arrived: a repeat only writes its own fields around it.
          line: lineFromResponse(spec, response.text, cached, took, attempts),
          result: { url: spec.url, status: response.status, error: response.error, ms: took, attempts: cached ? 0 : attempts, redirects, cached, ...(http2Resent && !cached ? { http2Resent } : {}), ...(resent && !cached ? { resent } : {}) },
        };
      };
      return 'then' in answer ? answer.then(toAnswer) : Promise.resolve(toAnswer(answer));
    }
    const toAnswer = (outcome: FetchOutcome): Answer => {
      const result = resultOf(spec, this.#stoppedForResume(outcome, spec.method), false, outcome.ms);
      return { line: rawResultLine(result), result: outcome.http2Resent || outcome.resent ? { ...result, ...(outcome.http2Resent ? { http2Resent: outcome.http2Resent } : {}), ...(outcome.resent ? { resent: outcome.resent } : {}) } : result };
    };
    // #fetch with its answer made in the same reaction: one promise less a record.
    return this.#firstAttempt(request).then((first) => (this.#isFinal(first, request) ? toAnswer(first) : this.#fetchOn(request, first).then(toAnswer)));
  }

  /** An outcome the stop aborted, or whose body a full disk had no room for, marked for --resume to send again when its method may be sent twice. */
  #stoppedForResume(outcome: FetchOutcome, method: string): FetchOutcome {
    const error = outcome.error;
    if (error === undefined || error === null) return outcome;
    const twice = isIdempotent(method) || this.#retry.retryAllMethods;
    // A body a full disk had no room for was answered: --resume sends it again only if its method may be sent twice.
    if (isSaveDiskFull(error)) return twice ? outcome : { ...outcome, error: sentOnce(error) };
    if (error.code !== RecordErrorCode.ABORTED || !twice) return outcome;
    return { ...outcome, error: STOPPED_IN_FLIGHT_RESENT };
  }

  /**
   * A record's whole fetch: each redirect hop, and each retry of a hop, is one
   * attempt. Every attempt takes its own p-limit slot and passes the gate, so
   * a record sleeping before a retry holds no slot (other records go on) and
   * rate limits count retries and hops as the server sees them. A retry then
   * queues behind records already waiting: fairness over latency.
   */
  #fetch(first: AttemptRequest): Promise<FetchOutcome> {
    // The common case, one attempt that needs no retry and no --follow,
    // allocates nothing more than the attempt itself.
    return this.#firstAttempt(first).then((outcome) => (this.#isFinal(outcome, first) ? outcome : this.#fetchOn(first, outcome)));
  }

  /**
   * The first attempt, as #attemptOnce without its last step: undefined when
   * the host was slowed down while it waited for a slot, and it must go
   * through the gate after all (#fetchOn does that). The caller's reaction
   * sees that case, so the common one costs a promise less.
   */
  #firstAttempt(request: AttemptRequest): Promise<FetchOutcome | undefined> {
    const grant = this.#gate.acquire(request.url);
    if (grant) return this.#afterGrant(grant, request);
    return this.#limit(this.#beginUnlessSlowed, request);
  }

  /**
   * A first attempt waiting for its grant (--rate can make that seconds) has
   * sent nothing: a stop answers it ENOTSENT at once, rather than when the
   * grant comes or the grace runs out. The grant, when it comes, is given back.
   */
  #afterGrant(grant: Promise<ReleaseAttempt>, request: AttemptRequest): Promise<FetchOutcome> {
    if (this.#stopped) {
      void grant.then((release) => release({ status: null }));
      return unsent();
    }
    return new Promise((resolve) => {
      const answerUnsent = (): void => {
        this.#grantWaiters.delete(answerUnsent);
        resolve(UNSENT);
      };
      this.#grantWaiters.add(answerUnsent);
      void grant.then((release) => {
        if (!this.#grantWaiters.delete(answerUnsent)) return release({ status: null });
        resolve(this.#limit(this.#beginAndRelease, request, release));
      });
    });
  }

  // A record's first attempt, in its slot: after a graceful stop it does not go out, and while
  // the output backs up it waits (holding the slot: no other record starts meanwhile either).
  readonly #beginAndRelease = (request: AttemptRequest, release: ReleaseAttempt): Promise<FetchOutcome> => {
    if (this.#stopped) {
      release({ status: null });
      return unsent();
    }
    const held = this.#outputFlows();
    return held ? held.then(() => this.#beginAndRelease(request, release)) : this.#sendAndRelease(request, release);
  };

  readonly #beginUnlessSlowed = (request: AttemptRequest): Promise<FetchOutcome | undefined> | undefined => {
    if (this.#stopped) return unsent();
    const held = this.#outputFlows();
    return held ? held.then(() => this.#beginUnlessSlowed(request)) : this.#sendUnlessSlowed(request);
  };

  /** True when the first attempt's outcome is the record's: no retry due, no --follow, and it was sent. */
  #isFinal(outcome: FetchOutcome | undefined, request: AttemptRequest): outcome is FetchOutcome {
    return outcome !== undefined && !this.#config.follow && outcome.staleConnection === undefined && retryDelay(outcome, request.method, 1, this.#retry) === undefined;
  }

  /**
   * The rest of a fetch whose first attempt gave `firstOutcome` (undefined:
   * it is still to be made, through the gate): retries and redirect hops.
   */
  async #fetchOn(first: AttemptRequest, firstOutcome: FetchOutcome | undefined): Promise<FetchOutcome> {
    /**
     * When the first attempt went out: the record's ms runs from there. The time it queued before (behind
     * --rate, a per-host limit, a host's pause) is the run's pacing, as for a record of one attempt; counted
     * from when the child took the record, a retried or redirected record's ms held it (2 s for 3 ms of work).
     */
    let started: number | undefined;
    let request = first;
    /** The hop's request without the cookies its redirects set (or the -b files'): each hop adds the jar's anew. */
    let asLed = this.#ledTo.get(first) ?? first;
    let jar: RedirectCookies | undefined;
    let attempts = 0;
    let redirects = 0;
    let pending: FetchOutcome | undefined = firstOutcome;
    /** Attempts sent again at once on a new connection (#resendStale), over every attempt of the record. */
    let resent = 0;
    let http2Resent = false;
    /** One attempt (the first one's outcome, when given), counted, with what it was sent again at once (#resendStale). */
    const attempt = async (): Promise<FetchOutcome> => {
      const given = pending;
      pending = undefined;
      // A retry or redirect hop the stop came before: the record was sent already.
      let outcome = abortedOnceSent(given ?? (await this.#attemptOnce(request)), attempts);
      started ??= performance.now() - outcome.ms;
      attempts += outcome.attempts;
      resent += outcome.resent ?? 0;
      if (outcome.http2Resent) http2Resent = true;
      return outcome;
    };
    /** A retry after a refusal sent before its host was known to refuse was given, uncounted (once a record). */
    let spared = false;
    for (;;) {
      let outcome = await attempt();
      for (let retry = 1; ; retry++) {
        // The first wave to a host that caps its concurrency is refused beyond the cap before anyone knows
        // the cap; charged to --retries, a record then ran out of them at the gate's later probes above it.
        const free = outcome.refusedUngated === true && !spared && this.#retry.retries > 0;
        const delay = retryDelay(outcome, request.method, free ? 1 : retry, this.#retry);
        if (delay === undefined) break;
        if (!(await this.#wait(delay))) {
          // The grace ran out before the retry: the record is in flight as much as one being sent
          // (not its answer yet), so it is aborted, and --resume sends it again if it may.
          // Its ms runs to the stop, the wait included, as a record's ms includes its waits (one attempt made: finish keeps this).
          outcome = { status: null, body: null, bytes: 0, attempts: outcome.attempts, ms: elapsedMs(started ?? performance.now()), error: STOPPED_IN_FLIGHT };
          break;
        }
        if (free) {
          spared = true;
          retry -= 1;
        }
        outcome = await attempt();
      }
      const finish = (extra: Partial<FetchOutcome>): FetchOutcome => {
        // The common case, one attempt and no --follow, allocates nothing more. Not a retry the stop came
        // to while it waited for its grant (--rate, a host's pause): that one's outcome is unsent (0 attempts,
        // 0 ms), where the record was sent once, and its line showed attempts 0 and the summary too few requests.
        if (attempts === 1 && outcome.attempts === 1 && !this.#config.follow) return outcome;
        const ms = elapsedMs(started ?? performance.now());
        const done: FetchOutcome = { ...outcome, ...extra, attempts, ms };
        // A Location may carry a password (http://u:p@host/): shown masked, as the record's own URL is.
        if (this.#config.follow) Object.assign(done, { finalUrl: request.url.includes('@') ? maskUserinfo(request.url) : request.url, finalMethod: request.method, redirects });
        if (http2Resent) done.http2Resent = 1;
        if (resent > 0) done.resent = resent;
        return done;
      };
      if (outcome.location === undefined || outcome.status === null) return finish({});
      if (redirects >= this.#config.maxRedirects) {
        return finish({ error: recordError(RecordErrorCode.TOO_MANY_REDIRECTS, `More than ${this.#config.maxRedirects} redirect${this.#config.maxRedirects === 1 ? '' : 's'} (--max-redirects)`) });
      }
      if (this.#config.redirectCookies && outcome.setCookies) (jar ??= new RedirectCookies(this.#fileCookies)).store(outcome.setCookies, request.url);
      const next = redirectRequest(asLed, outcome.status, outcome.location, { autoReferer: this.#config.autoReferer, protocols: this.#config.redirectProtocols });
      if ('code' in next) return finish({ error: next });
      asLed = next;
      request = (jar ?? this.#fileJar)?.onto(next) ?? next;
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
    if (grant) return grant.then((release) => this.#limit(this.#sendAndRelease, request, release));
    // Asked nobody, but the host may refuse another attempt while this one
    // waits for a slot: then it goes back through the gate after all.
    return this.#limit(this.#sendUnlessSlowed, request).then((outcome) => outcome ?? this.#attemptOnce(request));
  }

  readonly #sendAndRelease = (request: AttemptRequest, release: ReleaseAttempt): Promise<FetchOutcome> =>
    this.#send(request).then((first) => {
      const done = (outcome: FetchOutcome): FetchOutcome => {
        release(feedbackOf(outcome));
        return outcome;
      };
      const after = this.#inSlotAfter(request, first);
      return after === undefined ? done(first) : after.then(done);
    });

  /**
   * Runs in a slot. A refusal is reported here, before the slot frees, so the
   * next attempt this child starts already sees the host slowed down.
   */
  readonly #sendUnlessSlowed = (request: AttemptRequest): Promise<FetchOutcome> | undefined => {
    if (this.#gate.mustAsk(request.url)) return undefined;
    return this.#send(request).then((first) => {
      const done = (outcome: FetchOutcome): FetchOutcome => {
        // 429 says "too many", of the load rather than of the record; a 503 may as well be a backend that is down.
        if (isRefusal(outcome.status) && this.#gate.refused(request.url, feedbackOf(outcome)) && outcome.status === 429) return { ...outcome, refusedUngated: true };
        return outcome;
      };
      const after = this.#inSlotAfter(request, first);
      return after === undefined ? done(first) : after.then(done);
    });
  };

  /**
   * What follows a first send in its slot, before the slot frees: the sends again that are not --retries.
   * Undefined when none is due, the common case, which then takes no promise more.
   */
  #inSlotAfter(request: AttemptRequest, first: FetchOutcome): Promise<FetchOutcome> | undefined {
    if (isShortage(first)) return this.#sendAfterShortage(request, first);
    if (first.refusedHttp1 !== undefined) return this.#resendOverHttp2(request, first);
    if (first.staleConnection) return this.#resendStale(request, first);
    return undefined;
  }

  /**
   * An https server that turned HTTP/1.1 away: its origin goes over HTTP/2 from now on, and this attempt
   * again at once, once, in the same slot, as #resendStale sends: not one of --retries. In a slot of its own
   * it queued behind every record waiting for one (a 200 ms answer read 3.3 s), and the slot it freed went to
   * the next record before the origin was learned, which was refused in turn. A request that went out
   * unanswered goes again only if it may be sent twice (records after it go over HTTP/2 whatever their
   * method). Over HTTP/2 now, a stream the server refused unprocessed goes again at once as well.
   */
  async #resendOverHttp2(request: AttemptRequest, first: FetchOutcome): Promise<FetchOutcome> {
    if (!this.#http2Fallback?.learn(request.url)) return first;
    if (first.refusedHttp1 === 'unanswered' && !isIdempotent(request.method) && !this.#retry.retryAllMethods) return first;
    const started = performance.now() - first.ms;
    let outcome = await this.#send(request);
    if (outcome.staleConnection) outcome = await this.#resendStale(request, outcome);
    return { ...outcome, attempts: first.attempts + outcome.attempts, http2Resent: 1, ms: elapsedMs(started) };
  }

  /**
   * Sent on a connection the server had closed, and not answered (or an HTTP/2 stream refused unprocessed):
   * again at once, in the same slot, on a new connection, whatever the method, as curl does; not one of
   * --retries. In a slot of its own it queued behind every record waiting for one (at --concurrency 1, sixteen
   * records went before it). onlyUse: a Client of its own (oneShot), so a connection opened for it, not another
   * pooled one the server may have closed too. Not over HTTP/2 (--http2, or an origin the fallback moved
   * there): there it is a session's GOAWAY (nginx sends one every 1,000 streams), after which the pool opens
   * one new session for all the streams it turned away, where a Client each would cost a TLS handshake each.
   * A GOAWAY's streams only if they may be sent twice: undici cannot tell those the server processed. The
   * outcome counts every attempt, the resends in `resent`, and its ms runs from the first.
   *
   * The resend goes under the first attempt's grant too, as it goes in its slot: asking the gate again while
   * holding the slot would wait for records that hold the host's grants and wait for slots (a host held to one
   * request at a time never answered). So --rate does not count it: closing-origins.ts keeps such resends to a
   * few an origin.
   */
  async #resendStale(request: AttemptRequest, first: FetchOutcome): Promise<FetchOutcome> {
    const started = performance.now() - first.ms;
    let outcome = first;
    let attempts = first.attempts;
    let resent = 0;
    while (outcome.staleConnection && resent < FRESH_CONNECTION_RETRIES && (outcome.staleConnection === true || isIdempotent(request.method) || this.#retry.retryAllMethods)) {
      resent += 1;
      const overHttp2 = this.#config.http2 || this.#http2Fallback?.offersHttp2(request.url) === true;
      if (!overHttp2 && outcome.closedAfterOneAnswer) this.#closingOrigins.noteStale(request.url);
      outcome = abortedOnceSent(await this.#send(overHttp2 ? request : { ...request, onlyUse: true }), attempts);
      attempts += outcome.attempts;
    }
    return resent === 0 ? outcome : { ...outcome, attempts, resent, ms: elapsedMs(started) };
  }

  /**
   * No descriptor for a connection is this child's shortage, not the host's
   * failure: close idle connections, wait a little and send again, in the
   * same slot (so the child opens fewer connections meanwhile). It costs no
   * --retries, and only a shortage that outlasts the tries ends the record.
   */
  async #sendAfterShortage(request: AttemptRequest, first: FetchOutcome): Promise<FetchOutcome> {
    let outcome = first;
    for (let tries = 1; tries < SHORTAGE_TRIES && isShortage(outcome); tries++) {
      this.#relieve();
      if (!(await this.#wait(SHORTAGE_WAIT_MS * (0.5 + Math.random())))) break;
      outcome = await this.#send(request);
    }
    return outcome;
  }

  /** Sleeps before a retry; false when the stop's grace runs out meanwhile, or will before the retry is due. */
  async #wait(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.#shutdown.aborted;
    const dueAt = performance.now() + ms;
    if (!this.#stopped) await sleep(ms, undefined, { signal: this.#stopOrShutdown }).catch(() => {});
    if (dueAt > this.#graceEndsAt) return false;
    // A stop came during the wait, and the retry is due within the grace: the rest of the wait.
    const left = dueAt - performance.now();
    if (left > 0 && !this.#shutdown.aborted) await sleep(left, undefined, { signal: this.#shutdown }).catch(() => {});
    return !this.#shutdown.aborted;
  }

  #buildRequest(spec: Task): AttemptRequest {
    let request = taskRequest(spec, this.#config, this.#data);
    if (this.#config.save !== undefined) request.saveAs = { name: saveName(spec), line: spec.line };
    if (spec.last === OriginUse.ONLY) request.onlyUse = true;
    if (this.#fileJar) {
      const led = request;
      request = this.#fileJar.onto(led);
      if (request !== led) this.#ledTo.set(request, led);
    }
    // Sent twice only if it may be: a crash re-sends what it may, and fails the rest with ECHILDCRASH.
    if (this.#announce && !this.#config.retryAllMethods && !isIdempotent(spec.method)) this.#unannounced.set(request, spec.line);
    return request;
  }
}

function isShortage(outcome: FetchOutcome): boolean {
  return outcome.error?.code === RecordErrorCode.NO_DESCRIPTORS;
}

function feedbackOf(outcome: FetchOutcome): AttemptFeedback {
  return outcome.retryAfterMs === undefined ? { status: outcome.status } : { status: outcome.status, retryAfterMs: outcome.retryAfterMs };
}

/**
 * A retry or redirect hop the stop came before is not a record left unsent: an
 * earlier attempt of it went out (`sent` of them), so it reads EABORTED, as any
 * record that may have reached a server does (--resume sends it again only if
 * its method may be sent twice: see #stoppedForResume).
 */
function abortedOnceSent(outcome: FetchOutcome, sent: number): FetchOutcome {
  if (sent === 0 || outcome.error?.code !== RecordErrorCode.NOT_SENT) return outcome;
  return { ...outcome, error: STOPPED_IN_FLIGHT };
}

/** The proxies this child's dispatcher sends through (--proxy, or the environment's as curl reads it). */
function proxiesOf(config: WorkerConfig): Pick<AttemptOptions, 'proxies'> {
  const proxies = proxyEndpoints(proxyChoice(config.proxy, process.env, config.noProxy));
  return proxies.length > 0 ? { proxies } : {};
}
