// Property-based: whatever a line holds, the parser never throws and answers with
// a skip, a request that is safe to send, or an invalid record with a known code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordErrorCode } from '../../../src/errors.js';
import { parseRecord } from '../../../src/input/parse-record.js';

const CODES = new Set<string>(Object.values(RecordErrorCode));
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkRecord(text: string): void {
  const record = parseRecord(text, 7, 'GET');
  if (record.kind === 'skip') {
    expect(text.trim() === '' || text.trim().startsWith('#')).toBe(true);
    return;
  }
  if (record.kind === 'invalid') {
    expect(CODES.has(record.error.code)).toBe(true);
    expect(record.line).toBe(7);
    expect(record.url.length).toBeLessThanOrEqual(2048);
    return;
  }
  const { spec } = record;
  expect(spec.line).toBe(7);
  expect(['http:', 'https:']).toContain(new URL(spec.url).protocol);
  expect(TOKEN.test(spec.method)).toBe(true);
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    expect(TOKEN.test(name)).toBe(true);
    expect(value === null || !/[\r\n\0]/.test(value)).toBe(true);
  }
}

const urlish = fc.oneof(
  fc.webUrl(),
  fc.constantFrom('file:///etc/passwd', 'data:,x', 'javascript:1', 'ftp://h/x', 'http://', 'http://[::1', 'https://a b'),
  fc.string(),
);
const spec = fc.record(
  {
    url: fc.oneof(urlish, fc.integer(), fc.constant(null)),
    method: fc.oneof(fc.constantFrom('GET', 'post', 'CONNECT', 'GE T', ''), fc.string(), fc.integer()),
    headers: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))), fc.string(), fc.array(fc.string())),
    body: fc.oneof(fc.string(), fc.integer()),
    json: fc.jsonValue(),
    id: fc.oneof(fc.string(), fc.double(), fc.boolean()),
  },
  { requiredKeys: [] },
);

describe('parseRecord (property)', () => {
  it('never throws on arbitrary text, and every outcome is safe', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), checkRecord), { numRuns: 2000 });
  });

  it('never throws on URL-like lines', () => {
    fc.assert(fc.property(urlish, checkRecord), { numRuns: 1000 });
  });

  it('never throws on JSON specs with wrongly typed or hostile fields', () => {
    fc.assert(fc.property(spec, (value) => checkRecord(JSON.stringify(value))), { numRuns: 2000 });
  });

  it('never lets CR or LF into a header value', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\r\n', '\0'), fc.string(), (a, bad, b) => {
        const record = parseRecord(JSON.stringify({ url: 'http://127.0.0.1/', headers: { 'x-h': `${a}${bad}${b}` } }), 1);
        expect(record.kind === 'invalid' && record.error.code).toBe('EINVALIDHEADER');
      }),
    );
  });
});
