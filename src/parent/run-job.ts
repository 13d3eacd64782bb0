import type { Readable, Writable } from 'node:stream';
import { wireHeaderValue } from '../input/validate.js';
import { readLineChunks } from '../input/lines.js';
import { isSmallFile } from '../input/input-size.js';
import type { ChildCrash, RunOptions, RunProgress, RunSummary } from '../run-types.js';
import { ReorderBuffer } from '../output/reorder-buffer.js';
import { countErrorLines } from '../wire/result-line.js';
import type { WorkerConfig } from '../wire/messages.js';
import type { WorkerStats } from '../wire/stats.js';
import { ACCEPT_ENCODING } from '../http/content-decoder.js';
import { WorkerPool } from './worker-pool.js';
import type { LimitOptions } from './limits/coordinator.js';
import { ErrorBudget } from './error-budget.js';
import { superviseStop } from './supervise-stop.js';
import { emptyInputCounters, monitorRun, withInvalid } from './run-monitor.js';
import { planInput } from './cache-plan/plan-cache.js';
import { RecordRouter } from './record-router.js';
import { MAX_COOKIE_FILE_BYTES, readCookieFiles } from '../http/cookie-file.js';
import { mayWaitToOpen, readAheadIfOnce, readUpTo } from '../input/read-once.js';
import { UsageError } from '../errors.js';
import { setField } from '../input/set-field.js';
import { bothAllow } from '../input/allowed-protocols.js';
import { escapeTerminalControls } from '../wire/terminal-safe.js';


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
  /** Called once, when --max-errors is exceeded and the run starts to stop, with the counts that exceeded it. */
  onErrorLimit?: (errors: number, records: number) => void;
  /** The lines are for a terminal's reader (the CLI's): terminal controls written as \u escapes, here and in the children. */
  terminalSafe?: boolean;
}

/**
 * The whole job: stream records from `input`, route each request to its child by
 * key hash, and write every result line to `sink`. One line per record: invalid
 * records are answered here, everything else by the children.
 */
export async function runJob(options: RunOptions, { input, sink, signal, stop, abortNow, skipLine, onProgress, progressIntervalMs = 100, onChildCrash, onErrorLimit, terminalSafe = false }: RunContext): Promise<RunSummary> {
  escapeTerminalControls(terminalSafe);
  const started = performance.now();
  const budget = options.maxErrors ? new ErrorBudget(options.maxErrors) : undefined;
  const overBudget = new AbortController();
  const countErrors = (records: number, errors: number): void => {
    if (!budget?.add(records, errors) || overBudget.signal.aborted) return;
    overBudget.abort();
    onErrorLimit?.(budget.errors, budget.records);
  };
  const reorder = options.ordered
    ? // Until lines come, each is taken to be as large as a body may be kept (base64's third more, and its fields).
      new ReorderBuffer(sink, { maxRecords: options.reorderBuffer, maxBytes: 64 * 1024 * 1024, firstLineGuess: Math.ceil((options.maxBody * 4) / 3) + 1024 })
    : undefined;
  const out = reorder ?? sink;
  // A stop or an abort during the pass over the file ends it early: the run then sends nothing.
  const passStop = stop && signal ? AbortSignal.any([stop, signal]) : (stop ?? signal);
  const { cache: cachePlan, origins } = await planInput(options, options.procs, passStop, skipLine);
  const pool = new WorkerPool({
    procs: options.procs,
    config: { ...workerConfig(options, cachePlan.active, origins !== undefined), ...(terminalSafe ? { terminalSafe } : {}) },
    sink: out,
    limits: limitOptions(options),
    ...(onChildCrash ? { onChildCrash } : {}),
    quickStart: isSmallFile(input, QUICK_START_BYTES_PER_CHILD * options.procs),
    ...(budget ? { onAnswered: (lineNumbers: number[], lines: Buffer) => countErrors(lineNumbers.length, countErrorLines(lines)) } : {}),
  });
  let stopping = false;
  // A Ctrl-C after --max-errors began the stop has no stop left to begin: it aborts, as a second one would.
  const abortAfterLimit = new AbortController();
  const abortIfOverBudget = (): void => {
    if (overBudget.signal.aborted) abortAfterLimit.abort();
  };
  stop?.addEventListener('abort', abortIfOverBudget, { once: true });
  const superviseEnds = superviseStop(pool, {
    stop: stop ? AbortSignal.any([stop, overBudget.signal]) : overBudget.signal,
    abortNow: abortNow ? AbortSignal.any([abortNow, abortAfterLimit.signal]) : abortAfterLimit.signal,
    graceMs: options.grace,
    onStop: () => {
      stopping = true;
      input.destroy();
      pool.stopIntake(options.grace);
    },
  });
  const endSupervision = (): void => {
    superviseEnds();
    stop?.removeEventListener('abort', abortIfOverBudget);
  };
  const counters = emptyInputCounters();
  const stopMonitor = onProgress ? monitorRun(pool, counters, onProgress, progressIntervalMs) : undefined;
  // What ends the pass over the input: a stop, --max-errors, or an abort. The waits in it listen for the signal.
  const haltSignal = AbortSignal.any([overBudget.signal, ...(signal ? [signal] : []), ...(stop ? [stop] : [])]);
  const halted = (): boolean => stopping || haltSignal.aborted;
  const onInvalid = budget ? (): void => countErrors(1, 1) : undefined;
  const router = new RecordRouter({ options, pool, cachePlan, origins, reorder, out, counters, skipLine, halted, ...(onInvalid ? { onInvalid } : {}) });
  const kill = (): void => {
    input.destroy();
    void pool.kill();
  };
  signal?.addEventListener('abort', kill, { once: true });
  let answered: WorkerStats;
  try {
    try {
      for await (const lines of readLineChunks(input, { maxLineBytes: options.maxLineBytes })) {
        while (!halted() && !router.route(lines)) {
          const wait = router.takeWait();
          // Room in the reorder buffer (--ordered) or a child's window: behind a slow reader it may not come before
          // a stop, which must reach pool.close() as the output wait below must (the children then report).
          if (wait) await untilHalted(wait, haltSignal);
        }
        pool.flush();
        const invalid = router.takeInvalid();
        const written = invalid.lines === '' || out.write(invalid.lines);
        // A stop ends the wait too: behind a slow reader (`| less`) the loop never reached pool.close(), so the
        // children never heard their input end, never reported, and were killed after the grace, the answers
        // they had written over (EABORTED, no attempt).
        if (!written) await drainedOrGone(out, haltSignal);
        if (halted()) break;
      }
    } catch (error) {
      // An input stream destroyed by abort() or a stop ends the loop; anything else is real.
      if (!signal?.aborted && !stopping) {
        endSupervision();
        stopMonitor?.();
        await pool.kill();
        throw error;
      }
    }
    // Still listening while the children finish: an output gone after the last record was
    // routed (`| head -1` on a short list, a library caller's `break`) kills them, not waits
    // for every record they hold to be fetched for no one.
    answered = await pool.close();
  } finally {
    signal?.removeEventListener('abort', kill);
  }
  const stats = withInvalid(answered, counters);
  endSupervision();
  await reorder?.drainAll();
  stopMonitor?.();
  return {
    ...stats,
    skipped: counters.skipped,
    invalid: counters.invalid + stats.refused,
    elapsedMs: Math.round(performance.now() - started),
    shards: pool.shards,
    resumed: counters.resumed,
    stoppedBy: overBudget.signal.aborted ? 'max-errors' : stopping || signal?.aborted === true ? 'stop' : null,
    outOfShard: counters.outOfShard,
    cache: { ...cachePlan.decision(), hits: stats.cached, stored: stats.cacheStored, evictions: stats.cacheEvictions, peakBytes: stats.cachePeakBytes },
  };
}

/** The limits asked for, or undefined when none was: then children ask the parent only about hosts that refused (429/503). */
function limitOptions({ rate, perHostConcurrency, perHostRate }: RunOptions): LimitOptions | undefined {
  if (rate === undefined && perHostConcurrency === undefined && perHostRate === undefined) return undefined;
  return { rate, perHostConcurrency, perHostRate };
}

// Every request's headers: ours under the flags' (`given`). A caller's own Accept and Accept-Encoding
// (-H, or a spec's headers) win over ours. curl's -A '': no User-Agent at all (-A ' ' sends a blank one).
// Accept: */* as curl (and wget) send it: some servers and firewalls answer a request without one
// differently from what the user's curl saw.
function requestHeaders(options: RunOptions, given: Record<string, string | null>): Record<string, string> {
  return wireHeaders({
    'user-agent': options.userAgent === '' ? null : options.userAgent,
    accept: '*/*',
    ...(options.compressed ? { 'accept-encoding': ACCEPT_ENCODING } : {}),
    ...given,
  });
}

function withoutNames(headers: Record<string, string | null>, names: readonly string[]): Record<string, string | null> {
  const kept = { ...headers };
  for (const name of names) delete kept[name];
  return kept;
}

/** The flag headers (-H, -A ...) as they go on the wire: see wireHeaderValue. A null (-H 'Name:') is left out. */
function wireHeaders(headers: Record<string, string | null>): Record<string, string> {
  const wire: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== null) setField(wire, name, wireHeaderValue(value));
  return wire;
}

/** The most read of a PEM file: a CA bundle is a few hundred KiB, and each child gets the text. */
const MAX_PEM_BYTES = 16 * 1024 * 1024;

/** `wait`, or the halt if it comes first. */
function untilHalted(wait: Promise<void>, halt: AbortSignal): Promise<void> {
  if (halt.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = (): void => {
      halt.removeEventListener('abort', settle);
      resolve();
    };
    halt.addEventListener('abort', settle, { once: true });
    void wait.then(settle, settle);
  });
}

/**
 * Resolves once `out` drains, or once it never will: it failed or closed (its error is reported where it is
 * listened for), or the run was aborted. `once(out, 'drain')` waited for ever on an output that failed (ENOSPC
 * under the invalid lines the parent writes), and Node, its loop empty, exited 13 without a word.
 */
function drainedOrGone(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true || out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = (): void => {
      out.off('drain', settle).off('error', settle).off('close', settle);
      signal?.removeEventListener('abort', settle);
      resolve();
    };
    out.on('drain', settle).on('error', settle).on('close', settle);
    signal?.addEventListener('abort', settle, { once: true });
  });
}

/**
 * Reads now the run's files that are pipes (-b, --cacert, --cert, --key given as `<(...)`), which
 * workerConfig would read as the run starts: a caller (the CLI) reads them where a stop can still end it.
 */
export function readRunPipesAhead(options: RunFileOptions): void {
  for (const { path, maxBytes, flag } of runFiles(options)) readAheadIfOnce(path, maxBytes, flag);
}

/** True if some file the run reads whole (-b, --cacert, --cert, --key) is one whose open or read can wait: a pipe. */
export function runFilesMayWait(options: RunFileOptions): boolean {
  return runFiles(options).some(({ path }) => mayWaitToOpen(path));
}

type RunFileOptions = Pick<RunOptions, 'cookieFiles' | 'cacert' | 'cert' | 'key'>;

/** The files the run reads through its flags as it starts (-b, --cacert, --cert, --key). */
export function runFiles(options: RunFileOptions): { path: string; maxBytes: number; flag: string }[] {
  return [
    ...options.cookieFiles.map((path) => ({ path, maxBytes: MAX_COOKIE_FILE_BYTES, flag: '-b' })),
    ...(options.cacert !== undefined ? [{ path: options.cacert, maxBytes: MAX_PEM_BYTES, flag: '--cacert' }] : []),
    ...(options.cert !== undefined ? [{ path: options.cert, maxBytes: MAX_PEM_BYTES, flag: '--cert' }] : []),
    ...(options.key !== undefined ? [{ path: options.key, maxBytes: MAX_PEM_BYTES, flag: '--key' }] : []),
  ];
}

/**
 * A PEM file's text, read once for every child. A file that is read once (a
 * pipe, /dev/null) is checked here, as it is read, for what a file is checked
 * for before the run: one without a -----BEGIN line (empty) gave no
 * certificate without a word, and every https record went without it.
 */
function pemText(path: string, flag: string): string {
  const text = readUpTo(path, MAX_PEM_BYTES, flag);
  if (!text.includes('-----BEGIN ')) throw new UsageError(`Expected ${flag} to be a PEM file, got ${JSON.stringify(path)} (no -----BEGIN line)`);
  return text;
}

/**
 * -d's body as the config carries it to each child over the IPC channel (JSON). Text goes as text while it is
 * small; a larger body goes as base64, which costs 4/3 of its bytes whatever they are, where JSON escapes
 * each control character in six: 30 MB of NULs took 2 s to hand over as text. Bytes that are not UTF-8 go as
 * base64 at any size.
 */
function bodyForChildren(data: RunOptions['data']): Pick<WorkerConfig, 'data' | 'dataBase64'> {
  if (data === undefined) return {};
  if (typeof data === 'string' && data.length <= TEXT_BODY_MAX_CHARS) return { data };
  return { dataBase64: Buffer.from(data).toString('base64') };
}

/** The longest -d body handed to children as text: beyond it base64 (bodyForChildren). */
const TEXT_BODY_MAX_CHARS = 64 * 1024;

function workerConfig(options: RunOptions, cache: boolean, lastUseMarked: boolean): Omit<WorkerConfig, 'index' | 'limited' | 'liftoffOnly'> {
  return {
    concurrency: options.concurrency,
    timeout: options.timeout,
    connectTimeout: options.connectTimeout,
    cache,
    lastUseMarked,
    ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
    cacheBytes: options.cacheBytes,
    headers: requestHeaders(options, options.headers),
    ...bodyForChildren(options.data),
    ...(options.headerFlagNames?.length ? { headerFlagNames: options.headerFlagNames } : {}),
    ...(options.dataHeaderNames?.length ? { ownBodyHeaders: requestHeaders(options, withoutNames(options.headers, options.dataHeaderNames)) } : {}),
    ...(options.query !== undefined ? { query: options.query } : {}),
    ...(options.uploadName !== undefined ? { uploadName: options.uploadName } : {}),
    body: options.body,
    compressed: options.compressed,
    maxBody: options.maxBody,
    ...(options.save !== undefined ? { save: options.save } : {}),
    ...(options.maxFilesize !== undefined ? { maxFilesize: options.maxFilesize } : {}),
    includeHeaders: options.includeHeaders,
    follow: options.follow,
    autoReferer: options.autoReferer,
    redirectCookies: options.redirectCookies,
    fileCookies: readCookieFiles(options.cookieFiles),
    maxRedirects: options.maxRedirects,
    // A redirect may lead where --proto-redir allows and --proto does not take away, as curl has it.
    redirectProtocols: bothAllow(options.protocols, options.redirectProtocols),
    retries: options.retries,
    retryDelay: options.retryDelay,
    retryMaxDelay: options.retryMaxDelay,
    retryAllMethods: options.retryAllMethods,
    insecure: options.insecure,
    ...(options.cacert !== undefined ? { caPem: pemText(options.cacert, '--cacert') } : {}),
    ...(options.cert !== undefined ? { certPem: pemText(options.cert, '--cert') } : {}),
    ...(options.key !== undefined ? { keyPem: pemText(options.key, '--key') } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.noProxy !== undefined ? { noProxy: options.noProxy } : {}),
    http2: options.http2,
    http1Only: options.http1Only,
    ipv4Only: options.ipv4Only,
    ipv6Only: options.ipv6Only,
    connectTo: options.connectTo,
    resolve: options.resolve,
  };
}
