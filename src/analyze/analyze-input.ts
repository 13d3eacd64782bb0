import type { Readable } from 'node:stream';
import { defaultRunOptions } from '../options/index.js';
import { readLineBatches } from '../input/lines.js';
import { hostOf } from '../input/host-of.js';
import { parseRecord } from '../input/parse-record.js';
import { hashKey, hashKey2, requestKey } from '../input/request-key.js';
import { DistinctCounter } from '../stats/distinct-counter.js';
import { HeavyHitters } from '../stats/heavy-hitters.js';

export interface AnalyzeOptions {
  maxLineBytes?: number;
  /** Default method of URL records (-X), part of the request key. */
  method?: string;
  /** Distinct requests counted exactly before HyperLogLog takes over (16 bytes each). */
  exactLimit?: number;
  /** Keys tracked for the most repeated requests and the top hosts (Misra-Gries). */
  topCapacity?: number;
  /** Entries shown in `topRequests` and `hosts.top`. */
  top?: number;
  /** Called with each request's key hash (the routing hash), in input order: feeds the run's cache planner. */
  onRequest?: (hash: number) => void;
}

/** What one pass over the input found; `advice` is added by adviseOn(). */
export interface InputProfile {
  /** Records: requests plus invalid records (blank and comment lines are not records). */
  records: number;
  /** Valid requests. */
  requests: number;
  /** Distinct requests (by request key). */
  distinct: number;
  /** False once `distinct` is a HyperLogLog estimate. */
  distinctExact: boolean;
  /** Requests that repeat an earlier one: requests - distinct. */
  duplicates: number;
  /** duplicates / requests. */
  duplicateRatio: number;
  invalid: number;
  skipped: { blank: number; comment: number };
  hosts: {
    count: number;
    countExact: boolean;
    /** The hosts with the most requests; `requests` are lower bounds once `exact` is false. */
    top: Array<{ host: string; requests: number; share: number }>;
    exact: boolean;
  };
  /**
   * The most repeated requests (count > 1), as "METHOD URL". Once `exact` is
   * false, counts are lower bounds short by at most `maxError`, and requests
   * repeated fewer times than that may be missing.
   */
  topRequests: { exact: boolean; maxError: number; top: Array<{ request: string; count: number }> };
}

const LABEL_MAX = 300;

/**
 * One streaming pass over the input, no requests: repetition (how much the
 * cache can save) and spread over hosts. Memory is bounded whatever the size:
 * a fixed table for exact distinct counting (then HyperLogLog), and
 * Misra-Gries summaries for the top requests and hosts.
 */
export async function analyzeInput(input: Readable, options: AnalyzeOptions = {}): Promise<InputProfile> {
  const defaults = defaultRunOptions();
  const { maxLineBytes = defaults.maxLineBytes, method = defaults.method, exactLimit = 1 << 20, topCapacity = 10_000, top = 10 } = options;
  const distinct = new DistinctCounter(exactLimit);
  const hostCount = new DistinctCounter(Math.min(exactLimit, 100_000));
  const hosts = new HeavyHitters(topCapacity);
  const repeated = new HeavyHitters(topCapacity);
  let requests = 0;
  let invalid = 0;
  let blank = 0;
  let comment = 0;
  for await (const batch of readLineBatches(input, { maxLineBytes })) {
    for (const { line, text, notUtf8 } of batch) {
      if (text === null) {
        invalid += 1;
        continue;
      }
      const record = parseRecord(text, line, method, undefined, notUtf8);
      if (record.kind === 'skip') {
        if (text.trim() === '') blank += 1;
        else comment += 1;
      } else if (record.kind === 'invalid') {
        invalid += 1;
      } else {
        requests += 1;
        const { spec } = record;
        const key = requestKey(spec);
        const h1 = hashKey(key);
        options.onRequest?.(h1);
        const h2 = hashKey2(key);
        distinct.add(h1, h2);
        const host = hostOf(spec.url);
        hostCount.add(hashKey(host), hashKey2(host));
        hosts.add(host);
        // The label people read, without the #fragment the key leaves out (never sent: /page#a and /page#b are one
        // request); the hash suffix keeps requests that differ only in headers or body apart.
        const hash = spec.url.indexOf('#');
        const url = hash === -1 ? spec.url : spec.url.slice(0, hash);
        const label = `${spec.method} ${url.length > LABEL_MAX ? `${url.slice(0, LABEL_MAX)}...` : url}`;
        repeated.add(key.length === spec.method.length + 1 + url.length ? label : `${label} #${h2.toString(16)}`);
      }
    }
  }
  const distinctCount = Math.min(requests, distinct.count);
  const duplicates = requests - distinctCount;
  return {
    records: requests + invalid,
    requests,
    distinct: distinctCount,
    distinctExact: distinct.exact,
    duplicates,
    duplicateRatio: requests === 0 ? 0 : round(duplicates / requests, 4),
    invalid,
    skipped: { blank, comment },
    hosts: {
      count: Math.min(requests, hostCount.count),
      countExact: hostCount.exact,
      top: hosts
        .top(top)
        // As for the most repeated requests: a count within the estimator's error named one-request hosts as the top.
        .filter(([, n]) => hosts.exact || n > hosts.maxError)
        .map(([host, n]) => ({ host, requests: n, share: round(n / requests, 4) })),
      exact: hosts.exact,
    },
    topRequests: {
      exact: repeated.exact,
      maxError: repeated.maxError,
      top: repeated
        .top(top)
        // A count no more than the estimator's error says nothing: such rows pushed out none and named noise as the top.
        .filter(([, n]) => n > (repeated.exact ? 1 : Math.max(1, repeated.maxError)))
        .map(([request, count]) => ({ request, count })),
    },
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
