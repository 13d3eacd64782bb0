/**
 * A log-linear latency histogram in the manner of HdrHistogram: values up to
 * 255 µs get a bucket each, every larger power of two is split into 128 equal
 * buckets. Any value is therefore known to within 1/128 (< 0.8 %) of itself,
 * with a fixed 3328 buckets for everything from 1 µs to 71 minutes.
 *
 * Two histograms merge by adding their counts, losslessly: percentiles of the
 * merged histogram are the percentiles of all values together (within the
 * bucket width), which averaging each child's percentiles would not give.
 */

const SUB_BITS = 7;
const SUB_COUNT = 1 << SUB_BITS;
/** Largest value kept (µs); longer latencies count in the last bucket, `max` stays exact. */
const MAX_US = 0xffff_ffff;
export const BUCKET_COUNT = (32 - SUB_BITS + 1) * SUB_COUNT;

/** The serializable form (IPC, summaries): `buckets` is flat [index, count, index, count ...]. */
export interface HistogramData {
  /** Exact largest value recorded, in ms. */
  maxMs: number;
  buckets: number[];
}

export function emptyHistogramData(): HistogramData {
  return { maxMs: 0, buckets: [] };
}

export function bucketIndex(us: number): number {
  if (us < 2 * SUB_COUNT) return us;
  const shift = 31 - Math.clz32(us) - SUB_BITS;
  return (shift << SUB_BITS) + (us >>> shift);
}

/** The largest value (µs) that falls in bucket `index`. */
export function bucketUpperUs(index: number): number {
  if (index < 2 * SUB_COUNT) return index;
  const shift = (index >>> SUB_BITS) - 1;
  const mantissa = index - (shift << SUB_BITS);
  return (mantissa + 1) * 2 ** shift - 1;
}

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKET_COUNT);
  #total = 0;
  #maxMs = 0;

  get total(): number {
    return this.#total;
  }

  record(ms: number): void {
    const us = Math.min(MAX_US, Math.max(0, Math.round(ms * 1000)));
    this.#counts[bucketIndex(us)]! += 1;
    this.#total += 1;
    if (ms > this.#maxMs) this.#maxMs = ms;
  }

  add(data: HistogramData): void {
    const { buckets } = data;
    for (let i = 0; i + 1 < buckets.length; i += 2) {
      this.#counts[buckets[i]!]! += buckets[i + 1]!;
      this.#total += buckets[i + 1]!;
    }
    if (data.maxMs > this.#maxMs) this.#maxMs = data.maxMs;
  }

  /** The value (ms) at or below which `p` percent of the recorded values lie; 0 when empty. */
  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.#counts[i]!;
      // The bucket's top, but never above the exact maximum.
      if (seen >= rank) return Math.min(this.#maxMs, bucketUpperUs(i) / 1000);
    }
    return this.#maxMs;
  }

  get maxMs(): number {
    return this.#maxMs;
  }

  toData(): HistogramData {
    const buckets: number[] = [];
    for (let i = 0; i < BUCKET_COUNT; i++) if (this.#counts[i] !== 0) buckets.push(i, this.#counts[i]!);
    return { maxMs: this.#maxMs, buckets };
  }

  static from(...data: HistogramData[]): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (const d of data) histogram.add(d);
    return histogram;
  }
}

/** Adds two serialized histograms (parents merging children's reports). */
export function mergeHistogramData(a: HistogramData, b: HistogramData): HistogramData {
  if (b.buckets.length === 0) return { maxMs: Math.max(a.maxMs, b.maxMs), buckets: a.buckets };
  if (a.buckets.length === 0) return { maxMs: Math.max(a.maxMs, b.maxMs), buckets: b.buckets };
  return LatencyHistogram.from(a, b).toData();
}
