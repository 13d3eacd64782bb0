import { describe, expect, it } from 'vitest';
import { ResultLineReader } from '../../../src/wire/result-line-reader.js';
import { TALLY_BYTES, TALLY_LINES, TallyPacer, encodeTallyLine } from '../../../src/wire/tally-line.js';
import { StatsCollector } from '../../../src/wire/stats-collector.js';
import { serializeResult, type Result } from '../../../src/wire/result-line.js';

describe('ResultLineReader', () => {
  it('returns only whole lines and their record numbers, keeping a torn tail for later', () => {
    const reader = new ResultLineReader();
    const numbers: number[] = [];
    const first = reader.push(Buffer.from('{"line":12,"a":1}\n{"line":3'), numbers);
    expect(first?.toString()).toBe('{"line":12,"a":1}\n');
    expect(numbers).toEqual([12]);
    const none = reader.push(Buffer.from('4,"b":2'), numbers);
    expect(none).toBeNull();
    const second = reader.push(Buffer.from('}\n{"line":7}\n'), numbers);
    expect(second?.toString()).toBe('{"line":34,"b":2}\n{"line":7}\n');
    expect(numbers).toEqual([12, 34, 7]);
  });

  it('takes tally lines out of what it returns, and counts the lines after the latest one', () => {
    const result = (line: number, status: number | null, error: Result['error'] = null): Result => ({
      line, url: `http://h${line % 2}.test/${line}`, method: 'GET', status, ok: status === 200, body: '', bytes: 0, ms: line, attempts: 1, cached: false, error,
    });
    const child = new StatsCollector();
    const text = (r: Result): string => {
      child.count(r);
      return serializeResult(r);
    };
    const tally = (): string => encodeTallyLine(child.snapshot(true, { stored: 1, evictions: 0, peakBytes: 10 }));
    const a = text(result(1, 200)) + text(result(2, 404)) + tally();
    const b = text(result(3, 500)) + tally() + text(result(4, null, { code: 'ETIMEDOUT', message: 't' }));
    const c = text(result(5, 200));
    const reader = new ResultLineReader();
    const numbers: number[] = [];
    // Torn across chunks, the tally in the middle of one.
    const bytes = Buffer.from(a + b + c);
    const cut = a.length + 10;
    const first = reader.push(bytes.subarray(0, cut), numbers);
    const second = reader.push(bytes.subarray(cut), numbers);
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    const returned = `${first?.toString() ?? ''}${second?.toString() ?? ''}`;
    expect(returned).not.toMatch(/^=/m);
    expect(returned.split('\n').filter(Boolean).map((l) => JSON.parse(l).line)).toEqual([1, 2, 3, 4, 5]);
    const counted = reader.counted();
    expect(counted).toMatchObject({ records: 5, errors: 1, errorCodes: { ETIMEDOUT: 1 }, status: { 200: 2, 404: 1, 500: 1 }, httpErrors: 2, cacheStored: 1, cachePeakBytes: 10 });
    expect(counted.latency.maxMs).toBe(5);
    expect(counted.hostErrors).toEqual({ 'h0.test': 2, 'h1.test': 1 });
  });

  it('paces tallies by lines and by characters', () => {
    const pacer = new TallyPacer();
    const due = Array.from({ length: TALLY_LINES * 2 }, () => pacer.due('x')).filter(Boolean);
    expect(due).toHaveLength(2);
    expect(pacer.due('y'.repeat(TALLY_BYTES))).toBe(true);
    expect(pacer.due('z')).toBe(false);
  });
});
