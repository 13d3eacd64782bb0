import { describe, expect, it } from 'vitest';
import { RepeatSketch } from '../../../../src/stats/repeat-sketch.js';
import { SeenFilter } from '../../../../src/stats/seen-filter.js';
import { hashKey } from '../../../../src/input/request-key.js';

describe('RepeatSketch', () => {
  it('never understates what remains of a key, and drains to a last use', () => {
    const sketch = new RepeatSketch(1 << 15);
    const keys = Array.from({ length: 2000 }, (_, i) => hashKey(`GET http://a.test/${i}`));
    // Key i occurs (i % 4) + 1 times.
    const sequence: number[] = [];
    keys.forEach((h, i) => {
      for (let k = 0; k <= i % 4; k++) sequence.push(h);
    });
    for (const h of sequence) sketch.add(h);
    expect(sketch.added).toBe(sequence.length);
    expect(sketch.distinct).toBeLessThanOrEqual(2000);
    expect(sketch.distinct).toBeGreaterThan(1980);
    const left = new Map<number, number>();
    for (const h of sequence) left.set(h, (left.get(h) ?? 0) + 1);
    let wrongLast = 0;
    for (const h of sequence) {
      const truth = (left.get(h) as number) - 1;
      left.set(h, truth);
      const estimate = sketch.take(h);
      // ONLY_USE (-1) stands for 0 on a key taken for the first time.
      expect(estimate === -1 ? 0 : estimate).toBeGreaterThanOrEqual(truth);
      if (truth === 0 && estimate > 0) wrongLast += 1;
    }
    // 32 slots a key: false "comes again" stays rare.
    expect(wrongLast).toBeLessThan(20);
  });

  it('counts up to 14 occurrences exactly in 4-bit slots, next to other keys', () => {
    const sketch = new RepeatSketch(1 << 12);
    const keys = Array.from({ length: 50 }, (_, i) => hashKey(`GET http://b.test/${i}`));
    for (const h of keys) for (let k = 0; k < 14; k++) sketch.add(h);
    for (const h of keys) {
      for (let k = 13; k >= 1; k--) expect(sketch.take(h)).toBeGreaterThanOrEqual(k);
    }
    // 50 keys in 8,192 slots: nearly every key's last use is seen as one.
    const lastUses = keys.filter((h) => sketch.take(h) === 0).length;
    expect(lastUses).toBeGreaterThanOrEqual(48);
  });

  it('treats a saturated count as repeating for good', () => {
    const sketch = new RepeatSketch(1024);
    for (let i = 0; i < 300; i++) sketch.add(7);
    for (let i = 0; i < 300; i++) expect(sketch.take(7)).toBeGreaterThan(0);
  });
});

describe('SeenFilter', () => {
  it('knows a key seen before, forgets beyond two generations, and stays mostly right on new keys', () => {
    const filter = new SeenFilter(1000);
    expect(filter.seen(hashKey('a'))).toBe(false);
    expect(filter.seen(hashKey('a'))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 999; i++) if (filter.seen(hashKey(`k${i}`))) falsePositives += 1;
    expect(falsePositives).toBeLessThan(40);
    // 'a' is now in the previous generation: still remembered.
    expect(filter.seen(hashKey('a'))).toBe(true);
  });
});
