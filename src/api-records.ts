import { Readable } from 'node:stream';
import { UsageError } from './errors.js';
import { UNWRITABLE_MEMBER } from './input/parse-record.js';
import { mapEntries } from './options/keyed-entries.js';

/** A record as a line of input: a URL, or a request spec (serialized as the JSON spec line). */
export type RecordInput =
  | string
  | {
      url: string;
      method?: string;
      /** A number is sent as text, a list as one field joined as -H given twice joins it, null removes a header the options send. A Map or a fetch Headers is read as its entries. */
      headers?: Record<string, string | number | string[] | null> | Map<string, string | number | string[] | null> | Headers;
      /** One of body (sent as UTF-8), bodyBase64 (bytes) or json (sent as JSON). */
      body?: string;
      bodyBase64?: string;
      json?: unknown;
      id?: string | number;
    };

/** Records turned into one chunk of lines before it is handed on: a chunk a record cost a tick each. */
const RECORDS_PER_CHUNK = 1024;

/**
 * The last records taken from the caller's iterable that a stop may leave unread: the read-ahead, at most a chunk
 * being gathered, one in the stream's buffer and those in the run's line reader. Kept with room to spare.
 */
const RECENT_RECORDS = 16 * RECORDS_PER_CHUNK;

/**
 * The records taken from a caller's iterable, by line: how many, and the text of the last of them. A stop
 * leaves the ones the run had not read yet without a result, where the caller (a generator, a queue, a cursor)
 * cannot take them again: the run answers them from here (api.ts).
 */
export class TakenRecords {
  /** Records taken, the line of the last one. */
  taken = 0;
  readonly #recent: string[] = [];

  add(line: string): void {
    this.#recent[this.taken % RECENT_RECORDS] = line;
    this.taken += 1;
  }

  /** The text of record `line` (1-based), while it is among the recent ones. */
  textOf(line: number): string | undefined {
    return line > this.taken || line <= this.taken - RECENT_RECORDS || line < 1 ? undefined : this.#recent[(line - 1) % RECENT_RECORDS];
  }
}

/** Microtask turns an async iterator's next item is given to come before what is gathered goes on without it. */
const READY_TURNS = 8;

type Next = IteratorResult<RecordInput> | Promise<IteratorResult<RecordInput>>;

/**
 * A program's records (an iterable, an async iterable, an object-mode stream's items) as the text
 * lines the run reads, up to RECORDS_PER_CHUNK a chunk: records that come at once go together, one
 * that takes its time (a queue waiting for work) goes on as soon as it comes.
 *
 * Two things Readable.from did not: between chunks it yields to the event loop (setImmediate), so
 * that records answered in the parent alone (an ftp:// list, every one invalid) no longer ran as one
 * chain of microtasks, with no timer, no abort and no progress for seconds while its callbacks piled
 * up (250 bytes a record); and its destroy() does not wait for the iterator's return(), which for an
 * async generator waiting on its next item never comes: leaving the loop, or aborting, hung the run.
 */
export function recordsReadable(records: Iterable<RecordInput> | AsyncIterable<RecordInput>, onFailure: (error: unknown) => void, taken?: TakenRecords): Readable {
  const iterator: Iterator<RecordInput> | AsyncIterator<RecordInput> = Symbol.asyncIterator in records ? records[Symbol.asyncIterator]() : records[Symbol.iterator]();
  /** A next() asked for before push() said to wait: the first taken when reading resumes. */
  let pending: Next | undefined;
  let pumping = false;
  /** read() came while a pump was on its way out: the stream asks once, so the next pump starts then. */
  let askedAgain = false;
  const startPump = (): void => {
    pumping = true;
    askedAgain = false;
    pump().then(
      () => {
        pumping = false;
        if (askedAgain && !stream.destroyed) startPump();
      },
      (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  };
  const stream = new Readable({
    read() {
      if (pumping) askedAgain = true;
      else startPump();
    },
    destroy(error, callback) {
      // Told to end, not waited for: return() on an async generator suspended in an await settles only when it resumes.
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
      callback(error);
    },
  });

  /** Pushes chunks until the records end or push() says to wait (read() calls it again). */
  async function pump(): Promise<void> {
    let chunk = '';
    let count = 0;
    const handOn = (): boolean => {
      const text = chunk;
      chunk = '';
      count = 0;
      return stream.push(text);
    };
    for (;;) {
      // A run that is over (destroyed its input) takes no more records: one taken now would get no result.
      if (stream.destroyed) return;
      let next: Next;
      try {
        next = pending ?? iterator.next();
      } catch (error) {
        // A generator that throws as it is asked (a sync one): failed as an async one's rejection is below.
        next = Promise.reject(error);
      }
      pending = undefined;
      if (next instanceof Promise && chunk !== '' && !(await comesAtOnce(next)) && !handOn()) {
        pending = next;
        return;
      }
      let item: IteratorResult<RecordInput>;
      try {
        item = await next;
        // An item that is a promise (urls.map(async ...)) is awaited, as for await awaits a sync iterable's; the
        // records gathered before it go on first (held with it, one that never settled kept them unsent).
        if (!item.done && typeof (item.value as { then?: unknown } | null)?.then === 'function') {
          if (chunk !== '') handOn();
          item = { done: false, value: await (item.value as unknown as Promise<RecordInput>) };
        }
      } catch (error) {
        // The records taken before it still go, each to get its line: the input ends here, and the run
        // fails with the error once they are answered. Destroyed at once, the chunk was dropped unsent.
        onFailure(error);
        item = { done: true, value: undefined };
      }
      if (stream.destroyed) {
        // Taken as the run ended: answered with the rest of what it did not read (api.ts), not dropped.
        if (!item.done) taken?.add(recordLine(item.value));
        return;
      }
      if (item.done) {
        if (chunk !== '') stream.push(chunk);
        stream.push(null);
        return;
      }
      // Bytes are no record: an object-mode stream of Buffers (Readable.from(buffers)) is a byte stream that
      // lost its mode, and each chunk was one bogus EINVALIDSPEC record. The records before go; the run fails.
      if (item.value instanceof Uint8Array) {
        onFailure(new UsageError('Expected records (URL strings or spec objects), got bytes (a Buffer or Uint8Array) as a record: give bytes as a Readable of text lines (Readable.from(buffers, { objectMode: false })), or decode them and split the lines'));
        if (chunk !== '') stream.push(chunk);
        stream.push(null);
        return;
      }
      const line = recordLine(item.value);
      taken?.add(line);
      chunk += `${line}\n`;
      if (++count < RECORDS_PER_CHUNK) continue;
      const wanted = handOn();
      // A turn of the event loop between chunks: timers, aborts and progress run.
      await new Promise((resolve) => setImmediate(resolve));
      if (!wanted || stream.destroyed) return;
    }
  }
  return stream;
}

/** Whether an async iterator's next item settles within a few microtask turns (an async generator over an array's does). */
async function comesAtOnce(next: Promise<unknown>): Promise<boolean> {
  let settled = false;
  next.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let turn = 0; turn < READY_TURNS && !settled; turn++) await null;
  return settled;
}

/**
 * One input line for one record, whatever the caller gave: a URL string with a
 * line break would be several lines, and a blank or `#` one none (each is a
 * spec whose url is refused: EINVALIDURL), and anything but a string or a spec object (5, null) would be
 * read as a URL (http://0.0.0.5/): as a spec whose url is it, it is refused
 * (EINVALIDSPEC) instead. A record JSON cannot write (a BigInt, a cycle) threw
 * out of the input and ended the whole run: it is refused, saying why.
 */
export function recordLine(record: unknown): string {
  // A blank or `#` string would be a skipped line: as a spec's url it is refused, so every item has its result.
  if (typeof record === 'string') return /[\r\n]/.test(record) || /^\s*(?:#|$)/.test(record) ? JSON.stringify({ url: record }) : record;
  const isSpec = typeof record === 'object' && record !== null && !Array.isArray(record);
  try {
    if (typeof record === 'bigint') return JSON.stringify({ url: '', [UNWRITABLE_MEMBER]: whyNotJson(new TypeError('BigInt')) });
    // undefined, a symbol or a function has no JSON: its type stands in.
    if (!isSpec) return JSON.stringify({ url: JSON.stringify(record) === undefined ? [typeof record] : record });
    // JSON writes NaN and Infinity as null: the refusal then said "got null" of an id the program gave as NaN.
    const { id } = record as { id?: unknown };
    if (typeof id === 'number' && !Number.isFinite(id)) return JSON.stringify({ url: (record as { url?: unknown }).url ?? '', [UNWRITABLE_MEMBER]: `its "id" is ${id}, which JSON has no form for (give a finite number or a string)` });
    // A Map's or a fetch Headers' entries: JSON writes either as {}, and the headers were gone without a word.
    const { headers } = record as { headers?: unknown };
    const pairs = mapEntries(headers);
    return JSON.stringify(pairs ? { ...(record as object), headers: Object.fromEntries(pairs) } : record);
  } catch (error) {
    const url = isSpec ? (record as { url?: unknown }).url : undefined;
    return JSON.stringify({ url: typeof url === 'string' ? url : '', [UNWRITABLE_MEMBER]: whyNotJson(error) });
  }
}

/** JSON.stringify's refusal in a line: a cycle's message goes on for lines about the objects in it. */
function whyNotJson(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/BigInt/.test(message)) return 'it holds a BigInt, which JSON has no form for (give it as a string or a number)';
  if (/circular/i.test(message)) return 'it refers to itself (a cycle)';
  return message.split('\n')[0] ?? message;
}
