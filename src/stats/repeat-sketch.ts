/**
 * How many times each key occurs, in bounded memory: a counting Bloom filter
 * (saturating 4-bit counters, two to a byte, K slots a key) fed with every key
 * of the input, then drained as the run sends records, so that `take()` tells
 * whether a key still occurs later in the input.
 *
 * The error is one-sided: a key's estimate (the least of its slots) is never
 * below its true remaining count, so "occurs again" may be a false positive
 * (the response is stored for nothing, and leaves by eviction) but "last use"
 * is always right. A slot that reached 15 stays there (never drained): keys all
 * of whose slots saturated count as repeating for the rest of the run, so a
 * request that occurs 15 times or more keeps its cache entry (or its host its
 * connection) until evicted rather than dropped at its last use. Four bits,
 * not eight, because the sketch is the largest thing the parent holds: with
 * the same number of slots (the same false positives) it is half the memory.
 *
 * Keys arrive as one 32-bit hash (the request-key hash that routing computes
 * anyway); the K slots are derived from it by remixing. Two keys whose 32-bit
 * hashes collide (about 1 pair in 2^32 / n) share their count.
 */
const SLOTS_PER_KEY = 4;
const SATURATED = 15;
/** take()'s answer for a key that occurs once in the whole input. */
export const ONLY_USE = -1;

import { fmix32 } from './mix.js';

export class RepeatSketch {
  /** Slot s is the nibble (s & 1) of byte s >>> 1. */
  readonly #counters: Uint8Array;
  readonly #mask: number;
  /** One bit a slot: set on the slots of every key taken, so a key's first take can be told from its later ones. */
  readonly #taken: Uint8Array;
  /** Keys added whose estimate was 0 before: distinct keys, short by the false positives. */
  #distinct = 0;
  /** Slots add() found at 0 and raised: how full the filter is, for distinctEstimate. */
  #occupied = 0;
  #added = 0;
  /** The slots of the key being handled (filled by #locate). */
  readonly #slots = new Uint32Array(SLOTS_PER_KEY);

  /**
   * Counters take `bytes` (rounded up to a power of two; two slots a byte) and
   * the taken filter an eighth of the slots. About 4 bytes a distinct key keep
   * false positives near 2 %, 8 near 0.2 %.
   */
  constructor(bytes: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(1024, bytes)));
    this.#counters = new Uint8Array(size);
    this.#taken = new Uint8Array((size * 2) / 8);
    this.#mask = size * 2 - 1;
  }

  /** Keys added. */
  get added(): number {
    return this.#added;
  }

  /** Distinct keys added (an estimate that can only be low, by the false-positive rate). */
  get distinct(): number {
    return this.#distinct;
  }

  /**
   * Distinct keys added, from how full the filter is (Swamidass and Baldi's estimate: n = -(m/K) ln(1 - X/m)
   * for X of m slots taken, K a key), where `distinct` is short by every false positive: a list without one
   * repeat read as 2.2 % repeats on short lines (more keys for the sketch's bytes), and that turned the cache
   * on (2 % and over). Off by about 0.5 % at three slot-hits a slot; never below `distinct`, never above
   * `added`. Meant after the adds, before any take() drains a slot.
   */
  get distinctEstimate(): number {
    const slots = this.#mask + 1;
    if (this.#occupied >= slots) return this.#distinct;
    const estimate = Math.round((-slots / SLOTS_PER_KEY) * Math.log(1 - this.#occupied / slots));
    return Math.min(this.#added, Math.max(this.#distinct, estimate));
  }

  add(hash: number): void {
    this.#added += 1;
    const counters = this.#counters;
    let least = SATURATED;
    for (const slot of this.#locate(hash)) {
      const shift = (slot & 1) << 2;
      const n = (counters[slot >>> 1]! >>> shift) & SATURATED;
      if (n < least) least = n;
      if (n === 0) this.#occupied += 1;
      if (n < SATURATED) counters[slot >>> 1] = counters[slot >>> 1]! + (1 << shift);
    }
    if (least === 0) this.#distinct += 1;
  }

  /**
   * One occurrence of the key is being used: returns how many more occurrences
   * follow (at least the true number), and drains this one from the counts.
   * ONLY_USE instead of 0 when the key occurs nowhere else in the input, as far
   * as the sketch can tell (a Bloom filter of keys already taken): a false
   * "taken before" only turns an only use into a last use.
   */
  take(hash: number): number {
    const counters = this.#counters;
    const taken = this.#taken;
    let least = SATURATED;
    let takenBefore = true;
    for (const slot of this.#locate(hash)) {
      const n = (counters[slot >>> 1]! >>> ((slot & 1) << 2)) & SATURATED;
      if (n < least) least = n;
      const bit = 1 << (slot & 7);
      if ((taken[slot >>> 3]! & bit) === 0) {
        takenBefore = false;
        taken[slot >>> 3] = taken[slot >>> 3]! | bit;
      }
    }
    if (least === 0) return takenBefore ? 0 : ONLY_USE;
    if (least === SATURATED) return SATURATED;
    this.#drain();
    return least === 1 && !takenBefore ? ONLY_USE : least - 1;
  }

  /** Takes one occurrence off the slots #locate just filled. */
  #drain(): void {
    const counters = this.#counters;
    for (const slot of this.#slots) {
      const shift = (slot & 1) << 2;
      if (((counters[slot >>> 1]! >>> shift) & SATURATED) < SATURATED) counters[slot >>> 1] = counters[slot >>> 1]! - (1 << shift);
    }
  }

  /** The key's slots: each the finalizer over the previous plus a per-slot constant, so they spread independently. */
  #locate(hash: number): Uint32Array {
    let h = hash;
    for (let i = 0; i < SLOTS_PER_KEY; i++) {
      h = fmix32((h + Math.imul(i + 1, 0x9e3779b9)) | 0);
      this.#slots[i] = h & this.#mask;
    }
    return this.#slots;
  }
}
