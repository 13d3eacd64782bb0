import type { Writable } from 'node:stream';
import { RecordErrorCode, recordError, type RecordError } from '../errors.js';
import { onlyScheme } from '../input/allowed-protocols.js';
import type { InputLine, LineCursor } from '../input/lines.js';
import { parseRecord, tooLongRecord, type ParsedRecord } from '../input/parse-record.js';
import { replacesRunFile, routingHash } from '../input/save-name.js';
import { nextUrlOrLine } from '../input/next-line.js';
import { childOf, hashKeyOfBytes, hashRequest, hashRequestBytes, requestHashSeed, shardOf } from '../input/request-key.js';
import type { ReorderBuffer } from '../output/reorder-buffer.js';
import type { RunOptions } from '../run-types.js';
import { errorResult, serializeResult } from '../wire/result-line.js';
import { encodeTask, encodeUrlTask } from '../wire/messages.js';
import type { CachePlanner } from './cache-plan/planner.js';
import type { OriginPlanner } from './cache-plan/origin-planner.js';
import type { InputCounters } from './run-monitor.js';
import type { WorkerPool } from './worker-pool.js';

export interface RouterParts {
  options: Pick<RunOptions, 'maxLineBytes' | 'method' | 'protoDefault' | 'shard' | 'saveKeep'> & Partial<Pick<RunOptions, 'protocols' | 'save'>>;
  pool: WorkerPool;
  cachePlan: CachePlanner;
  origins: OriginPlanner | undefined;
  /** --ordered: every record is admitted, in input order, before it is sent or answered. */
  reorder: ReorderBuffer | undefined;
  /** Where invalid records' lines go when they must be written before a wait. */
  out: Writable;
  counters: InputCounters;
  /** Records whose line this returns true for are skipped (--resume). */
  skipLine: ((line: number) => boolean) | undefined;
  /** True once intake must stop (the run was aborted or is stopping). */
  halted: () => boolean;
  /**
   * Called for each record answered here as invalid, as it is: --max-errors counts it
   * then, so that a stop it causes comes at that record, not a chunk of lines later.
   */
  onInvalid?: () => void;
}

/**
 * The parent's work for each input line: parse it, answer it here when it is
 * invalid, or hand it to its child. Synchronous, a batch at a time, so that
 * the async run function around it only awaits: with this loop in its body,
 * V8 compiled the whole of runJob with the per-record code inlined, twice in
 * a 100k run (about 50 ms of compile each, the second after a deopt), and it
 * was first optimized over a second into the run (bench/CHANGELOG.md, entry 26).
 *
 * route() stops early when a record must wait (for room in a child's window
 * or in the reorder buffer); the caller awaits takeWait() and calls it again
 * with the same lines.
 */
export class RecordRouter {
  readonly #parts: RouterParts;
  /** JSON.stringify(options.method) and requestHashSeed(options.method): the same for every line of a URL list. */
  readonly #methodJson: string;
  readonly #methodSeed: number;
  #wait: Promise<void> | undefined;
  /** A line taken from the cursor that must be routed again once there is room (the reorder buffer was full). */
  #retry: InputLine | undefined;
  #invalidLines = '';
  #invalidCount = 0;
  /** With --save: names its directory shares with the run's own files (RunOptions.saveKeep). */
  readonly #saveKeep: ReadonlySet<string> | undefined;
  /** --proto's one scheme, when it takes http or https away: a record of the other is answered here, unsent. */
  readonly #onlyScheme: 'http:' | 'https:' | 'none' | undefined;

  constructor(parts: RouterParts) {
    this.#parts = parts;
    this.#methodJson = JSON.stringify(parts.options.method);
    this.#methodSeed = requestHashSeed(parts.options.method);
    const keep = parts.options.saveKeep;
    this.#saveKeep = keep?.length ? new Set(keep) : undefined;
    this.#onlyScheme = onlyScheme(parts.options.protocols ?? 'http,https');
  }

  /**
   * Routes the cursor's lines until a record must wait (false) or they are all
   * taken or intake halts (true).
   *
   * A line that is a URL in normal form, as most lines of a URL list are, is
   * routed off the chunk's bytes: its task is written around the URL's text
   * with no record, spec or JSON.stringify for it, and its hashes are those
   * the pass counted it under (entry 41). Any other line is decoded and
   * parsed (#routeLine).
   */
  route(lines: LineCursor): boolean {
    const retry = this.#retry;
    if (retry !== undefined) {
      this.#retry = undefined;
      if (!this.#routeLine(retry)) return false;
      if (this.#parts.halted()) return true;
    }
    for (;;) {
      const taken = nextUrlOrLine(lines);
      if (taken === undefined) return true;
      const routed = typeof taken === 'number' ? this.#routeUrl(lines.spanLine, lines.chunk, lines.spanStart, taken, lines.spanEnd) : this.#routeLine(taken);
      if (!routed) return false;
      if (this.#parts.halted()) return true;
    }
  }

  /**
   * Routes line `line`, a URL in normal form at `chunk[start, end)` whose path
   * starts at `pathStart`: what routeLine does with it, from its bytes. Its
   * spec would be `{ line, method, url }` with the method of -X, so the
   * request hash is hashRequestBytes and the origin's hashKeyOfBytes up to the
   * path (both equal to the text's: a test holds them to it).
   */
  #routeUrl(line: number, chunk: Buffer, start: number, pathStart: number, end: number): boolean {
    const { options, pool, cachePlan, origins, reorder, counters, skipLine } = this.#parts;
    if (skipLine?.(line)) {
      counters.resumed += 1;
      return true;
    }
    // A URL in normal form starts with http:// or https://: --proto refuses this one, as a record parsed is refused.
    if (this.#onlyScheme !== undefined && this.#onlyScheme !== (chunk[start + 4] === 0x73 ? 'https:' : 'http:')) return this.#routeLine({ line, text: chunk.toString('latin1', start, end), bytes: end - start });
    const { shard } = options;
    const hash = pool.size > 1 || shard || cachePlan.active ? hashRequestBytes(this.#methodSeed, chunk, start, end) : 0;
    if (shard && shardOf(hash, shard.count) !== shard.index) {
      counters.outOfShard += 1;
      return true;
    }
    // Routed again as text: only when the --ordered buffer is full.
    if (reorder && !this.#admit(reorder, line)) return this.#again({ line, text: chunk.toString('latin1', start, end), bytes: end - start });
    const child = pool.size === 1 ? 0 : childOf(hash, pool.size);
    const directive = cachePlan.active ? cachePlan.directive(hash) : undefined;
    const originUse = origins?.originUseOfHash(hashKeyOfBytes(chunk, start, pathStart), child);
    // Latin-1 is ASCII here: a URL in normal form has no other byte.
    const task = encodeUrlTask(line, this.#methodJson, chunk.toString('latin1', start, end), directive, originUse, cachePlan.usesAfter);
    return this.#submitted(pool.submit(child, line, task));
  }

  /** Routes one line from its text: parse it, answer it here when it is invalid, or hand it to its child. */
  #routeLine(input: InputLine): boolean {
    const { options, pool, cachePlan, origins, reorder, counters, skipLine } = this.#parts;
    const { shard } = options;
    const { line, text, bytes, notUtf8 } = input;
    if (skipLine?.(line)) {
      counters.resumed += 1;
      return true;
    }
    const record = this.#refused(text === null ? tooLongRecord(line, bytes, options.maxLineBytes, options.method) : parseRecord(text, line, options.method, options.protoDefault, notUtf8));
    if (record.kind === 'skip') {
      counters.skipped += 1;
      return true;
    }
    if (record.kind === 'invalid') {
      // No request key: invalid records are dealt out to shards by line number.
      if (shard && line % shard.count !== shard.index) {
        counters.outOfShard += 1;
        return true;
      }
      // This record again, once there is room: nothing above changed anything.
      if (reorder && !this.#admit(reorder, line)) return this.#again(input);
      counters.invalid += 1;
      this.#invalidCount += 1;
      counters.invalidCodes[record.error.code] = (counters.invalidCodes[record.error.code] ?? 0) + 1;
      this.#invalidLines += serializeResult(errorResult(record, record.error));
      this.#parts.onInvalid?.();
      return true;
    }
    // One child, no shard and no cache plan: the hash is not needed, and it is the costliest step here.
    const hash = pool.size > 1 || shard || cachePlan.active ? hashRequest(record.spec) : 0;
    if (shard && shardOf(hash, shard.count) !== shard.index) {
      counters.outOfShard += 1;
      return true;
    }
    if (reorder && !this.#admit(reorder, line)) return this.#again(input);
    const child = pool.size === 1 ? 0 : childOf(routingHash(record.spec, hash, options.save !== undefined), pool.size);
    const directive = cachePlan.active ? cachePlan.directive(hash) : undefined;
    const task = encodeTask(record.spec, directive, origins?.originUse(record.spec.url, child), cachePlan.usesAfter);
    return this.#submitted(pool.submit(child, line, task));
  }

  /** `record`, or an invalid record when --proto refuses its protocol, or its id would name its --save file after one of the run's own files. */
  #refused(record: ParsedRecord): ParsedRecord {
    if (record.kind !== 'request') return record;
    const error = this.#schemeRefused(record.spec.url) ?? (this.#saveKeep === undefined ? undefined : replacesRunFile(record.spec, this.#saveKeep));
    if (error === undefined) return record;
    const { line, url, method, id, idText } = record.spec;
    return { kind: 'invalid', line, url, method, ...(id !== undefined ? { id } : {}), ...(idText !== undefined ? { idText } : {}), error };
  }

  /** The error of a URL whose protocol --proto takes away (curl: "Protocol "http" disabled"). */
  #schemeRefused(url: string): RecordError | undefined {
    const only = this.#onlyScheme;
    if (only === undefined || url.startsWith(only)) return undefined;
    const allowed = only === 'none' ? 'no protocol' : `${only.slice(0, -1)} alone`;
    return recordError(RecordErrorCode.UNSUPPORTED_SCHEME, `Protocol ${url.slice(0, url.indexOf(':'))} refused: --proto allows ${allowed}`);
  }

  /** True when the task was queued; false when it waits for room in its child's window (the wait is set). */
  #submitted(queued: Promise<void> | undefined): boolean {
    if (queued === undefined) return true;
    this.#wait = queued;
    return false;
  }

  /** Keeps `input` to be routed first next time, and stops (its wait is set). */
  #again(input: InputLine): false {
    this.#retry = input;
    return false;
  }

  /** What route() stopped for, once: undefined when it did not stop. */
  takeWait(): Promise<void> | undefined {
    const wait = this.#wait;
    this.#wait = undefined;
    return wait;
  }

  /** The invalid records' lines since the last call, and how many records they answer. */
  takeInvalid(): { lines: string; count: number } {
    const taken = { lines: this.#invalidLines, count: this.#invalidCount };
    this.#invalidLines = '';
    this.#invalidCount = 0;
    return taken;
  }

  /**
   * Admits `line` to the reorder buffer, or, when it is full, sends what might
   * be at its head (invalid lines here, tasks queued for children) and sets the
   * wait for room: false then, and the record is routed again after.
   */
  #admit(reorder: ReorderBuffer, line: number): boolean {
    if (reorder.hasRoom()) {
      reorder.admit(line);
      return true;
    }
    if (this.#invalidLines !== '') this.#parts.out.write(this.#invalidLines);
    this.#invalidLines = '';
    this.#parts.pool.flush();
    this.#wait = reorder.waitForRoom();
    return false;
  }
}
