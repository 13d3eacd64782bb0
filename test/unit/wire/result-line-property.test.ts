// No body can break a result line: random and hostile bodies through the code that builds one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../../src/http/decode-body.js';
import type { FetchOutcome } from '../../../src/http/outcome.js';
import { resultOf, serializeResult } from '../../../src/wire/result-line.js';

const TYPES = [
  undefined, '', 'application/json', 'application/json; charset=utf-16', 'application/problem+json', 'text/plain',
  'text/html; charset=iso-8859-1', 'text/plain; charset=shift_jis', 'text/plain; charset=utf-16le', 'text/plain; charset=bogus',
  'application/xml', 'application/octet-stream', 'image/png', 'application/x-ndjson',
];

const deep = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'), fc.boolean()).map(([n, open, closed]) => {
  const close = open === '[' ? ']' : '}';
  return Buffer.from(`${open.repeat(n)}${closed ? `1${close.repeat(n)}` : ''}`);
});
const text = (s: string) => Buffer.from(s);
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'binary', maxLength: 300 }).map(text),
  fc.json({ depthSize: 'large' }).map(text),
  fc.jsonValue().map((v) => text(JSON.stringify(v, null, 2))),
  deep,
  fc.constantFrom('1e400', '12345678901234567890', '"\\ud800"', '"\u2028"', '{"a":1,"a":2}', '\ufeff{}', '[1,]', 'nul').map(text),
  fc.integer({ min: 1, max: 4 }).map((mb) => Buffer.alloc(mb * 1024 * 1024, 0x22)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.concat([Buffer.from('{"s":"'), Buffer.from(a), Buffer.from('"}')])),
);

const outcome = (decoded: ReturnType<typeof decodeBody>, bytes: number): FetchOutcome => ({
  status: 200,
  headers: { 'content-type': 'x' },
  ...decoded,
  bytes,
  attempts: 1,
  ms: 1,
  error: null,
});

describe('a result line, whatever the body', () => {
  it('is one valid JSON object, line first and error last, no deeper than jq 1.6 reads', () => {
    fc.assert(
      fc.property(bodies, fc.constantFrom(...TYPES), fc.constantFrom('auto', 'text', 'base64', 'none' as const), fc.boolean(), (bytes, type, mode, truncated) => {
        const decoded = decodeBody(bytes, type, mode, truncated);
        const line = serializeResult(resultOf({ line: 7, method: 'GET', url: 'http://x/' }, outcome(decoded, bytes.length), false, 1));
        expect(line.endsWith('\n')).toBe(true);
        expect(line.indexOf('\n')).toBe(line.length - 1);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const keys = Object.keys(parsed);
        expect(keys[0]).toBe('line');
        expect(keys.at(-1)).toBe('error');
        expect(jqNesting(line)).toBeLessThanOrEqual(JQ_1_6_MAX_DEPTH);
        if (decoded.bodyEncoding === 'base64') expect(Buffer.from(parsed.body as string, 'base64').equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/** The deepest nesting jq 1.6 reads in a line before it aborts the whole stream (its parser's MAX_PARSING_DEPTH). */
const JQ_1_6_MAX_DEPTH = 256;

/** Deepest nesting of a JSON text as jq 1.6's parser counts it: an array one level, an object two (itself and its key). */
function jqNesting(json: string): number {
  const open: number[] = [];
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      open.push(c === '{' ? 2 : 1);
      depth += open.at(-1) as number;
      max = Math.max(max, depth);
    } else if (c === ']' || c === '}') depth -= open.pop() as number;
  }
  return max;
}
