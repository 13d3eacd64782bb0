import { describe, expect, it } from 'vitest';
import { charsetParameter, decodeBody } from '../../../src/http/decode-body.js';
import { JsonText } from '../../../src/http/outcome.js';

const bytes = (text: string) => Buffer.from(text);

describe('decodeBody', () => {
  it('auto: JSON as its own text minified, text as a string, other bytes base64', () => {
    expect(decodeBody(bytes('{ "a" : {"b":1}}\n'), 'application/json; charset=utf-8', 'auto', false)).toEqual({ body: new JsonText('{"a":{"b":1}}') });
    expect(decodeBody(bytes('[1]'), 'application/problem+json', 'auto', false)).toEqual({ body: new JsonText('[1]') });
    expect(decodeBody(bytes('<p>é</p>'), 'text/html', 'auto', false)).toEqual({ body: '<p>é</p>' });
    expect(decodeBody(Buffer.from([0, 1, 255]), 'application/octet-stream', 'auto', false)).toEqual({ body: 'AAH/', bodyEncoding: 'base64' });
  });

  it("auto: WHATWG's JSON MIME types (text/json too); a type that does not parse is no type", () => {
    expect(decodeBody(bytes('{ "n": 1 }'), 'text/json', 'auto', false)).toEqual({ body: new JsonText('{"n":1}') });
    expect(decodeBody(bytes('{ "n": 1 }'), 'text/jsonp', 'auto', false)).toEqual({ body: '{ "n": 1 }' });
    expect(decodeBody(bytes('plain é'), ';;;', 'auto', false)).toEqual({ body: 'plain é' });
    expect(decodeBody(bytes('plain é'), 'text', 'auto', false)).toEqual({ body: 'plain é' });
    expect(decodeBody(Buffer.from([0, 1, 255]), ';;;', 'auto', false)).toEqual({ body: 'AAH/', bodyEncoding: 'base64' });
    // The whole subtype: json-seq and the JSON-lines types are records of JSON, text, not one JSON text its type belies.
    expect(decodeBody(bytes('\u001e{"a":1}\n'), 'application/json-seq', 'auto', false)).toEqual({ body: '\u001e{"a":1}\n' });
    expect(decodeBody(bytes('{"a":1}\n{"a":2}\n'), 'application/jsonl', 'auto', false)).toEqual({ body: '{"a":1}\n{"a":2}\n' });
    expect(decodeBody(bytes('{ "n": 1 }'), 'application/problem+json; charset=utf-8', 'auto', false)).toEqual({ body: new JsonText('{"n":1}') });
  });

  it("auto: the legacy JavaScript types WHATWG lists are text; bytes with no type that begin FF FE are not UTF-8, and go as base64", () => {
    expect(decodeBody(bytes('var a = 1;'), 'application/x-javascript', 'auto', false)).toEqual({ body: 'var a = 1;' });
    expect(decodeBody(bytes('var a = 1;'), 'application/x-ecmascript; charset=utf-8', 'auto', false)).toEqual({ body: 'var a = 1;' });
    // Read by the mark as UTF-16LE, they were the text "䉁".
    expect(decodeBody(Buffer.from([0xff, 0xfe, 0x41, 0x42]), undefined, 'auto', false)).toEqual({ body: '//5BQg==', bodyEncoding: 'base64' });
    expect(decodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), undefined, 'auto', false)).toEqual({ body: 'A' });
  });

  it('auto: an empty body under a coding not decoded (a HEAD or a 204 with Content-Encoding: zstd) is "", with no base64 to decode', () => {
    expect(decodeBody(Buffer.alloc(0), 'application/json', 'auto', false, true)).toEqual({ body: '' });
    expect(decodeBody(bytes('x'), 'application/json', 'auto', false, true)).toEqual({ body: 'eA==', bodyEncoding: 'base64' });
  });

  it('auto: cut or broken JSON stays text, marked text: 01 and "01" read alike without it', () => {
    expect(decodeBody(bytes('{"a":'), 'application/json', 'auto', true)).toEqual({ body: '{"a":', bodyEncoding: 'text' });
    // Cut at --max-body 0: nothing kept, still a cut JSON body.
    expect(decodeBody(Buffer.alloc(0), 'application/json', 'auto', true)).toEqual({ body: '', bodyEncoding: 'text' });
    expect(decodeBody(Buffer.alloc(0), 'application/json', 'auto', false)).toEqual({ body: '' });
    expect(decodeBody(bytes('nope'), 'application/json', 'auto', false)).toEqual({ body: 'nope', bodyEncoding: 'text' });
    expect(decodeBody(bytes('01'), 'application/json', 'auto', false)).toEqual({ body: '01', bodyEncoding: 'text' });
    expect(String((decodeBody(bytes('"01"'), 'application/json', 'auto', false).body as { text: string }).text)).toBe('"01"');
  });

  it('auto: JSON nested deeper than the limit is a string of its text, marked json-text', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(decodeBody(bytes(deep), 'application/json', 'auto', false)).toEqual({ body: deep, bodyEncoding: 'json-text' });
  });

  it('decodes text in its declared or sniffed charset; bytes invalid in it come out as base64', () => {
    expect(decodeBody(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain; charset=ISO-8859-1', 'auto', false)).toEqual({ body: 'café' });
    expect(decodeBody(Buffer.from([0x80]), 'text/plain; charset="windows-1252"', 'auto', false)).toEqual({ body: '€' });
    expect(decodeBody(Buffer.from([0x93, 0xfa, 0x96, 0x7b]), 'text/plain; charset=shift_jis', 'auto', false)).toEqual({ body: '日本' });
    expect(decodeBody(Buffer.from([0xff, 0xfe, 0x68, 0, 0xe9, 0]), 'text/plain', 'auto', false)).toEqual({ body: 'hé' });
    expect(decodeBody(Buffer.from([0xfe, 0xff, 0, 0x7b, 0, 0x7d]), 'application/json', 'auto', false)).toEqual({ body: new JsonText('{}') });
    expect(decodeBody(Buffer.from([0x61, 0xff]), 'text/plain; charset=utf-8', 'auto', false)).toEqual({ body: 'Yf8=', bodyEncoding: 'base64' });
    expect(decodeBody(Buffer.from([0x61, 0xff]), 'application/json', 'text', false)).toEqual({ body: 'Yf8=', bodyEncoding: 'base64' });
    // Cut inside a character: the partial character is dropped, not the body.
    expect(decodeBody(Buffer.from('aé').subarray(0, 2), 'text/plain', 'auto', true)).toEqual({ body: 'a' });
    // Big5 and gbk as WHATWG reads them, cut at --max-body or not: 0xFF is no character in either.
    for (const truncated of [false, true]) {
      expect(decodeBody(Buffer.from([0xa4, 0x40, 0xa4]), 'text/plain; charset=big5', 'auto', truncated), String(truncated)).toEqual(truncated ? { body: '一' } : { body: 'pECk', bodyEncoding: 'base64' });
      expect(decodeBody(Buffer.from([0xa4, 0x40, 0xff]), 'text/plain; charset=big5', 'auto', truncated), String(truncated)).toEqual({ body: 'pED/', bodyEncoding: 'base64' });
      expect(decodeBody(Buffer.from([0x41, 0xff]), 'text/plain; charset=gbk', 'auto', truncated), String(truncated)).toEqual({ body: 'Qf8=', bodyEncoding: 'base64' });
    }
  });

  it("reads the content type's own charset parameter, not text inside another one's quoted value", () => {
    expect(charsetParameter('text/plain; format="a;charset=shift_jis"; charset=utf-8')).toBe('utf-8');
    expect(charsetParameter('application/json; profile="https://x/;charset=utf-16le"')).toBeUndefined();
    expect(charsetParameter('text/plain;CHARSET="Shift_JIS" ')).toBe('shift_jis');
    expect(charsetParameter('text/plain; charset = utf-8')).toBeUndefined();
    expect(charsetParameter('text/plain; a="x\\";charset=y"; charset=latin1')).toBe('latin1');
    expect(charsetParameter('text/plain; charset=; charset=koi8-r')).toBe('koi8-r');
    expect(charsetParameter('text/plain; charset=utf-8; charset=latin1')).toBe('utf-8');
    expect(charsetParameter('text/plain')).toBeUndefined();
    expect(decodeBody(bytes('héllo'), 'text/plain; format="a;charset=shift_jis"; charset=utf-8', 'auto', false)).toEqual({ body: 'héllo' });
    expect(decodeBody(bytes('{"a":1}'), 'application/json; profile="https://x/;charset=utf-16le"', 'auto', false)).toEqual({ body: new JsonText('{"a":1}') });
  });

  it('without a type: UTF-8 is a string wherever --max-body cuts it, its BOM dropped as a text type drops it', () => {
    const cut = Buffer.from(`${'a'.repeat(99)}€b`).subarray(0, 100);
    expect(decodeBody(cut, undefined, 'auto', true)).toEqual({ body: 'a'.repeat(99) });
    expect(decodeBody(cut, undefined, 'auto', false)).toEqual({ body: cut.toString('base64'), bodyEncoding: 'base64' });
    expect(decodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), undefined, 'auto', false)).toEqual({ body: 'hi' });
    expect(decodeBody(Buffer.from([0x68, 0, 0x69]), undefined, 'auto', false)).toEqual({ body: 'aABp', bodyEncoding: 'base64' });
  });

  it('without a charset in the content type, an HTML or XML body is read in the charset it declares', () => {
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    expect(decodeBody(latin1('<meta charset="windows-1252"><p>\x93hi\x94</p>'), 'text/html', 'auto', false)).toEqual({ body: '<meta charset="windows-1252"><p>“hi”</p>' });
    expect(decodeBody(latin1("<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=ISO-8859-1'>caf\xe9"), 'text/html', 'auto', false)).toEqual({ body: "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=ISO-8859-1'>café" });
    expect(decodeBody(Buffer.concat([bytes('<meta charset=shift_jis>'), Buffer.from([0x93, 0xfa])]), 'text/html', 'auto', false)).toEqual({ body: '<meta charset=shift_jis>日' });
    expect(decodeBody(latin1('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>'), 'application/xml', 'auto', false)).toEqual({ body: '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>' });
    expect(decodeBody(latin1("<?xml version='1.0' encoding='iso-8859-1'?><feed>\xe9</feed>"), 'application/atom+xml', 'auto', false)).toEqual({ body: "<?xml version='1.0' encoding='iso-8859-1'?><feed>é</feed>" });
    // The content type's charset wins over the page's; a BOM over both (as browsers read them).
    expect(decodeBody(bytes('<meta charset="windows-1252">é'), 'text/html; charset=utf-8', 'auto', false)).toEqual({ body: '<meta charset="windows-1252">é' });
    expect(decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('<meta charset="windows-1252">é')]), 'text/html', 'auto', false)).toEqual({ body: '<meta charset="windows-1252">é' });
    // Past the prescan's 1024 bytes, and in a type that is neither, a declaration is text like any other.
    const late = latin1(`${' '.repeat(1024)}<meta charset="windows-1252">\xe9`);
    expect(decodeBody(late, 'text/html', 'auto', false)).toEqual({ body: late.toString('base64'), bodyEncoding: 'base64' });
    expect(decodeBody(latin1('<meta charset="windows-1252">\xe9'), 'text/plain', 'auto', false)).toEqual({ body: 'PG1ldGEgY2hhcnNldD0id2luZG93cy0xMjUyIj7p', bodyEncoding: 'base64' });
  });

  it('reads x-user-defined, the one WHATWG encoding TextDecoder lacks, as the standard maps it', () => {
    expect(decodeBody(Buffer.from([0x61, 0x80, 0xff]), 'text/plain; charset=x-user-defined', 'auto', false)).toEqual({ body: 'a\uf780\uf7ff' });
  });

  it('gives base64 for a label WHATWG maps to no decoder (its replacement encoding), where UTF-8 read escape sequences as the text', () => {
    // 한국어 in ISO-2022-KR and 中文 in HZ: 7-bit bytes that read as UTF-8 without an error.
    const korean = Buffer.from('GyQpQw5HUTE5Pm4P', 'base64');
    const chinese = Buffer.from('fntWUE5Efn0', 'base64url');
    expect(decodeBody(korean, 'text/plain; charset=ISO-2022-KR', 'auto', false)).toEqual({ body: korean.toString('base64'), bodyEncoding: 'base64' });
    expect(decodeBody(chinese, 'text/html; charset="hz-gb-2312"', 'auto', false)).toEqual({ body: chinese.toString('base64'), bodyEncoding: 'base64' });
    expect(decodeBody(chinese, 'application/json; charset=iso-2022-cn', 'auto', false)).toEqual({ body: chinese.toString('base64'), bodyEncoding: 'base64' });
  });

  it('text, base64 and none do what they say, whatever the type', () => {
    expect(decodeBody(bytes('{"a":1}'), 'application/json', 'text', false)).toEqual({ body: '{"a":1}' });
    expect(decodeBody(bytes('hi'), 'text/plain', 'base64', false)).toEqual({ body: 'aGk=', bodyEncoding: 'base64' });
    expect(decodeBody(bytes('hi'), 'text/plain', 'none', false)).toEqual({ body: null });
  });
});
