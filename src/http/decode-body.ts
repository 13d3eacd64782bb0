import { MIMEType, TextDecoder } from 'node:util';
import type { BodyMode } from '../run-types.js';
import { declaredCharset } from './declared-charset.js';
import { JQ_DEPTH_LIMIT, minifyJson } from './json-text.js';
import { JsonText, type Body, type BodyEncoding } from './outcome.js';

export interface DecodedBody {
  body: Body;
  bodyEncoding?: BodyEncoding;
}

/**
 * A JSON MIME type as WHATWG's MIME Sniffing standard has it: application/json, text/json, any +json; the
 * subtype whole (`\b` took application/json-seq for JSON, and its records for a body its type belies).
 */
const JSON_TYPE = /^(?:(?:application|text)\/json|[\w.+-]+\/[\w.+-]+\+json)\s*(?:;|$)/i;
/** Text: text/*, XML, JavaScript, form data, SVG, and JSON records a line (NDJSON, JSON Lines, json-seq). */
const TEXT_TYPE = /^text\/|^application\/(?:[\w.+-]+\+)?(?:xml|(?:x-)?javascript|(?:x-)?ecmascript|x-www-form-urlencoded|(?:x-)?ndjson|jsonl|(?:x-)?jsonlines|json-seq)\b|^image\/svg\+xml\b/i;
const MIME_TYPE = /^\s*[\w.+!#$&^`|~-]+\/[\w.+!#$&^`|~-]+\s*(?:;|$)/;

/**
 * Turns the bytes kept of a response into the `body` field.
 *
 * auto: JSON as the server's own JSON text, minified (see json-text.ts), unless
 * it was cut, does not scan, or nests deeper than jq 1.6 reads (JQ_DEPTH_LIMIT) or holds an
 * unpaired surrogate escape (then a string of its text, bodyEncoding
 * "json-text"); text types as a string decoded with
 * their charset; anything else as base64, flagged with `bodyEncoding`, since raw
 * bytes cannot travel in JSON. Text is never decoded lossily: bytes invalid in
 * the charset make the body base64. Bytes still under a content coding
 * (`encoded`: --no-compressed, or a coding we do not decode) are not what their
 * content type describes, so they go as base64 too.
 */
export function decodeBody(bytes: Buffer, contentType: string | undefined, mode: BodyMode, truncated: boolean, encoded = false): DecodedBody {
  if (mode === 'none') return { body: null };
  if (mode === 'base64') return base64(bytes);
  // An empty body under a coding (a HEAD's, a 204's) is "" as any empty body is: base64 said there were bytes to decode.
  if (mode === 'auto' && encoded) return bytes.length === 0 ? { body: '' } : base64(bytes);
  // A type that does not parse (`;;;`, `text`) says nothing, as WHATWG's MIME parsing drops it: read as no type.
  const type = contentType !== undefined && MIME_TYPE.test(contentType) ? contentType : '';
  // Nothing kept: a JSON body cut at --max-body 0 is marked as every cut JSON body is (an empty one whole, a
  // HEAD's or a 204's, is not: it says nothing false).
  if (bytes.length === 0) return truncated && mode === 'auto' && JSON_TYPE.test(type) ? { body: '', bodyEncoding: 'text' } : { body: '' };
  if (mode === 'text') return textOrBase64(bytes, type, truncated);
  if (JSON_TYPE.test(type)) {
    const text = decodeText(bytes, type, truncated);
    if (text === undefined) return base64(bytes);
    const json = truncated ? undefined : minifyJson(text);
    // A server that says JSON and sends something else (or a body cut at --max-body) still gets its text
    // shown, marked: unmarked, `01` and `not json` read as the JSON strings "01" and "not json".
    if (json === undefined) return { body: text, bodyEncoding: 'text' };
    if (json.jqDepth > JQ_DEPTH_LIMIT || json.unpairedSurrogate) return { body: json.text, bodyEncoding: 'json-text' };
    return { body: new JsonText(json.text) };
  }
  if (TEXT_TYPE.test(type)) return textOrBase64(bytes, type, truncated);
  if (type === '') {
    // Without a type, UTF-8 with no NUL is text: read as a text type is (a BOM dropped, a cut character too). Bytes
    // that begin FF FE or FE FF are no UTF-8: read by that mark as UTF-16, any binary body so begun was CJK text.
    const utf16 = bomCharset(bytes)?.startsWith('utf-16') === true;
    const text = bytes.includes(0) || utf16 ? undefined : decodeText(bytes, '', truncated);
    if (text !== undefined) return { body: text };
  }
  return base64(bytes);
}

function base64(bytes: Buffer): DecodedBody {
  return { body: bytes.toString('base64'), bodyEncoding: 'base64' };
}

function textOrBase64(bytes: Buffer, contentType: string, truncated: boolean): DecodedBody {
  const text = decodeText(bytes, contentType, truncated);
  return text === undefined ? base64(bytes) : { body: text };
}

/**
 * The lowercased `charset` parameter of a content type, as WHATWG's MIME type parser (Node's MIMEType)
 * reads it: a quoted value may hold `;` and `charset=` of its own (`format="a;charset=x"; charset=utf-8`
 * is utf-8), and the first `charset` parameter counts. Most types name none: they skip the parse.
 */
export function charsetParameter(contentType: string): string | undefined {
  if (!/charset/i.test(contentType)) return undefined;
  try {
    return new MIMEType(contentType).params.get('charset')?.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** One fatal decoder per charset label seen, up to a bound. */
const decoders = new Map<string, TextDecoder>();
const MAX_DECODERS = 64;

/**
 * The text of `bytes` in their charset: a byte order mark first (as browsers
 * do), then the content type's charset, then the one an HTML or XML document
 * declares in itself (declared-charset.ts), then UTF-8. Undefined when the bytes are
 * not valid in it. A charset TextDecoder does not know is read as UTF-8. A body
 * cut at --max-body may end inside a character: that last partial one is dropped.
 */
function decodeText(bytes: Buffer, contentType: string, truncated = false): string | undefined {
  const label = bomCharset(bytes) ?? charsetParameter(contentType) ?? declaredCharset(bytes, contentType) ?? 'utf-8';
  try {
    // stream: true holds back an incomplete last character instead of failing on it.
    if (WINDOWS_1252.has(label)) return windows1252(bytes);
    if (label === 'x-user-defined') return xUserDefined(bytes);
    // No decoder reads these: a 7-bit body read as UTF-8 instead was escape sequences shown as its text.
    if (REPLACEMENT_LABELS.has(label)) return undefined;
    // A streaming decoder keeps state: a body cut short gets one of its own.
    let decoder = truncated ? fatalDecoder(label) : decoders.get(label);
    if (decoder === undefined) {
      decoder = fatalDecoder(label);
      // Labels come from servers: past the known ones, a decoder is made per body instead.
      if (decoders.size < MAX_DECODERS) decoders.set(label, decoder);
    }
    const text = truncated ? decoder.decode(bytes, { stream: true }) : decoder.decode(bytes);
    return NOT_WHATWG.get(decoder.encoding)?.test(text) === true ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * The labels WHATWG maps to windows-1252 (iso-8859-1, ascii ... included). Node 20's
 * TextDecoder decodes them as ISO-8859-1 (0x80 becomes U+0080, not €), so they are
 * decoded here: latin1, with 0x80-0x9F through the windows-1252 table. Every byte is valid.
 */
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'iso88591', 'latin1', 'l1', 'ascii', 'us-ascii', 'ansi_x3.4-1968', 'cp819', 'ibm819', 'iso-ir-100', 'csisolatin1', 'iso_8859-1:1987']);
const C1_AS_1252 = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function windows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => C1_AS_1252[c.charCodeAt(0) - 0x80] as string);
}

/**
 * WHATWG's x-user-defined, which TextDecoder does not know: ASCII as it is,
 * each byte from 0x80 as U+F780 on (old pages fetched binary data this way).
 */
function xUserDefined(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\x80-\xff]/g, (c) => String.fromCharCode(0xf780 + c.charCodeAt(0) - 0x80));
}

/**
 * The labels WHATWG maps to its "replacement" encoding (ISO-2022-KR, HZ, ISO-2022-CN): ones a
 * browser will not decode, as they let a 7-bit body smuggle other text. TextDecoder refuses them,
 * and a body so labelled comes out as base64, its bytes kept, as one no charset decodes.
 */
const REPLACEMENT_LABELS = new Set(['csiso2022kr', 'hz-gb-2312', 'iso-2022-cn', 'iso-2022-cn-ext', 'iso-2022-kr', 'replacement']);

/**
 * What Node's decoders (ICU's, not WHATWG's) give where WHATWG's fail or read
 * another character. Such a body is shown as base64, its bytes kept, never as
 * characters it does not hold.
 * - big5: U+0080 for the byte 0x80, and Private Use code points for 0xFF and the
 *   HKSCS rows;
 * - euc-kr, which WHATWG reads as windows-949 (UHC): a lead byte 0x81-0xA0 (the
 *   8,822 syllables UHC adds: 똠 is 8C 63) as a C1 control and the trail byte as
 *   ASCII, a lead byte at the end as a C1 control, the user-defined rows as
 *   Private Use;
 * - windows-874: Private Use for the bytes 0xDB-0xDE and 0xFC-0xFF, unmapped in WHATWG's.
 */
const NOT_WHATWG = new Map<string, RegExp>([
  ['big5', /[\u0080\ue000-\uf8ff]/],
  ['euc-kr', /[\u0080-\u009f\ue000-\uf8ff]/],
  ['windows-874', /[\ue000-\uf8ff]/],
]);

/**
 * A fatal decoder for `label`, or for UTF-8 when TextDecoder does not know the label.
 * WHATWG reads gbk (gb2312 ...) with the gb18030 decoder, which fails on a byte
 * such as 0xFF; Node's gbk decoder gave it a Private Use character instead.
 */
function fatalDecoder(label: string): TextDecoder {
  try {
    const decoder = new TextDecoder(label, { fatal: true });
    return decoder.encoding === 'gbk' ? new TextDecoder('gb18030', { fatal: true }) : decoder;
  } catch {
    return new TextDecoder('utf-8', { fatal: true });
  }
}

function bomCharset(bytes: Buffer): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}
