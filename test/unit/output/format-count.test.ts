import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCount } from '../../../src/output/format-count.js';

describe('formatCount', () => {
  it('groups digits like toLocaleString("en-US")', () => {
    for (const x of [0, 7, 999, 1000, 12_345, 1_234_567, -1234, 5.2, 1234.5, 0.125, 1_000_000.75, 2 ** 53]) {
      expect(formatCount(x)).toBe(x.toLocaleString('en-US'));
    }
  });

  it('leaves what it does not handle to ICU: rounding, exponents, -0, NaN', () => {
    for (const x of [1.0005, 2 / 3, 1e21, 1e-7, -0, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatCount(x)).toBe(x.toLocaleString('en-US'));
    }
  });

  it('agrees with toLocaleString for any integer and any tenth (the summary rounds req/s to one)', () => {
    fc.assert(fc.property(fc.integer(), (x) => formatCount(x) === x.toLocaleString('en-US')));
    fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), (x) => formatCount(x / 10) === (x / 10).toLocaleString('en-US')));
    fc.assert(fc.property(fc.double({ noNaN: true }), (x) => formatCount(x) === x.toLocaleString('en-US')));
  });
});
