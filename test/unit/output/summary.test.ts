import { describe, expect, it } from 'vitest';
import { formatSummary, toSummaryJson } from '../../../src/output/summary.js';
import { LatencyHistogram } from '../../../src/stats/latency-histogram.js';
import { emptyStats } from '../../../src/wire/stats.js';
import type { RunSummary } from '../../../src/run-types.js';

describe('summary', () => {
  const latency = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) latency.record(i);
  const run: RunSummary = {
    ...emptyStats(),
    records: 120,
    requests: 90,
    cached: 25,
    errors: 6,
    errorCodes: { EINVALIDURL: 1, ECONNRESET: 5 },
    status: { '404': 4, '200': 110 },
    retries: 3,
    redirects: 0,
    latency: latency.toData(),
    hostErrors: { 'a.example': 2, 'b.example': 7 },
    skipped: 2,
    invalid: 1,
    elapsedMs: 2000,
    shards: [60, 59],
    outOfShard: 0,
    resumed: 0,
    stoppedBy: null,
    cache: { mode: 'auto', enabled: true, why: 'repeats', basis: 'file', distinct: 95, repeatRatio: 0.2, analysisMs: 3, hits: 25, stored: 30, evictions: 2, peakBytes: 4096 },
  };

  it('has exactly the documented keys (the issue\'s, and shards)', () => {
    const json = toSummaryJson(run);
    expect(Object.keys(json)).toEqual(['records', 'sent', 'notSent', 'cached', 'invalid', 'skipped', 'requests', 'errors', 'status', 'errorCodes', 'retries', 'redirects', 'http2Resent', 'resent', 'elapsedMs', 'rps', 'latencyMs', 'hosts', 'shards', 'cache', 'stoppedBy']);
    expect(json.cache).toEqual(run.cache);
    // The counts add up (issue 11): records = sent + cached + invalid; skipped lines apart.
    expect(json.sent + json.cached + json.invalid).toBe(json.records);
    expect(json.skipped).toEqual({ blank: 2, resumed: 0, otherShards: 0 });
    expect(json.rps).toBe(45);
    // Within the histogram's bucket width (< 1/128), the max exact.
    for (const [key, exact] of [['p50', 50], ['p90', 90], ['p99', 99]] as const) {
      expect(json.latencyMs[key]).toBeGreaterThanOrEqual(exact);
      expect(json.latencyMs[key]).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(json.latencyMs.max).toBe(100);
    expect(json.hosts).toEqual([
      { host: 'b.example', errors: 7 },
      { host: 'a.example', errors: 2 },
    ]);
    expect(Object.keys(json.errorCodes)).toEqual(['ECONNRESET', 'EINVALIDURL']);
  });

  it('formats for people', () => {
    const text = formatSummary(toSummaryJson(run));
    expect(text).toContain('records     120 = 94 sent + 25 cached + 1 invalid\n');
    // After a stop, the records it came before are not counted sent.
    const stopped = toSummaryJson({ ...run, errors: 46, errorCodes: { ...run.errorCodes, ENOTSENT: 40 } });
    expect(stopped).toMatchObject({ sent: 54, notSent: 40 });
    expect(stopped.sent + stopped.cached + stopped.invalid + stopped.notSent).toBe(stopped.records);
    expect(formatSummary(stopped)).toContain('records     120 = 54 sent + 25 cached + 1 invalid + 40 not sent\n');
    expect(text).toContain('skipped     2 blank/comment lines');
    expect(text).toContain('90 HTTP requests (3 of them retries)');
    expect(formatSummary(toSummaryJson({ ...run, requests: 1, retries: 0 }))).toContain('1 HTTP request (0 of them retries)');
    expect(text).toContain('ECONNRESET 5');
    expect(text).toMatch(/p99 99(\.\d)?\b/);
    expect(text).toContain('b.example 7');
    expect(text).toMatch(/cache\s+on \(auto\).*25 hits, 30 stored, 2 evicted/);
  });
});
