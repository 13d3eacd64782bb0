import { Readable, PassThrough } from 'node:stream';
import { openInput } from './input/open-input.js';
import { readLineBatches } from './input/lines.js';
import { resolveRunOptions } from './options/index.js';
import type { RunOptions, RunProgress } from './run-types.js';
import type { Result } from './wire/result-line.js';
import { toSummaryJson, type SummaryJson } from './output/summary.js';
import { runJob } from './parent/run-job.js';
import { UsageError, describeValue } from './errors.js';

/** RunOptions fields that are durations: a number is milliseconds, a string reads as the flag does ('10s', '250ms'). */
type DurationField = 'timeout' | 'connectTimeout' | 'retryDelay' | 'retryMaxDelay' | 'grace';

/** Everything the CLI takes (RunOptions, defaults filled in), plus what only a program can give. */
export interface BulkfetchOptions extends Partial<Omit<RunOptions, 'input' | 'headers' | 'query' | 'uploadName' | DurationField>>, Partial<Record<DurationField, number | string>> {
  /**
   * Sent with every request: { name: value }, or ['Name: value', ...] as -H repeated (a repeated name keeps
   * both values). null (or 'Name:') removes a header bulkfetch would send; '' (or 'Name;') sends it empty.
   */
  headers?: Record<string, string | null> | string[];
  /**
   * Aborting stops the run as a second Ctrl-C stops the CLI's: no record begins any more (those not begun
   * are answered ENOTSENT), those in flight are aborted (EABORTED), and iteration ends after their lines.
   */
  signal?: AbortSignal;
  /** Called about 10 times a second with where the run is. */
  onProgress?: (progress: RunProgress) => void;
}

/** A record as a line of input: a URL, or a request spec (serialized as the JSON spec line). */
export type RecordInput =
  | string
  | {
      url: string;
      method?: string;
      /** A number is sent as text, a list as one field joined as -H given twice joins it, null removes a header the options send. */
      headers?: Record<string, string | number | string[] | null>;
      /** One of body (sent as UTF-8), bodyBase64 (bytes) or json (sent as JSON). */
      body?: string;
      bodyBase64?: string;
      json?: unknown;
      id?: string | number;
    };

/**
 * The input: a file path ('-' for stdin), a byte stream of lines, or an
 * iterable of records (each item is one line: a URL string or a spec object).
 */
export type BulkfetchInput = string | Readable | Iterable<RecordInput> | AsyncIterable<RecordInput>;

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
  const runOptions = resolveRunOptions(typeof input === 'string' ? input : '-', given);
  const stream = toReadable(input);
  const sink = new PassThrough({ highWaterMark: 256 * 1024 });
  // Writes after an early stop land on a destroyed stream; they are meant to be dropped.
  sink.on('error', () => {});
  // The caller's signal takes the CLI's stop path, where every record still gets its line and its true
  // code; killing the children (which cannot tell a record begun from one held) is for a caller gone.
  const callerGone = new AbortController();
  const stop = (): void => callerGone.abort();
  // Leaving the loop early (break, a throw in its body) stops the run as the caller's signal does, not by
  // killing the children: its summary then tells records begun (EABORTED) from those never sent (ENOTSENT),
  // and counts the requests made, where a kill counted every record held as sent and aborted.
  const leftLoop = new AbortController();
  const stopWhen = signal ? AbortSignal.any([signal, leftLoop.signal]) : leftLoop.signal;
  const stopSignals = { stop: stopWhen, abortNow: stopWhen };
  // The caller's callback runs on the run's timer: a throw there was an uncaught exception that ended the
  // process. It stops the run instead, which rejects with it, as a throw in the loop's body would end the loop.
  let progressError: { thrown: unknown } | undefined;
  const progress = onProgress && ((state: RunProgress): void => {
    if (progressError) return;
    try {
      onProgress(state);
    } catch (thrown) {
      progressError = { thrown };
      stop();
    }
  });
  const run = runJob(runOptions, { input: stream, sink, signal: callerGone.signal, ...stopSignals, ...(progress ? { onProgress: progress } : {}) }).then(
    (summary) => {
      if (progressError) {
        sink.destroy();
        throw progressError.thrown;
      }
      sink.end();
      return summary;
    },
    (error: unknown) => {
      sink.destroy();
      throw progressError ? progressError.thrown : error;
    },
  );
  let iterated = false;
  const summary = new SummaryPromise<SummaryJson>((resolve, reject) => run.then(toSummaryJson).then(resolve, reject));
  summary.catch(() => {}); // the iterator reports the failure; an unread summary must not crash the program
  // Awaited before anyone iterates: nobody will read the results, so they are
  // drained (discarded) and the run goes to its end instead of waiting forever.
  summary.onAwait = () => {
    if (!iterated) sink.resume();
  };

  async function* results(): AsyncGenerator<Result> {
    let complete = false;
    try {
      try {
        for await (const batch of readLineBatches(sink, { maxLineBytes: Number.POSITIVE_INFINITY })) {
          for (const { text } of batch) if (text) yield JSON.parse(text) as Result;
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
      // Marked now, not at the generator's first next(): summary awaited right after must not drain.
      iterated = true;
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
    this.onAwait?.();
    return super.then(onFulfilled, onRejected);
  }
}

function toReadable(input: BulkfetchInput): Readable {
  if (typeof input === 'string') return openInput(input);
  // An object-mode stream (Readable.from(urls)) holds records, not text: joined as text, two URLs were one.
  if (input instanceof Readable) return input.readableObjectMode ? Readable.from(lines(input as AsyncIterable<RecordInput>)) : input;
  return Readable.from(lines(input));
}

async function* lines(records: Iterable<RecordInput> | AsyncIterable<RecordInput>): AsyncGenerator<string> {
  for await (const record of records) yield `${recordLine(record)}\n`;
}

/**
 * One input line for one record, whatever the caller gave: a URL string with a
 * line break would be several lines, and a blank or `#` one none (each is a
 * spec whose url is refused: EINVALIDURL), and anything but a string or a spec object (5, null) would be
 * read as a URL (http://0.0.0.5/): as a spec whose url is it, it is refused
 * (EINVALIDSPEC) instead. A spec JSON cannot write (a BigInt, a cycle) ended
 * the whole run.
 */
function recordLine(record: unknown): string {
  // A blank or `#` string would be a skipped line: as a spec's url it is refused, so every item has its result.
  if (typeof record === 'string') return /[\r\n]/.test(record) || /^\s*(?:#|$)/.test(record) ? JSON.stringify({ url: record }) : record;
  // undefined, a symbol or a function has no JSON: its type stands in.
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return JSON.stringify({ url: JSON.stringify(record) === undefined ? [typeof record] : record });
  try {
    return JSON.stringify(record);
  } catch (error) {
    // The refusal names the member it adds: what JSON.stringify said.
    const url = (record as { url?: unknown }).url;
    return JSON.stringify({ url: typeof url === 'string' ? url : '', [`not JSON: ${(error as Error).message}`]: null });
  }
}

/** What TypeScript would refuse, refused at run time too (a UsageError) for callers in plain JavaScript. */
function checkArguments(input: unknown, options: unknown): void {
  const iterable = typeof input === 'object' && input !== null && (Symbol.iterator in input || Symbol.asyncIterator in input);
  if (typeof input !== 'string' && !(input instanceof Readable) && !iterable) throw new UsageError(`Expected the input to be a file path, a Readable or an iterable of records, got ${describeValue(input)}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError(`Expected options to be an object, got ${describeValue(options)}`);
  const { signal, onProgress } = options as BulkfetchOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new UsageError(`Expected signal to be an AbortSignal, got ${describeValue(signal)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new UsageError(`Expected onProgress to be a function, got ${describeValue(onProgress)}`);
}
