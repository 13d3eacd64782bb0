import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { parseRecord, tooLongRecord } from './input/parse-record.js';
import { readLineBatches } from './input/lines.js';
import { bucketOf, requestKey } from './input/request-key.js';
import type { RunOptions } from './options.js';
import { errorResult, serializeResult } from './output/result.js';
import type { WorkerConfig } from './pool/protocol.js';
import { WorkerPool } from './pool/worker-pool.js';
import type { LimitOptions } from './limits/coordinator.js';
import type { WorkerStats } from './worker/stats.js';

export interface RunSummary extends WorkerStats {
  /** Input lines that were blank or comments. */
  skipped: number;
  /** Records rejected before any request (invalid URL, spec ...). */
  invalid: number;
  elapsedMs: number;
  /** Records answered by each child, in child order: how even the hash shards came out. */
  shards: number[];
}

export interface RunContext {
  input: Readable;
  sink: Writable;
  /** Aborting ends the run at once: children are killed, nothing more is written. */
  signal?: AbortSignal;
}

/**
 * The whole job: stream records from `input`, route each request to its child by
 * key hash, and write every result line to `sink`. One line per record: invalid
 * records are answered here, everything else by the children.
 */
export async function runJob(options: RunOptions, { input, sink, signal }: RunContext): Promise<RunSummary> {
  const started = performance.now();
  const pool = new WorkerPool({ procs: options.procs, config: workerConfig(options), sink, limits: limitOptions(options) });
  let skipped = 0;
  let invalid = 0;
  const invalidCodes: Record<string, number> = {};
  const stop = (): void => {
    input.destroy();
    void pool.kill();
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const batch of readLineBatches(input, { maxLineBytes: options.maxLineBytes })) {
      let invalidLines = '';
      for (const { line, text, bytes } of batch) {
        const record = text === null ? tooLongRecord(line, bytes, options.maxLineBytes, options.method) : parseRecord(text, line, options.method);
        if (record.kind === 'skip') {
          skipped += 1;
        } else if (record.kind === 'invalid') {
          invalid += 1;
          invalidCodes[record.error.code] = (invalidCodes[record.error.code] ?? 0) + 1;
          invalidLines += serializeResult(errorResult(record, record.error));
        } else {
          const index = pool.size === 1 ? 0 : bucketOf(requestKey(record.spec), pool.size);
          await pool.submit(index, record.spec);
        }
        if (signal?.aborted) break;
      }
      pool.flush();
      if (invalidLines !== '' && !sink.write(invalidLines)) await once(sink, 'drain');
      if (signal?.aborted) break;
    }
  } catch (error) {
    // An input stream destroyed by abort() ends the loop; anything else is real.
    if (!signal?.aborted) {
      await pool.kill();
      throw error;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  const stats = await pool.close();
  for (const [code, n] of Object.entries(invalidCodes)) stats.errorCodes[code] = (stats.errorCodes[code] ?? 0) + n;
  return {
    ...stats,
    records: stats.records + invalid,
    errors: stats.errors + invalid,
    errorCodes: stats.errorCodes,
    skipped,
    invalid,
    elapsedMs: Math.round(performance.now() - started),
    shards: pool.shards,
  };
}

/** The limits asked for, or undefined when none was: then children never ask the parent. */
function limitOptions({ rate, perHostConcurrency, perHostRate }: RunOptions): LimitOptions | undefined {
  if (rate === undefined && perHostConcurrency === undefined && perHostRate === undefined) return undefined;
  return { rate, perHostConcurrency, perHostRate };
}

function workerConfig(options: RunOptions): Omit<WorkerConfig, 'index' | 'limited'> {
  return {
    concurrency: options.concurrency,
    timeout: options.timeout,
    connectTimeout: options.connectTimeout,
    cache: options.cache,
    cacheSize: options.cacheSize,
    cacheBytes: options.cacheBytes,
    headers: { 'user-agent': options.userAgent, ...options.headers },
    ...(options.data !== undefined ? { data: options.data } : {}),
    body: options.body,
    maxBody: options.maxBody,
    includeHeaders: options.includeHeaders,
    follow: options.follow,
    maxRedirects: options.maxRedirects,
    retries: options.retries,
    retryDelay: options.retryDelay,
    retryMaxDelay: options.retryMaxDelay,
    retryAllMethods: options.retryAllMethods,
    insecure: options.insecure,
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    http2: options.http2,
    resolve: options.resolve,
  };
}
