import { describe, expect, it } from 'vitest';
import { ErrorBudget, PERCENT_MIN_RECORDS, parseErrorLimit } from '../../../src/parent/error-budget.js';
import { countErrorLines } from '../../../src/wire/result-line.js';
import { LineSet } from '../../../src/output/line-set.js';

describe('--max-errors', () => {
  it('parses counts and percentages, refuses anything else', () => {
    expect(parseErrorLimit('10')).toEqual({ kind: 'count', max: 10 });
    expect(parseErrorLimit('2.5%')).toEqual({ kind: 'percent', max: 2.5 });
    for (const bad of ['', 'x', '-1', '101%', '1.5', '5%%']) expect(() => parseErrorLimit(bad)).toThrow(expect.objectContaining({ code: 'EUSAGE' }));
  });

  it('a count is exceeded by one more error; a percentage waits for enough records', () => {
    const count = new ErrorBudget({ kind: 'count', max: 2 });
    expect(count.add(5, 2)).toBe(false);
    expect(count.add(1, 1)).toBe(true);
    const share = new ErrorBudget({ kind: 'percent', max: 10 });
    expect(share.add(1, 1)).toBe(false); // 100% of one record: too early to judge
    expect(share.add(PERCENT_MIN_RECORDS - 1, 5)).toBe(false);
    expect(share.add(10, 10)).toBe(true);
  });
});

describe('countErrorLines', () => {
  it('counts lines whose error is not null without parsing them', () => {
    const lines = Buffer.from(
      '{"line":1,"url":"\\"error\\":null}","error":null}\n{"line":2,"error":{"code":"ETIMEDOUT","message":"x"}}\n{"line":3,"error":null}\n',
    );
    expect(countErrorLines(lines)).toBe(1);
  });
});

describe('LineSet', () => {
  it('holds sparse and large line numbers', () => {
    const set = new LineSet();
    for (const n of [1, 7, 8, 100_000, 7]) set.add(n);
    expect(set.size).toBe(4);
    expect([1, 7, 8, 100_000].every((n) => set.has(n))).toBe(true);
    expect(set.has(2) || set.has(99_999) || set.has(10_000_000)).toBe(false);
  });
});
