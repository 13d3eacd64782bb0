import { getEventListeners, getMaxListeners, setMaxListeners } from 'node:events';
import { ReadStream } from 'node:fs';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Readable, PassThrough } from 'node:stream';
import { openInput } from './input/open-input.js';
import { wholeLinesUntilFailure } from './input/whole-lines-until-failure.js';
import { readLineBatches } from './input/lines.js';
import { resolveRunOptions } from './options/index.js';
import type { CacheMode, ErrorLimit, RunOptions, RunProgress, RunSummary, Shard } from './run-types.js';
import type { Result } from './wire/result-line.js';
import { toSummaryJson, type SummaryJson } from './output/summary.js';
import { runJob } from './parent/run-job.js';
import { STOPPED_BEFORE_SENDING, UsageError, describeValue } from './errors.js';
import { memberText } from './input/json-member.js';
import { maskQuotedPasswords } from './input/credentials.js';
import { heldExactly } from './wire/held-exactly.js';
import { recordsReadable, TakenRecords, type RecordInput } from './api-records.js';
import { parseRecord } from './input/parse-record.js';
import { hashRequest, shardOf } from './input/request-key.js';
import { errorResult, serializeResult } from './wire/result-line.js';
import { runFilesInSaveDir } from './output/save-keep.js';

/** RunOptions fields that are durations: a number is milliseconds, a string reads as the flag does ('10s', '250ms'). */
type DurationField = 'timeout' | 'connectTimeout' | 'retryDelay' | 'retryMaxDelay' | 'grace';

/** RunOptions fields whose flag text is taken as well as the value ('64k', '10/s', '10%', '1/3'): the flag's parser reads it. */
type FlagTextField = 'cacheBytes' | 'maxBody' | 'maxFilesize' | 'rate' | 'perHostRate';

/** Everything the CLI takes (RunOptions, defaults filled in), plus what only a program can give. */
export interface BulkfetchOptions
  // dataHeaderNames, headerFlagNames and saveKeep are the CLI's own, made from its flags: a caller's threw "Unknown option".
  extends Partial<Omit<RunOptions, 'input' | 'headers' | 'query' | 'uploadName' | 'cache' | 'connectTo' | 'resolve' | 'maxErrors' | 'shard' | 'dataHeaderNames' | 'headerFlagNames' | 'saveKeep' | DurationField | FlagTextField>>,
    Partial<Record<DurationField | FlagTextField, number | string>> {
  /**
   * Sent with every request: { name: value } (a number is sent as text, a list joined with ', '), or
   * ['Name: value', ...] as -H repeated (a repeated name keeps both values). null (or 'Name:') removes a
   * header bulkfetch would send; '' (or 'Name;') sends it empty. A Map or a fetch Headers is read as its entries.
   */
  headers?: Record<string, string | number | Array<string | number> | null> | Map<string, string | number | Array<string | number> | null> | Headers | string[];
  /** 'auto', 'on' or 'off'; false is 'off', as --no-cache. */
  cache?: CacheMode | false;
  /** { 'host1:port1': 'host2:port2' }, or flag texts as --connect-to takes them ('host1:port1:host2:port2'). */
  connectTo?: Record<string, string> | Map<string, string> | string[];
  /** { 'host:port': 'address' }, or flag texts as --resolve takes them ('host:port:address'). */
  resolve?: Record<string, string> | Map<string, string> | string[];
  /** A count (10), a flag text ('10', '5%'), or { kind, max }. */
  maxErrors?: ErrorLimit | number | string;
  /** { index, count } (0-based), or the flag's 'K/N'. */
  shard?: Shard | string;
  /**
   * Aborting stops the run as a second Ctrl-C stops the CLI's: no record begins any more (those not begun
   * are answered ENOTSENT), those in flight are aborted (EABORTED), and iteration ends after their lines.
   */
  signal?: AbortSignal;
  /** Called about 10 times a second with where the run is. */
  onProgress?: (progress: RunProgress) => void;
}

export type { RecordInput } from './api-records.js';

/**
 * The input: a file path ('-' for stdin), a byte stream of lines, or an
 * iterable of records (each item is one line: a URL string or a spec object).
 */
/**
 * A file path ('-': stdin), a Readable of lines (a web ReadableStream of bytes too: a fetch() body), or records.
 * The global ReadableStream as well as node:stream/web's: with the DOM lib (TypeScript's default), a fetch()
 * body is DOM's type, which node:stream/web's is not.
 */
export type BulkfetchInput = string | Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array> | Iterable<RecordInput> | AsyncIterable<RecordInput>;

export interface BulkfetchRun extends AsyncIterable<Result> {
  /** The run's summary (the same as `--summary FILE`); settles when the run ends. */
  readonly summary: Promise<SummaryJson>;
}

/**
 * Runs bulkfetch from a program: the same engine and options as the CLI, with
 * results as an async iterable of typed Result objects, in completion order
 * (input order with `ordered: true`). Iteration pulls: a slow consumer pauses
 * the run, as a slow stdout does. Leaving the loop early stops the run.
 *
 *     for await (const result of bulkfetch('urls.txt', { procs: 4 })) console.log(result.status);
 */
export function bulkfetch(input: BulkfetchInput, options: BulkfetchOptions = {}): BulkfetchRun {
  checkArguments(input, options);
  const { signal, onProgress, ...given } = options;
  let runOptions: RunOptions;
  try {
    runOptions = resolveRunOptions(typeof input === 'string' ? input : '-', given);
    // --save's rule as the CLI has it: a record whose id names the input file (or the file behind stdin, or the
    // one an fs.createReadStream reads) is refused.
    const inputFile = typeof input === 'string' ? input : input instanceof ReadStream && typeof input.path === 'string' ? input.path : undefined;
    if (runOptions.save !== undefined && inputFile !== undefined) runOptions.saveKeep = runFilesInSaveDir(runOptions.save, { input: inputFile });
  } catch (error) {
    throw withSecretsMasked(error);
  }
  // An iterable input that threw: the records before it are answered, then the run fails with its error.
  let inputFailure: { error: unknown } | undefined;
  const taken = typeof input === 'string' || input instanceof WebReadableStream || (input instanceof Readable && !input.readableObjectMode) ? undefined : new TakenRecords();
  const stream = toReadable(input, (error) => {
    inputFailure ??= { error };
  }, taken, runOptions.maxLineBytes);
  const sink = new PassThrough({ highWaterMark: 256 * 1024 });
  // Writes after an early stop land on a destroyed stream; they are meant to be dropped.
  sink.on('error', () => {});
  // The caller's signal, a failing onProgress and leaving the loop early (break, a throw in its body) all take
  // the CLI's stop path, not a kill of the children, which could not tell a record begun from one held (every
  // one was EABORTED, attempts 0): every record still gets its line and its true code, and the summary tells
  // records begun (EABORTED) from those never sent (ENOTSENT) and counts the requests made.
  const leftLoop = new AbortController();
  // The caller's signal by a listener, not AbortSignal.any: that holds its sources weakly, and an
  // AbortSignal.timeout() nothing else held was collected before it fired (the run went to its end).
  const onCallerAbort = (): void => leftLoop.abort();
  if (signal?.aborted) leftLoop.abort();
  // A listener of its own per run, as Node's fetch adds: twelve runs on one signal printed MaxListenersExceededWarning (a library must not print).
  else addListenerQuietly(signal, onCallerAbort);
  const stopWhen = leftLoop.signal;
  const stopSignals = { stop: stopWhen, abortNow: stopWhen };
  // The caller's callback runs on the run's timer: a throw there was an uncaught exception that ended the
  // process. It stops the run instead, as an aborted signal does, and the run rejects with it once the
  // loop has read every record's line.
  let progressError: { thrown: unknown } | undefined;
  const failProgress = (thrown: unknown): void => {
    if (progressError) return;
    progressError = { thrown };
    leftLoop.abort();
  };
  const progress = onProgress && ((state: RunProgress): void => {
    if (progressError) return;
    try {
      // An async callback's rejection too: it was an unhandled rejection, which ends a program.
      const returned: unknown = onProgress(state);
      if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') (returned as PromiseLike<unknown>).then(undefined, failProgress);
    } catch (thrown) {
      failProgress(thrown);
    }
  });
  // The run begins when its results are asked for (the loop starts, or the summary is awaited): a run
  // neither read nor awaited sent its requests anyway, and held the program open once its output filled.
  let begin = (): void => {};
  const asked = new Promise<void>((resolve) => {
    begin = resolve;
  });
  const run = asked.then(() => runJob(runOptions, { input: stream, sink, ...stopSignals, ...(progress ? { onProgress: progress } : {}) })).then(
    (summary) => {
      signal?.removeEventListener('abort', onCallerAbort);
      if (taken && summary.stoppedBy !== null) answerUnread(taken, summary, runOptions, sink);
      sink.end();
      // After sink.end(): the loop reads every line, then sees the error (the run's promise rejects).
      if (progressError) throw progressError.thrown;
      if (inputFailure) throw inputFailure.error;
      return summary;
    },
    (error: unknown) => {
      signal?.removeEventListener('abort', onCallerAbort);
      sink.destroy();
      throw progressError ? progressError.thrown : withSecretsMasked(error);
    },
  );
  // Who reads the results: nobody yet, a loop, or nobody ever (the summary was awaited first: they were discarded).
  let reader: 'none' | 'loop' | 'drained' = 'none';
  const summary = new SummaryPromise<SummaryJson>((resolve, reject) => run.then(toSummaryJson).then(resolve, reject));
  summary.catch(() => {}); // the iterator reports the failure; an unread summary must not crash the program
  // Awaited before anyone iterates: nobody will read the results, so they are
  // drained (discarded) and the run goes to its end instead of waiting forever.
  summary.onAwait = () => {
    begin();
    if (reader !== 'none') return;
    reader = 'drained';
    sink.resume();
  };

  async function* results(): AsyncGenerator<Result> {
    let complete = false;
    try {
      try {
        for await (const batch of readLineBatches(sink, { maxLineBytes: Number.POSITIVE_INFINITY })) {
          for (const { text } of batch) if (text) yield resultOfLine(text);
        }
      } catch (error) {
        // A run that failed destroyed the sink: its reading then ends in "Premature close", and the run's error is the one to tell.
        await run;
        throw error;
      }
      await run;
      complete = true;
    } finally {
      if (!complete) {
        leftLoop.abort();
        sink.destroy();
        await run.catch(() => {});
      }
    }
  }
  return {
    summary,
    [Symbol.asyncIterator]: () => {
      // A second loop, or one after the summary drained the results, would see none of them without a word.
      if (reader === 'loop') throw new UsageError('This run\'s results were already read by a loop (or are being read): a run is read once; call bulkfetch() again for another run');
      if (reader === 'drained') throw new UsageError('This run\'s results were discarded: its summary was awaited (or given a then() handler) before the loop began; start the loop first');
      // Marked now, not at the generator's first next(): summary awaited right after must not drain.
      reader = 'loop';
      begin();
      return results();
    },
  };
}

/**
 * The summary's promise: its then() (which `await` calls on a subclass, unlike
 * on a plain Promise) tells the run it is being waited for. Promises derived from
 * it are plain ones.
 */
class SummaryPromise<T> extends Promise<T> {
  onAwait: (() => void) | undefined;
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  override then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    // `.catch(handler)` (then without a fulfilment handler) is a program guarding against a failure, the
    // usual habit before a loop: it does not want the summary, and draining took the loop's results from under it.
    if (typeof onFulfilled === 'function') this.onAwait?.();
    return super.then(onFulfilled, onRejected);
  }
  /** A guard, not a wait: what it gives is awaited (or then'd) for the summary, and drains as the summary itself would. */
  override catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#derived(Promise.prototype.then.call(this, undefined, onRejected) as Promise<T | B>);
  }
  override finally(onFinally?: (() => void) | null): Promise<T> {
    const run = async (): Promise<void> => {
      await onFinally?.();
    };
    return this.#derived(Promise.prototype.then.call(this, async (value: T) => {
      await run();
      return value;
    }, async (reason: unknown) => {
      await run();
      throw reason;
    }) as Promise<T>);
  }
  #derived<V>(promise: Promise<V>): SummaryPromise<V> {
    const derived = new SummaryPromise<V>((resolve, reject) => void promise.then(resolve, reject));
    derived.onAwait = this.onAwait;
    // A guard left unawaited before the loop (README): the loop reports the run's failure, and the guard's own
    // promise, rejecting with it, must not end the program as an unhandled rejection. What the guard's own
    // handler threw is the caller's, and goes on unhandled as it would from any promise.
    let runFailure: { reason: unknown } | undefined;
    Promise.prototype.then.call(this, undefined, (reason: unknown) => {
      runFailure = { reason };
    });
    Promise.prototype.then.call(derived, undefined, (reason: unknown) => {
      if (runFailure === undefined || reason !== runFailure.reason) throw reason;
    });
    return derived;
  }
}

/**
 * A result from its output line. JSON.parse would change a JSON body or a
 * numeric id that a double cannot hold (12345678901234567890, a member named
 * twice): such a body is given as its text, marked `json-text` as a body nested
 * too deep is, and such an id as the string of its digits.
 */
function resultOfLine(text: string): Result {
  const result = JSON.parse(text) as Result;
  const { body } = result;
  if ((typeof body === 'object' && body !== null) || typeof body === 'number') {
    const written = memberText(text, 'body');
    if (written !== undefined && !heldExactly(written)) {
      result.body = written;
      result.bodyEncoding = 'json-text';
    }
  }
  if (typeof result.id === 'number') {
    const written = memberText(text, 'id');
    if (written !== undefined && !heldExactly(written)) result.id = written;
  }
  return result;
}

function toReadable(input: BulkfetchInput, onFailure: (error: unknown) => void, taken: TakenRecords | undefined, maxLineBytes: number): Readable {
  if (typeof input === 'string') return openPathInput(input);
  // A web stream's bytes (a fetch() body) are text lines, as a Readable's: as an iterable, each chunk was one bogus record.
  if (input instanceof WebReadableStream) return wholeLinesUntilFailure(Readable.fromWeb(input as WebReadableStream<Uint8Array>), onFailure, maxLineBytes);
  // An object-mode stream (Readable.from(urls)) holds records, not text: joined as text, two URLs were one.
  if (input instanceof Readable) return input.readableObjectMode ? recordsReadable(input as AsyncIterable<RecordInput>, onFailure, taken) : wholeLinesUntilFailure(input, onFailure, maxLineBytes);
  return recordsReadable(input, onFailure, taken);
}

/**
 * A path's file, or a UsageError that says a string is a path when it reads as what the file would hold
 * (URLs, lines): the message echoed all of it, 2 MB of a list read into a string, with no word of why.
 */
function openPathInput(path: string): Readable {
  try {
    return openInput(path);
  } catch (error) {
    // ENAMETOOLONG: a list of some size is longer than a path may be.
    const code = (error as { cause?: NodeJS.ErrnoException }).cause?.code;
    const notFound = code === 'ENOENT' || code === 'ENAMETOOLONG';
    if (!notFound || !(/[\r\n]/.test(path) || /^[a-z][a-z0-9+.-]*:\/\//i.test(path))) throw error;
    throw new UsageError(`Cannot read input ${describeValue(path)}: no such file (a string is the path of a file of URLs: give URLs as an array, bulkfetch([url, ...]), or lines as a Readable)`);
  }
}

/**
 * A stopped run's answers for the records it had taken from the caller's iterable and not read yet: ENOTSENT (or
 * the error an invalid one has), so the loop sees a result for every record taken, as README promises. Those
 * were the read-ahead, up to some thousands, gone without a word where the caller could not take them again (a
 * generator, a queue). They are counted in the summary as the run's own are.
 */
function answerUnread(taken: TakenRecords, summary: RunSummary, options: RunOptions, sink: PassThrough): void {
  const read = summary.shards.reduce((a, b) => a + b, 0) + summary.invalid + summary.skipped + summary.outOfShard + summary.resumed;
  const { shard } = options;
  let lines = '';
  for (let line = read + 1; line <= taken.taken; line++) {
    const text = taken.textOf(line);
    if (text === undefined) continue;
    const record = parseRecord(text, line, options.method, options.protoDefault);
    if (record.kind === 'skip') continue;
    // Another machine's record (shard): it gets no result here, as in a run not stopped. By line for an invalid one, as the router deals them.
    if (shard && (record.kind === 'invalid' ? line % shard.count : shardOf(hashRequest(record.spec), shard.count)) !== shard.index) continue;
    const error = record.kind === 'invalid' ? record.error : STOPPED_BEFORE_SENDING;
    const { url, method, id, idText } = record.kind === 'invalid' ? record : record.spec;
    lines += serializeResult(errorResult({ line, url, method, ...(id !== undefined ? { id } : {}), ...(idText !== undefined ? { idText } : {}) }, error));
    summary.records += 1;
    summary.errors += 1;
    summary.errorCodes[error.code] = (summary.errorCodes[error.code] ?? 0) + 1;
    if (record.kind === 'invalid') summary.invalid += 1;
  }
  if (lines !== '') sink.write(lines);
}

/**
 * A UsageError's message as the CLI prints it: a proxy's or URL's password as ***. A program logs what it
 * catches, and the message echoed what was given (a password from https_proxy too). The unmasked error is
 * not kept as its cause, which a logger would print as well.
 */
function withSecretsMasked(error: unknown): unknown {
  if (!(error instanceof UsageError)) return error;
  const message = maskQuotedPasswords(error.message);
  return message === error.message ? error : new UsageError(message);
}

/** What TypeScript would refuse, refused at run time too (a UsageError) for callers in plain JavaScript. */
function checkArguments(input: unknown, options: unknown): void {
  const iterable = typeof input === 'object' && input !== null && (Symbol.iterator in input || Symbol.asyncIterator in input);
  // A Buffer is iterable, as numbers: each byte was one EINVALIDSPEC record.
  if (input instanceof Uint8Array) throw new UsageError('Expected the input to be a file path, a Readable or an iterable of records, got bytes (a Buffer or Uint8Array): give them as a Readable of text lines (Readable.from([bytes], { objectMode: false })), or decode them and split the lines');
  if (typeof input !== 'string' && !(input instanceof Readable) && !iterable) throw new UsageError(`Expected the input to be a file path, a Readable or an iterable of records, got ${describeValue(input)}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError(`Expected options to be an object, got ${describeValue(options)}`);
  const { signal, onProgress } = options as BulkfetchOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new UsageError(`Expected signal to be an AbortSignal, got ${describeValue(signal)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new UsageError(`Expected onProgress to be a function, got ${describeValue(onProgress)}`);
}

/** An abort listener on a caller's signal without Node's warning past 10 of them (runs sharing one signal is a caller's pattern). */
function addListenerQuietly(signal: AbortSignal | undefined, listener: () => void): void {
  if (signal === undefined) return;
  const max = getMaxListeners(signal);
  if (max > 0 && getEventListeners(signal, 'abort').length >= max) setMaxListeners(max * 2, signal);
  signal.addEventListener('abort', listener, { once: true });
}
