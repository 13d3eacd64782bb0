import { describe, expect, it } from 'vitest';
import { ResultLineReader } from '../../../src/wire/result-line-reader.js';

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
});
