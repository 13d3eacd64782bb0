/**
 * "Was this key seen recently?" in fixed memory: two Bloom filters, the
 * current one and the one before it. A key is looked up in both and added to
 * the current one; when the current one holds `capacity` keys it becomes the
 * previous one and a fresh one starts. So the filter remembers at least the
 * last `capacity` keys, forgets older ones, and its false-positive rate never
 * grows past what `capacity` keys give (about 2 % at 8 bits a key).
 */
import { fmix32 } from './mix.js';

const HASHES = 4;

export class SeenFilter {
  readonly #capacity: number;
  #current: Uint8Array;
  #previous: Uint8Array;
  readonly #mask: number;
  #held = 0;

  /** `capacity` keys remembered for sure; memory is 2 x capacity bytes (8 bits a key per filter). */
  constructor(capacity: number) {
    this.#capacity = capacity;
    const bits = 2 ** Math.ceil(Math.log2(Math.max(1024, capacity * 8)));
    this.#current = new Uint8Array(bits / 8);
    this.#previous = new Uint8Array(bits / 8);
    this.#mask = bits - 1;
  }

  /** True when the key was seen before (or is a false positive); remembers it either way. */
  seen(hash: number): boolean {
    // A second hash for double hashing, remixed from the first.
    const hash2 = fmix32(hash ^ 0x5bd1e995);
    let inCurrent = true;
    let inPrevious = true;
    for (let i = 0; i < HASHES; i++) {
      const bit = (hash + Math.imul(i, hash2 | 1)) & this.#mask;
      const byte = bit >>> 3;
      const mask = 1 << (bit & 7);
      if ((this.#current[byte]! & mask) === 0) {
        inCurrent = false;
        this.#current[byte]! |= mask;
      }
      if ((this.#previous[byte]! & mask) === 0) inPrevious = false;
    }
    if (!inCurrent && ++this.#held >= this.#capacity) {
      this.#previous = this.#current;
      this.#current = new Uint8Array(this.#previous.length);
      this.#held = 0;
    }
    return inCurrent || inPrevious;
  }
}
