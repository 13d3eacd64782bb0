import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../../src/http/decode-body.js';

const bytes = (text: string) => Buffer.from(text);

describe('decodeBody', () => {
  it('auto: JSON parsed into a value, text as a string, other bytes base64', () => {
    expect(decodeBody(bytes('{"a":{"b":1}}'), 'application/json; charset=utf-8', 'auto', false)).toEqual({ body: { a: { b: 1 } } });
    expect(decodeBody(bytes('[1]'), 'application/problem+json', 'auto', false)).toEqual({ body: [1] });
    expect(decodeBody(bytes('<p>é</p>'), 'text/html', 'auto', false)).toEqual({ body: '<p>é</p>' });
    expect(decodeBody(Buffer.from([0, 1, 255]), 'application/octet-stream', 'auto', false)).toEqual({ body: 'AAH/', bodyEncoding: 'base64' });
  });

  it('auto: cut or broken JSON stays text', () => {
    expect(decodeBody(bytes('{"a":'), 'application/json', 'auto', true)).toEqual({ body: '{"a":' });
    expect(decodeBody(bytes('nope'), 'application/json', 'auto', false)).toEqual({ body: 'nope' });
  });

  it('text, base64 and none do what they say, whatever the type', () => {
    expect(decodeBody(bytes('{"a":1}'), 'application/json', 'text', false)).toEqual({ body: '{"a":1}' });
    expect(decodeBody(bytes('hi'), 'text/plain', 'base64', false)).toEqual({ body: 'aGk=', bodyEncoding: 'base64' });
    expect(decodeBody(bytes('hi'), 'text/plain', 'none', false)).toEqual({ body: null });
  });
});
