import type { Writable } from 'node:stream';
import type { InputLine, LineCursor } from '../input/lines.js';
import { parseRecord, tooLongRecord } from '../input/parse-record.js';
import { childOf, hashRequest, shardOf } from '../input/request-key.js';
import type { ReorderBuffer } from '../output/reorder-buffer.js';
import type { RunOptions } from '../run-types.js';
import { errorResult, serializeResult } from '../wire/result-line.js';
import type { CachePlanner } from './cache-plan/planner.js';
import type { OriginPlanner } from './cache-plan/origin-planner.js';
import type { InputCounters } from './run-monitor.js';
import type { WorkerPool } from './worker-pool.js';

export interface RouterParts {
  options: Pick<RunOptions, 'maxLineBytes' | 'method' | 'protoDefault' | 'shard'>;
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
  #wait: Promise<void> | undefined;
  /** A line taken from the cursor that must be routed again once there is room (the reorder buffer was full). */
  #retry: InputLine | undefined;
  #invalidLines = '';
  #invalidCount = 0;

  constructor(parts: RouterParts) {
    this.#parts = parts;
  }

  /** Routes the cursor's lines until a record must wait (false) or they are all taken or intake halts (true). */
  route(lines: LineCursor): boolean {
    const { options, pool, cachePlan, origins, reorder, counters, skipLine } = this.#parts;
    const { shard } = options;
    let input = this.#retry ?? lines.next();
    this.#retry = undefined;
    for (; input !== undefined; input = lines.next()) {
      const { line, text, bytes } = input;
      if (skipLine?.(line)) {
        counters.resumed += 1;
        continue;
      }
      const record = text === null ? tooLongRecord(line, bytes, options.maxLineBytes, options.method) : parseRecord(text, line, options.method, options.protoDefault);
      if (record.kind === 'skip') {
        counters.skipped += 1;
      } else if (record.kind === 'invalid') {
        // No request key: invalid records are dealt out to shards by line number.
        if (shard && line % shard.count !== shard.index) {
          counters.outOfShard += 1;
          continue;
        }
        // This record again, once there is room: nothing above changed anything.
        if (reorder && !this.#admit(reorder, line)) return this.#again(input);
        counters.invalid += 1;
        this.#invalidCount += 1;
        counters.invalidCodes[record.error.code] = (counters.invalidCodes[record.error.code] ?? 0) + 1;
        this.#invalidLines += serializeResult(errorResult(record, record.error));
      } else {
        // One child, no shard and no cache plan: the hash is not needed, and it is the costliest step here.
        const hash = pool.size > 1 || shard || cachePlan.active ? hashRequest(record.spec) : 0;
        if (shard && shardOf(hash, shard.count) !== shard.index) {
          counters.outOfShard += 1;
          continue;
        }
        if (reorder && !this.#admit(reorder, line)) return this.#again(input);
        const child = pool.size === 1 ? 0 : childOf(hash, pool.size);
        const directive = cachePlan.active ? cachePlan.directive(hash) : undefined;
        const queued = pool.submit(child, record.spec, directive, origins?.originUse(record.spec.url, child), cachePlan.usesAfter);
        if (queued) {
          this.#wait = queued;
          return false;
        }
      }
      if (this.#parts.halted()) return true;
    }
    return true;
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
