import { describe, expect, it } from 'vitest';
import { recordError, RecordErrorCode } from '../../../src/errors.js';
import { JsonText, type FetchOutcome } from '../../../src/http/outcome.js';
import type { RequestSpec } from '../../../src/input/request-spec.js';
import { ResultLineReader } from '../../../src/wire/result-line-reader.js';
import { countErrorLines, errorResult, lineFromResponse, parseLineNumber, readLineNumber, rawResultLine, resultOf, serializeResponse, serializeResult } from '../../../src/wire/result-line.js';

const spec: RequestSpec = { line: 4711, id: 'item-7', method: 'GET', url: 'http://127.0.0.1:8080/item/7' };
const outcome: FetchOutcome = {
  status: 200,
  headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] },
  body: new JsonText('{"name":"seven","tags":["x","y"]}'),
  bytes: 34,
  attempts: 2,
  ms: 12.5,
  error: null,
};

describe('the result line', () => {
  it('round-trips a real Result through the writer and every reader of the format', () => {
    const result = resultOf(spec, outcome, false, 12.5);
    const failed = errorResult({ line: 12, url: 'http://127.0.0.1:1/', method: 'GET' }, recordError(RecordErrorCode.CONNECTION_REFUSED, 'refused'));
    const text = serializeResult(result) + serializeResult(failed);
    const bytes = Buffer.from(text);

    // What the API and jq see: the same object back, line first and error last.
    const [first, second] = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(first).toEqual({ ...result, body: { name: 'seven', tags: ['x', 'y'] } });
    expect(Object.keys(first)[0]).toBe('line');
    expect(Object.keys(first).at(-1)).toBe('error');
    expect(second).toEqual(failed);

    // What the parent reads off the bytes without parsing them.
    expect(readLineNumber(bytes, 0)).toBe(4711);
    expect(parseLineNumber(bytes)).toBe(4711);
    expect(parseLineNumber(Buffer.from('{"url":"x"}'))).toBeUndefined();
    expect(countErrorLines(bytes)).toBe(1);
    const numbers: number[] = [];
    expect(new ResultLineReader().push(bytes, numbers)?.toString()).toBe(text);
    expect(numbers).toEqual([4711, 12]);
  });

  it('writes JSON bodies as their text: big numbers, 1e400, key order and duplicate keys kept', () => {
    const text = '{"b":12345678901234567890,"a":1e400,"b":-0.0}';
    const line = serializeResult(resultOf(spec, { ...outcome, body: new JsonText(text) }, false, 1));
    expect(line).toContain(`,"body":${text},"bytes":34,`);
    expect(JSON.parse(line)).toMatchObject({ line: 4711, ok: true, error: null });
  });

  it('marks a cached answer with no attempts of its own', () => {
    expect(resultOf(spec, outcome, true, 0.1)).toMatchObject({ cached: true, attempts: 0, ms: 0.1, ok: true });
  });
});

describe('a line from a stored response', () => {
  const variants: Array<[string, RequestSpec, FetchOutcome]> = [
    ['headers, id and JSON body', spec, outcome],
    ['no id, text body, truncated, base64', { line: 3, method: 'HEAD', url: 'http://a.test/x?y="z"' }, { status: 206, body: 'aGk=', bodyEncoding: 'base64', truncated: true, bytes: 2, attempts: 1, ms: 3, error: null }],
    ['--follow and an error with a status', { line: 9, id: 9, method: 'GET', url: 'http://a.test/' }, { status: 302, body: null, bytes: 0, attempts: 3, ms: 40.1, finalUrl: 'http://b.test/\u2028', redirects: 10, error: recordError(RecordErrorCode.TOO_MANY_REDIRECTS, 'More than 10 redirects') }],
    ['trailers after the body', { line: 6, method: 'GET', url: 'http://a.test/t' }, { status: 200, headers: { trailer: 'x-sum' }, body: 'hi', trailers: { 'x-sum': 'ab', 'grpc-status': '0' }, bytes: 2, attempts: 1, ms: 2, error: null }],
    ['--save (file, sha256) and a final method of its own', { line: 5, method: 'GET', url: 'http://a.test/f' }, { status: 200, body: null, bytes: 5, attempts: 1, ms: 2, finalUrl: 'http://a.test/g', finalMethod: 'GET', redirects: 1, file: 'out/ab12', sha256: 'e3b0', error: null }],
  ];
  for (const [name, s, o] of variants) {
    it(`gives exactly rawResultLine's bytes (${name}), fetched and cached`, () => {
      const response = serializeResponse(s, o);
      expect(lineFromResponse(s, response, false, o.ms, o.attempts)).toBe(rawResultLine(resultOf(s, o, false, o.ms)));
      expect(lineFromResponse(s, response, true, 0.2, o.attempts)).toBe(rawResultLine(resultOf(s, o, true, 0.2)));
    });
  }
});
