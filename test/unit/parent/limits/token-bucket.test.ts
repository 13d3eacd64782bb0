import { describe, expect, it } from 'vitest';
import { TokenBucket, burstFor } from '../../../../src/parent/limits/token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, then hands out tokens at the rate', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.msUntilToken(0)).toBe(0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.msUntilToken(0)).toBeCloseTo(100);
    expect(bucket.msUntilToken(60)).toBeCloseTo(40);
    expect(bucket.msUntilToken(100)).toBe(0);
  });

  it('never holds more than its capacity, however long it was idle', () => {
    const bucket = new TokenBucket(10, 2, 0);
    let taken = 0;
    while (bucket.msUntilToken(60_000) === 0) {
      bucket.take(60_000);
      taken += 1;
    }
    expect(taken).toBe(2);
    expect(bucket.isFull(60_000)).toBe(false);
    expect(bucket.isFull(60_200)).toBe(true);
  });

  it('gives at most capacity + rate x T over a window of T', () => {
    const bucket = new TokenBucket(50, burstFor(50), 0);
    let taken = 0;
    for (let t = 0; t <= 1000; t += 1) {
      while (bucket.msUntilToken(t) === 0) {
        bucket.take(t);
        taken += 1;
      }
    }
    expect(taken).toBeLessThanOrEqual(burstFor(50) + 50);
    expect(taken).toBeGreaterThanOrEqual(50);
  });

  it('allows a burst of 50 ms worth of tokens, at least one', () => {
    expect(burstFor(0.5)).toBe(1);
    expect(burstFor(10)).toBe(1);
    expect(burstFor(100)).toBe(5);
    expect(burstFor(1000)).toBe(50);
  });
});
