import { describe, expect, it } from 'vitest';
import { DistinctCounter, HLL_STANDARD_ERROR } from '../../../src/stats/distinct-counter.js';
import { hashKey, hashKey2 } from '../../../src/input/request-key.js';

const add = (counter: DistinctCounter, key: string) => counter.add(hashKey(key), hashKey2(key));

describe('DistinctCounter', () => {
  it('is exact up to its limit and tells new keys from repeats', () => {
    const counter = new DistinctCounter(1000);
    expect(add(counter, 'a')).toBe(true);
    expect(add(counter, 'a')).toBe(false);
    for (let i = 0; i < 999; i++) add(counter, `k${i}`);
    for (let i = 0; i < 999; i++) add(counter, `k${i}`);
    expect(counter.exact).toBe(true);
    expect(counter.count).toBe(1000);
  });

  it('switches to HyperLogLog past the limit, within 4 standard errors', () => {
    const counter = new DistinctCounter(1000);
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      add(counter, `GET https://host-${i % 97}.example/item/${i}`);
      if (i % 3 === 0) add(counter, `GET https://host-${i % 97}.example/item/${i}`); // repeats must not count
    }
    expect(counter.exact).toBe(false);
    expect(Math.abs(counter.count - n) / n).toBeLessThan(4 * HLL_STANDARD_ERROR);
  });
});
