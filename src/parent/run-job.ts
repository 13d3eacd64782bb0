import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { parseRecord, tooLongRecord } from '../input/parse-record.js';
import { wireHeaderValue } from '../input/validate.js';
import { readLineBatches } from '../input/lines.js';
import { isSmallFile } from '../input/input-size.js';
import { childOf, hashKey, requestKey, shardOf } from '../input/request-key.js';
import type { ChildCrash, RunOptions, RunProgress, RunSummary } from '../run-types.js';
import { ReorderBuffer } from '../output/reorder-buffer.js';
import { countErrorLines, errorResult, serializeResult } from '../wire/result-line.js';
import type { WorkerConfig } from '../wire/messages.js';
import { ACCEPT_ENCODING } from '../http/content-decoder.js';
import { WorkerPool } from './worker-pool.js';
import type { LimitOptions } from './limits/coordinator.js';
import { ErrorBudget } from './error-budget.js';
import { superviseStop } from './supervise-stop.js';
import { emptyInputCounters, monitorRun, withInvalid } from './run-monitor.js';
import { planInput } from './cache-plan/plan-cache.js';


/**
 * An input file up to this size per child (about 20,000 URLs each) makes a
 * short run: its children skip V8's optimizing wasm tier (see
 * PoolOptions.quickStart). At 6k URLs a child (48k URLs at --procs 8) that
 * tier's compile was 17% of the run's CPU; at 100k a child the two tiers cost
 * the same (bench/CHANGELOG.md, entry 16). The line stays low so that a child
 * of any longer run has the same tier, and so the same size, whatever the
 * input's length (the issue-13 memory target compares 250k with 4M lines).
 */
const QUICK_START_BYTES_PER_CHILD = 1024 * 1024;

export interface RunContext {
  input: Readable;
  sink: Writable;
  /** Aborting ends the run at once: children are killed, nothing more is written. */
  signal?: AbortSignal;
  /** Aborting stops gracefully: no more input is read, records in flight get options.grace ms, then are aborted. */
  stop?: AbortSignal;
  /** Aborting answers every record in flight with EABORTED now (whole lines still). */
  abortNow?: AbortSignal;
  /** Records whose line this returns true for are skipped (--resume: already in the output). */
  skipLine?: (line: number) => boolean;
  /** Called every `progressIntervalMs` (default 100) with where the run is. */
  onProgress?: (progress: RunProgress) => void;
  progressIntervalMs?: number;
  /** Called once per child process that died (crash triage follows). */
  onChildCrash?: (crash: ChildCrash) => void;
}

/**
 * The whole job: stream records from `input`, route each request to its child by
 * key hash, and write every result line to `sink`. One line per record: invalid
 * records are answered here, everything else by the children.
 */
export async function runJob(options: RunOptions, { input, sink, signal, stop, abortNow, skipLine, onProgress, progressIntervalMs = 100, onChildCrash }: RunContext): Promise<RunSummary> {
  const started = performance.now();
  const budget = options.maxErrors ? new ErrorBudget(options.maxErrors) : undefined;
  const overBudget = new AbortController();
  const countErrors = (records: number, errors: number): void => {
    if (budget?.add(records, errors)) overBudget.abort();
  };
  const reorder = options.ordered
    ? new ReorderBuffer(sink, { maxRecords: options.reorderBuffer, maxBytes: 64 * 1024 * 1024 })
    : undefined;
  const out = reorder ?? sink;
  const { cache: cachePlan, origins } = await planInput(options, options.procs);
  const pool = new WorkerPool({
    procs: options.procs,
    config: workerConfig(options, cachePlan.active, origins !== undefined),
    sink: out,
    limits: limitOptions(options),
    ...(onChildCrash ? { onChildCrash } : {}),
    quickStart: isSmallFile(input, QUICK_START_BYTES_PER_CHILD * options.procs),
    ...(budget ? { onAnswered: (lineNumbers: number[], lines: Buffer) => countErrors(lineNumbers.length, countErrorLines(lines)) } : {}),
  });
  let stopping = false;
  const endSupervision = superviseStop(pool, {
    stop: stop ? AbortSignal.any([stop, overBudget.signal]) : overBudget.signal,
    abortNow,
    graceMs: options.grace,
    onStop: () => {
      stopping = true;
      input.destroy();
      pool.stopIntake();
    },
  });
  const counters = emptyInputCounters();
  const { shard } = options;
  const stopMonitor = onProgress ? monitorRun(pool, counters, onProgress, progressIntervalMs) : undefined;
  let invalidLines = '';
  /** --ordered: waits for room in the reorder buffer, first sending what might be at its head. */
  const admitInOrder = async (buffer: ReorderBuffer, line: number): Promise<void> => {
    if (!buffer.hasRoom()) {
      if (invalidLines !== '') out.write(invalidLines);
      invalidLines = '';
      pool.flush();
      await buffer.waitForRoom();
    }
    buffer.admit(line);
  };
  const kill = (): void => {
    input.destroy();
    void pool.kill();
  };
  signal?.addEventListener('abort', kill, { once: true });
  try {
    for await (const batch of readLineBatches(input, { maxLineBytes: options.maxLineBytes })) {
      let invalidInBatch = 0;
      for (const { line, text, bytes } of batch) {
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
          if (reorder) await admitInOrder(reorder, line);
          counters.invalid += 1;
          invalidInBatch += 1;
          counters.invalidCodes[record.error.code] = (counters.invalidCodes[record.error.code] ?? 0) + 1;
          invalidLines += serializeResult(errorResult(record, record.error));
        } else {
          // One child, no shard and no cache plan: the hash is not needed, and it is the costliest step here.
          const hash = pool.size > 1 || shard || cachePlan.active ? hashKey(requestKey(record.spec)) : 0;
          if (shard && shardOf(hash, shard.count) !== shard.index) {
            counters.outOfShard += 1;
            continue;
          }
          if (reorder) await admitInOrder(reorder, line);
          const child = pool.size === 1 ? 0 : childOf(hash, pool.size);
          const directive = cachePlan.active ? cachePlan.directive(hash) : undefined;
          const queued = pool.submit(child, record.spec, directive, origins?.originUse(record.spec.url, child), cachePlan.usesAfter);
          if (queued) await queued;
        }
        if (signal?.aborted || stopping) break;
      }
      pool.flush();
      const written = invalidLines === '' || out.write(invalidLines);
      invalidLines = '';
      if (!written) await once(out, 'drain');
      countErrors(invalidInBatch, invalidInBatch);
      if (signal?.aborted || stopping) break;
    }
  } catch (error) {
    // An input stream destroyed by abort() or a stop ends the loop; anything else is real.
    if (!signal?.aborted && !stopping) {
      endSupervision();
      stopMonitor?.();
      await pool.kill();
      throw error;
    }
  } finally {
    signal?.removeEventListener('abort', kill);
  }
  const stats = withInvalid(await pool.close(), counters);
  endSupervision();
  await reorder?.drainAll();
  stopMonitor?.();
  return {
    ...stats,
    skipped: counters.skipped,
    invalid: counters.invalid,
    elapsedMs: Math.round(performance.now() - started),
    shards: pool.shards,
    resumed: counters.resumed,
    stoppedBy: overBudget.signal.aborted ? 'max-errors' : stopping ? 'stop' : null,
    outOfShard: counters.outOfShard,
    cache: { ...cachePlan.decision(), hits: stats.cached, stored: stats.cacheStored, evictions: stats.cacheEvictions, peakBytes: stats.cachePeakBytes },
  };
}

/** The limits asked for, or undefined when none was: then children ask the parent only about hosts that refused (429/503). */
function limitOptions({ rate, perHostConcurrency, perHostRate }: RunOptions): LimitOptions | undefined {
  if (rate === undefined && perHostConcurrency === undefined && perHostRate === undefined) return undefined;
  return { rate, perHostConcurrency, perHostRate };
}

/** The flag headers (-H, -A ...) as they go on the wire: see wireHeaderValue. A null (-H 'Name:') is left out. */
function wireHeaders(headers: Record<string, string | null>): Record<string, string> {
  const wire: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== null) wire[name] = wireHeaderValue(value);
  return wire;
}

function workerConfig(options: RunOptions, cache: boolean, lastUseMarked: boolean): Omit<WorkerConfig, 'index' | 'limited' | 'liftoffOnly'> {
  return {
    concurrency: options.concurrency,
    timeout: options.timeout,
    connectTimeout: options.connectTimeout,
    cache,
    lastUseMarked,
    ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
    cacheBytes: options.cacheBytes,
    // A caller's own Accept-Encoding (-H, or a spec's headers) wins over ours.
    headers: wireHeaders({ 'user-agent': options.userAgent, ...(options.compressed ? { 'accept-encoding': ACCEPT_ENCODING } : {}), ...options.headers }),
    ...(options.data !== undefined ? { data: options.data } : {}),
    ...(options.query !== undefined ? { query: options.query } : {}),
    body: options.body,
    compressed: options.compressed,
    maxBody: options.maxBody,
    ...(options.save !== undefined ? { save: options.save } : {}),
    ...(options.maxFilesize !== undefined ? { maxFilesize: options.maxFilesize } : {}),
    includeHeaders: options.includeHeaders,
    follow: options.follow,
    maxRedirects: options.maxRedirects,
    retries: options.retries,
    retryDelay: options.retryDelay,
    retryMaxDelay: options.retryMaxDelay,
    retryAllMethods: options.retryAllMethods,
    insecure: options.insecure,
    ...(options.cacert !== undefined ? { cacert: options.cacert } : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    http2: options.http2,
    resolve: options.resolve,
  };
}
