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

  it('estimates distinct keys from how full it is, where the count of new keys is short by every false positive', () => {
    // 50,000 keys into 64K slots (three slot-hits a slot): about 2 % of new keys look seen, and a list with no
    // repeat at all read as 2.2 % repeats, over the cache's 2 % threshold.
    const sketch = new RepeatSketch(1 << 15);
    const keys = Array.from({ length: 50_000 }, (_, i) => hashKey(`GET http://a${i}.test/`));
    for (const h of keys) sketch.add(h);
    expect(50_000 - sketch.distinct).toBeGreaterThan(500);
    expect(Math.abs(sketch.distinctEstimate - 50_000)).toBeLessThan(750);
    // With repeats, the same: each key three times over 20,000 keys.
    const again = new RepeatSketch(1 << 15);
    for (let round = 0; round < 3; round++) for (const h of keys.slice(0, 20_000)) again.add(h);
    expect(again.added).toBe(60_000);
    expect(Math.abs(again.distinctEstimate - 20_000)).toBeLessThan(300);
    // Never under the keys seen new, never over those added.
    const small = new RepeatSketch(1024);
    for (const h of keys) small.add(h);
    expect(small.distinctEstimate).toBeGreaterThanOrEqual(small.distinct);
    expect(small.distinctEstimate).toBeLessThanOrEqual(small.added);
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
