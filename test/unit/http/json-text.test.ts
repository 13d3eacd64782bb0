import { describe, expect, it } from 'vitest';
import { minifyJson } from '../../../src/http/json-text.js';

describe('minifyJson', () => {
  it('drops whitespace outside strings and keeps every other character', () => {
    const source = ' { "a b" : [ 1 , 12345678901234567890, 1e400 ] ,\n\t"a b":"x  \\" y", "c":-0.5E+3 } ';
    expect(minifyJson(source)).toEqual({ text: '{"a b":[1,12345678901234567890,1e400],"a b":"x  \\" y","c":-0.5E+3}', jqDepth: 3, unpairedSurrogate: false });
    expect(minifyJson('{"a":1}')).toEqual({ text: '{"a":1}', jqDepth: 2, unpairedSurrogate: false });
    expect(minifyJson('"\\ud800"')).toEqual({ text: '"\\ud800"', jqDepth: 0, unpairedSurrogate: true });
  });

  it('marks a string escape of half a surrogate pair without its other half, high or low, value or key', () => {
    for (const lone of ['"\\ud800"', '"\\udc00"', '"x\\uD83Dy"', '"\\ud800\\u0041"', '"\\udc00\\ud800"', '"\\ud800\\ud800"', '{"\\udbff":1}', '["ok","\\ud83d\\ude00","\\ud83d"]']) {
      expect(minifyJson(lone)?.unpairedSurrogate, lone).toBe(true);
    }
    for (const fine of ['"\\ud83d\\ude00"', '"\\uD83D\\uDE00"', '"\\u00e9\\uffff\\ud7ff\\ue000"', '"😀"', '{"\\ud83d\\ude00":"\\u0041"}']) {
      expect(minifyJson(fine)?.unpairedSurrogate, fine).toBe(false);
    }
    // The next document is judged on its own.
    expect(minifyJson('"a"')?.unpairedSurrogate).toBe(false);
    expect(minifyJson('"\\ud800\\uZZZZ"')).toBeUndefined();
  });

  it('refuses what is not exactly one JSON value', () => {
    for (const bad of ['', ' ', '[1,]', '{"a":1,}', '{"a"}', '{1:2}', '01', '1.', '-', '.5', '+1', '"\\x"', '"a\nb"', '"\\u12"', 'true false', '[', ']', '[]]', 'nul', 'NaN', "'a'"]) {
      expect(minifyJson(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('measures depth as jq 1.6 counts it (an object two levels, an array one), without recursion, however deep', () => {
    const deep = `${'{"a":['.repeat(50_000)}${']}'.repeat(50_000)}`;
    expect(minifyJson(deep)?.jqDepth).toBe(150_000);
    expect(minifyJson(`${'['.repeat(254)}${']'.repeat(254)}`)?.jqDepth).toBe(254);
    expect(minifyJson(`${'{"a":'.repeat(127)}1${'}'.repeat(127)}`)?.jqDepth).toBe(254);
    // Siblings do not add up: the deepest path counts.
    expect(minifyJson('[[[]],{"a":{"b":1}},[1]]')?.jqDepth).toBe(5);
  });
});
