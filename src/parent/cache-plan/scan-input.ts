import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { readLineChunks, type LineCursor } from '../../input/lines.js';
import { parseRecord } from '../../input/parse-record.js';
import { namedById, routingHash } from '../../input/save-name.js';
import { nextUrlOrLine } from '../../input/next-line.js';
import { CACHEABLE_METHODS, childOf, hashKeyOfBytes, hashRequest, hashRequestBytes, requestHashSeed, shardOf } from '../../input/request-key.js';
import type { Shard } from '../../run-types.js';
import { RepeatSketch } from '../../stats/repeat-sketch.js';
import { hashOrigin, originSlotOfHash } from './origin-planner.js';

/** What one pass over a file's requests found, and the counts the run drains as it sends them. */
export interface InputScan {
  /** GET and HEAD requests (CACHEABLE_METHODS): the only ones a repeat of could be answered from the cache. */
  requests: number;
  /** Distinct ones among them, estimated from how full the sketch is (RepeatSketch.distinctEstimate). */
  distinct: number;
  sketch: RepeatSketch;
  /** With `procs`: each (child, origin)'s records, so the run can tell a child's last request to a host. */
  origins?: RepeatSketch;
  ms: number;
  /** A stop came before the pass reached the file's end: the counts are of its start only. */
  cutShort?: boolean;
}

export interface ScanOptions {
  method: string;
  /** Scheme for records written without one: as the run parses them, or their keys (and hashes) would differ. */
  protoDefault?: string | undefined;
  maxLineBytes: number;
  shard?: Shard | undefined;
  /** --save: a record named by its id is fetched for its own file, never answered from the cache (request-loop.ts). */
  saving?: boolean;
  /** Sketch size in bytes; by default from the file's size (about 8 bytes of sketch per distinct request for 40-byte lines). */
  sketchBytes?: number;
  /**
   * Children the run routes records to: when given, the pass also counts each
   * origin per child (in a sketch of its own, the size of the requests' one).
   */
  procs?: number;
  /** A stop (Ctrl-C) during the pass: it ends at the next chunk, its counts partial (the run will send nothing). */
  stop?: AbortSignal | undefined;
  /**
   * Lines the run will skip (--resume: already in the output), left out of the counts as the run leaves them
   * out: counted, a request whose other occurrence was done read as one to come, and the cache kept its answer
   * for a use that never came (632 of 1,000 stored on a list resumed past its middle).
   */
  skipLine?: ((line: number) => boolean) | undefined;
}

/** Bytes of input per request assumed when sizing the sketch: shorter lines get fewer sketch bytes each. */
const BYTES_PER_LINE_ASSUMED = 32;
const SKETCH_BYTES_PER_REQUEST = 4;
const SKETCH_MIN = 32 * 1024;
/**
 * The sketch's ceiling (20 MiB with its taken filter; the origins' sketch is
 * as large but only the pages its few keys touch are resident on lists with
 * few hosts): beyond ~4M distinct requests its false positives pass 2 % (a
 * few extra entries kept, never a wrong answer).
 */
const SKETCH_MAX = 16 * 1024 * 1024;

/** A sketch size fitting a file of `fileBytes`. */
export function sketchBytesFor(fileBytes: number): number {
  return Math.min(SKETCH_MAX, Math.max(SKETCH_MIN, Math.ceil(fileBytes / BYTES_PER_LINE_ASSUMED) * SKETCH_BYTES_PER_REQUEST));
}

/**
 * Reads a regular file once, sends nothing: counts every request key (by the
 * routing hash) into a RepeatSketch. The run then knows, for each record it
 * sends, whether its request comes again later. Only the records of `shard`
 * are counted, as only they will be sent.
 */
export async function scanFile(path: string, options: ScanOptions): Promise<InputScan> {
  const sketchBytes = options.sketchBytes ?? sketchBytesFor(statSync(path).size);
  return scanStream(createReadStream(path, { highWaterMark: 256 * 1024 }), { ...options, sketchBytes });
}

export async function scanStream(input: Readable, { method, protoDefault, maxLineBytes, shard, saving = false, sketchBytes = SKETCH_MIN, procs, stop, skipLine }: ScanOptions): Promise<InputScan> {
  const started = performance.now();
  const sketch = new RepeatSketch(sketchBytes);
  const origins = procs === undefined ? undefined : new RepeatSketch(sketchBytes);
  const counts: PassCounts = { sketch, origins, method, methodSeed: requestHashSeed(method), cacheableMethod: CACHEABLE_METHODS.has(method), saving, protoDefault, shard, procs: procs ?? 1, skipLine };
  for await (const lines of readLineChunks(input, { maxLineBytes })) {
    // A pass over tens of millions of lines takes seconds: a Ctrl-C must not wait for its end.
    // Leaving the loop closes the file (the stream's iterator destroys it).
    if (stop?.aborted) break;
    countLines(lines, counts);
  }
  return { requests: sketch.added, distinct: sketch.distinctEstimate, sketch, ...(origins ? { origins } : {}), ms: Math.round(performance.now() - started), ...(stop?.aborted ? { cutShort: true } : {}) };
}

interface PassCounts {
  sketch: RepeatSketch;
  origins: RepeatSketch | undefined;
  method: string;
  /** requestHashSeed(method), for records counted off their bytes. */
  methodSeed: number;
  /** The cache answers `method` (URL lines are sent with it). */
  cacheableMethod: boolean;
  /** --save: specs named by their id are never answered from the cache. */
  saving: boolean;
  protoDefault: string | undefined;
  shard: Shard | undefined;
  procs: number;
  skipLine: ((line: number) => boolean) | undefined;
}

/**
 * Counts one chunk's lines. A plain function called once a chunk, not the
 * loop body of the async scanStream: V8 then compiles this small function,
 * not the async one with everything it calls inlined (see RecordRouter).
 *
 * A line that is a URL in normal form, as most lines of a URL list are, is
 * counted off the chunk's bytes: no string, record or spec for it, and the
 * same hashes as the run computes from its text (entry 39). Any other line is
 * decoded and parsed as the run parses it.
 */
function countLines(lines: LineCursor, counts: PassCounts): void {
  for (;;) {
    const taken = nextUrlOrLine(lines);
    if (taken === undefined) return;
    if (typeof taken === 'number') {
      if (counts.skipLine?.(lines.spanLine)) continue;
      const { chunk, spanStart, spanEnd } = lines;
      const hash = hashRequestBytes(counts.methodSeed, chunk, spanStart, spanEnd);
      count(hash, hash, hashKeyOfBytes(chunk, spanStart, taken), counts, counts.cacheableMethod);
      continue;
    }
    if (taken.text === null || counts.skipLine?.(taken.line)) continue;
    // The line number does not enter a request's key.
    const record = parseRecord(taken.text, 0, counts.method, counts.protoDefault, taken.notUtf8);
    if (record.kind !== 'request') continue;
    const hash = hashRequest(record.spec);
    count(hash, routingHash(record.spec, hash, counts.saving), hashOrigin(record.spec.url), counts, CACHEABLE_METHODS.has(record.spec.method) && !(counts.saving && namedById(record.spec)));
  }
}

/**
 * Counts one request by its hash, and its origin (by the origin's hash) for the child it routes to. A
 * request the cache never answers (a POST, any record under -d) is no repeat it could save: counted,
 * a list of repeated POSTs read as 95 % repeats and turned the cache and its pass on for nothing.
 */
function count(hash: number, childHash: number, originHash: number, { sketch, origins, shard, procs }: PassCounts, cacheable: boolean): void {
  if (shard && shardOf(hash, shard.count) !== shard.index) return;
  if (cacheable) sketch.add(hash);
  // Counted per child, as the run routes records (childOf is 0 for one child; routingHash picks it).
  origins?.add(originSlotOfHash(originHash, childOf(childHash, procs)));
}
