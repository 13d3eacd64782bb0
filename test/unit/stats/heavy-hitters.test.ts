import { describe, expect, it } from 'vitest';
import { HeavyHitters } from '../../../src/stats/heavy-hitters.js';

describe('HeavyHitters', () => {
  it('is exact while keys fit', () => {
    const hh = new HeavyHitters(10);
    for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) hh.add(key);
    expect(hh.top(2)).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    expect(hh.exact).toBe(true);
  });

  it('stays bounded and keeps every heavy key within total / (capacity + 1)', () => {
    const capacity = 50;
    const hh = new HeavyHitters(capacity);
    let total = 0;
    const heavy = new Map([
      ['hot-1', 0],
      ['hot-2', 0],
    ]);
    for (let i = 0; i < 30_000; i++) {
      const key = i % 10 === 0 ? 'hot-1' : i % 10 === 1 ? 'hot-2' : `cold-${i}`;
      if (heavy.has(key)) heavy.set(key, heavy.get(key)! + 1);
      hh.add(key);
      total += 1;
      expect(hh.size).toBeLessThan(2 * capacity);
    }
    expect(hh.exact).toBe(false);
    expect(hh.maxError).toBeLessThanOrEqual(total / (capacity + 1));
    const top = new Map(hh.top(2));
    for (const [key, trueCount] of heavy) {
      expect(top.get(key)).toBeLessThanOrEqual(trueCount);
      expect(top.get(key)).toBeGreaterThanOrEqual(trueCount - hh.maxError);
    }
  });

  it('merges summaries (children into the parent) within capacity', () => {
    const merged = new HeavyHitters(2);
    merged.merge({ x: 5, y: 1 });
    merged.merge({ x: 2, z: 4, w: 1 });
    expect(merged.top(1)).toEqual([['x', 7 - merged.maxError]]);
    expect(Object.keys(merged.toRecord()).length).toBeLessThanOrEqual(2);
  });
});
