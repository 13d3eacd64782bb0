import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, LatencyHistogram, bucketIndex, bucketUpperUs, mergeHistogramData } from '../../../src/stats/latency-histogram.js';

/** A deterministic pseudo-random stream (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('LatencyHistogram', () => {
  it('maps every value into a bucket whose top is within 1/128 above it', () => {
    for (const us of [0, 1, 255, 256, 257, 1000, 65_535, 1_000_000, 2 ** 31, 2 ** 32 - 1]) {
      const index = bucketIndex(us);
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(BUCKET_COUNT);
      const upper = bucketUpperUs(index);
      expect(upper).toBeGreaterThanOrEqual(us);
      expect(upper - us).toBeLessThanOrEqual(us / 128 + 1);
    }
  });

  it('gives percentiles within the bucket width of the exact ones', () => {
    const next = random(7);
    const values = Array.from({ length: 20_000 }, () => Math.round(Math.exp(next() * 9) * 10) / 10); // 0.1 ms .. 8 s, long-tailed
    const histogram = new LatencyHistogram();
    for (const v of values) histogram.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [50, 90, 99, 100]) {
      const exact = exactPercentile(sorted, p);
      const got = histogram.percentile(p);
      expect(got).toBeGreaterThanOrEqual(exact - 0.001);
      expect(got).toBeLessThanOrEqual(exact * (1 + 1 / 128) + 0.001);
    }
    expect(histogram.maxMs).toBe(sorted[sorted.length - 1]);
  });

  it('merges children exactly: merged data equals one histogram over all values', () => {
    const next = random(11);
    // Children with very different latencies: averaging their p99s would be far off.
    const fast = Array.from({ length: 9000 }, () => 1 + next() * 4);
    const slow = Array.from({ length: 1000 }, () => 500 + next() * 500);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (const v of fast) (a.record(v), all.record(v));
    for (const v of slow) (b.record(v), all.record(v));
    const merged = LatencyHistogram.from(mergeHistogramData(a.toData(), b.toData()));
    expect(merged.toData()).toEqual(all.toData());
    for (const p of [50, 90, 99]) expect(merged.percentile(p)).toBe(all.percentile(p));
    // p90 sits at the top of the fast child's values, p99 among the slow child's.
    expect(merged.percentile(90)).toBeLessThan(5.1);
    expect(merged.percentile(99)).toBeGreaterThan(500);
  });

  it('is bounded: huge values go to the last bucket, the max stays exact', () => {
    const histogram = new LatencyHistogram();
    histogram.record(10 * 3600 * 1000);
    expect(histogram.toData().buckets).toEqual([BUCKET_COUNT - 1, 1]);
    expect(histogram.maxMs).toBe(10 * 3600 * 1000);
    expect(new LatencyHistogram().percentile(50)).toBe(0);
  });
});
