import { CONTENT_LENGTH_MISMATCH, RecordErrorCode, recordError, type RecordError } from '../errors.js';
import type { RequestSpec } from './request-spec.js';
import { maskPasswords, maskQuotedPasswords, maskUserinfo, urlCredentials } from './credentials.js';
import { maskQuotedRecordSecrets, maskRecordSecrets } from './secret-text.js';
import { isNormalizedHttpUrl } from './normalized-url.js';
import { elementTexts, memberText, repeatedMember } from './json-member.js';
import { minifyJson } from '../http/json-text.js';
import { csvHeaderRow, joinHeaderValues, methodBeforeUrl, parseUrl, preview, SECRET_HEADERS, trimBlanks, validateHeader, validateHeaderRemoval, validateMethod, wireHeaderValue, writtenHref } from './validate.js';
import { setField } from './set-field.js';
import { isBlankByte } from './lines.js';

/** What one input line turns into. */
export type ParsedRecord =
  | { kind: 'skip' }
  | { kind: 'request'; spec: RequestSpec }
  | { kind: 'invalid'; line: number; url: string; method: string; id?: string | number; idText?: string; error: RecordError };

/** Raw text echoed in an invalid record's `url` is cut to this many characters. */
export const MAX_ECHOED_URL = 2048;

/**
 * Turns one input line into a request, a skip (blank or `#` comment) or an
 * invalid record. Never throws: a bad record is data, not an exception.
 *
 * `defaultMethod` is the -X flag; a JSON spec's own fields override it.
 * `defaultScheme` (--proto-default) is given to URLs written without one.
 * `notUtf8`: the line's bytes were not UTF-8, and `text` has its bytes from
 * 0x80 up as `%XX` (InputLine): right for a URL, but a spec's strings would
 * change, so a spec is refused. 'utf-16': a UTF-16 input's code unit did not
 * decode; the line is refused, URL or spec.
 */
export function parseRecord(text: string, line: number, defaultMethod = 'GET', defaultScheme = 'http', notUtf8: boolean | 'utf-16' = false): ParsedRecord {
  const trimmed = trimAsciiSpace(text);
  if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'skip' };
  // A line of Unicode spaces alone (no-break spaces of a list pasted from a web page or a spreadsheet) is blank,
  // and a `#` after them a comment, as they were before only ASCII space was trimmed: neither asks for anything.
  const unicodeTrimmed = trimmed.trimStart();
  if (unicodeTrimmed === '' || unicodeTrimmed.startsWith('#')) return { kind: 'skip' };
  if (notUtf8 === 'utf-16') {
    // Its text is not what the file holds, in either reading: a URL or spec made of it would be another one.
    const code = trimmed.startsWith('{') ? RecordErrorCode.INVALID_SPEC : RecordErrorCode.INVALID_URL;
    return invalid(line, trimmed, defaultMethod, recordError(code, 'Not valid UTF-16 (the input began with its byte order mark): half a surrogate pair alone, or an odd last byte, shown as %FF'));
  }
  // A spreadsheet's header row, only where one stands (a host may be named url further down a list).
  const header = line <= 2 ? csvHeaderRow(trimmed) : undefined;
  if (header !== undefined) return invalid(line, trimmed, defaultMethod, header);
  if (isPieceOfJsonArray(trimmed)) {
    return invalid(line, trimmed, defaultMethod, recordError(RecordErrorCode.INVALID_SPEC, "A line of a JSON array written over several lines: give one URL or spec a line (jq -c '.[]' FILE writes them so)"));
  }
  if (trimmed.startsWith('{')) {
    if (notUtf8) return invalid(line, trimmed, defaultMethod, recordError(RecordErrorCode.INVALID_SPEC, 'Not UTF-8: a JSON spec must be UTF-8 (the bytes that are not are shown as %XX); give a body of other bytes as "bodyBase64"'));
    return parseJsonSpec(trimmed, line, defaultMethod, defaultScheme);
  }
  if (trimmed.startsWith('"') || trimmed.startsWith('[')) {
    const json = jsonLineOtherThanSpec(trimmed, line, defaultMethod);
    // A JSON string's whitespace came from its escapes (`\r\n`, `\t`), not from the file's lines: said as a spec's url's is.
    if (json !== undefined) return typeof json === 'string' ? urlRecord(json, line, defaultMethod, defaultScheme, 'spec') : json;
  }
  return urlRecord(trimmed, line, defaultMethod, defaultScheme);
}

function urlRecord(text: string, line: number, defaultMethod: string, defaultScheme: string, from: 'line' | 'spec' = 'line'): ParsedRecord {
  // Most lines are already what the parser would write; they skip the URL object.
  if (isNormalizedHttpUrl(text)) return { kind: 'request', spec: { line, method: defaultMethod, url: text } };
  const url = parseUrl(text, defaultScheme, from);
  if (!(url instanceof URL)) return invalid(line, text, methodBeforeUrl(text) ?? defaultMethod, url);
  return { kind: 'request', spec: withCredentials({ line, method: defaultMethod, url: writtenHref(url) }, url) };
}

/**
 * `[`, `]`, or an element with its comma (`"https://...",`, `{...},`): a line of
 * an array pretty-printed over several lines (`jq .`), which no line-by-line
 * reading can take as a record. Its last element, with no comma, would
 * otherwise be fetched alone among errors that do not say why.
 */
function isPieceOfJsonArray(text: string): boolean {
  if (text === '[' || text === ']' || text === '],') return true;
  if (!text.endsWith(',') || (!text.startsWith('"') && !text.startsWith('{'))) return false;
  try {
    JSON.parse(text.slice(0, -1));
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON that is not a spec object, as jq writes it without -r: a string is the
 * URL it holds (`jq '.urls[]'` quotes each one), and an array is refused with
 * the way to split it. Undefined when the line is not JSON at all (an IPv6
 * host without a scheme, `[::1]:8080/x`, starts with a bracket too).
 */
function jsonLineOtherThanSpec(text: string, line: number, method: string): string | ParsedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value === 'string') {
    if (holdsUnpairedSurrogate(text)) return invalid(line, text, method, recordError(RecordErrorCode.INVALID_URL, UNPAIRED_SURROGATE));
    return trimAsciiSpace(value);
  }
  if (!Array.isArray(value)) return undefined;
  return invalid(line, text, method, recordError(RecordErrorCode.INVALID_SPEC, "A JSON array: give one URL or spec a line (jq -c '.[]' writes an array so)"));
}

const UNPAIRED_SURROGATE = 'A \\u escape of half a surrogate pair without its other half (such as \\ud800): no text that UTF-8 can send, or jq 1.6 read back';

/**
 * A JSON line whose strings hold `\ud800` or the like unpaired. JSON.parse takes
 * it, but UTF-8 would send U+FFFD in its place without a word, and an `id` echoed
 * with it would stop jq 1.6, which aborts the whole stream on such an escape.
 * Lines without a `\u` escape, nearly all, are not scanned.
 */
function holdsUnpairedSurrogate(text: string): boolean {
  return text.includes('\\u') && minifyJson(text)?.unpairedSurrogate === true;
}

/**
 * A URL's user:password@ is sent as Basic authorization, as curl does (a spec's
 * own Authorization header wins), and the url kept for output shows the password
 * masked. Sending drops the userinfo (the request target never carries it).
 */
function withCredentials(spec: RequestSpec, url: URL): RequestSpec {
  const credentials = urlCredentials(url);
  if (!credentials) return spec;
  spec.url = credentials.shownUrl;
  // A spec's own Authorization wins; the URL's is implied, under a -H of the same name (curl sends -H's).
  if (spec.headers?.authorization === undefined) spec.implied = [...(spec.implied ?? []), 'authorization'];
  spec.headers = { authorization: credentials.authorization, ...spec.headers };
  return spec;
}

/** A record too long to parse: reported without ever holding its text. */
export function tooLongRecord(line: number, bytes: number, maxLineBytes: number, method = 'GET'): ParsedRecord {
  return invalid(
    line,
    '',
    method,
    recordError(RecordErrorCode.LINE_TOO_LONG, `Line is ${bytes} bytes; records are capped at ${maxLineBytes} bytes`),
  );
}

function parseJsonSpec(text: string, line: number, defaultMethod: string, defaultScheme: string): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid(line, text, defaultMethod, recordError(RecordErrorCode.INVALID_SPEC, `Invalid JSON: ${jsonErrorShown((error as Error).message, text)}`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return invalid(line, text, defaultMethod, recordError(RecordErrorCode.INVALID_SPEC, 'Expected a JSON object'));
  }
  const unpaired = holdsUnpairedSurrogate(text);
  const spec = value as Record<string, unknown>;
  const id = spec.id;
  const idOk = id === undefined || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  const echoedId = idOk ? (id as string | number | undefined) : undefined;
  const idText = typeof echoedId === 'number' ? exactText(text, 'id', echoedId) : undefined;
  const fail = (url: string, method: string, error: RecordError): ParsedRecord =>
    invalid(line, url, method, error, echoedId, idText);

  if (typeof spec.url !== 'string') {
    const problem = spec.url === undefined ? 'A spec needs "url", the URL to fetch, as a string' : `Expected "url" to be a string, got ${preview(spec.url)}`;
    return fail(text, defaultMethod, recordError(RecordErrorCode.INVALID_SPEC, problem));
  }
  const rawUrl = spec.url;
  // A method that is no string is a wrongly typed member, as a body or an id would be: not a method refused.
  // The line shows the method the record would have had, not `null` or `5` as text.
  if (spec.method !== undefined && typeof spec.method !== 'string') {
    return fail(rawUrl, defaultMethod, recordError(RecordErrorCode.INVALID_SPEC, `Expected "method" to be a string, got ${preview(spec.method)}`));
  }
  const method = spec.method === undefined ? defaultMethod : validateMethod(spec.method);
  if (typeof method !== 'string') return fail(rawUrl, String(spec.method).slice(0, 32), method);
  if (unpaired) {
    // The line keeps the record's id and method, as other refused specs do, unless the half pair is in them.
    const clean = (value: unknown): boolean => typeof value !== 'string' || !holdsUnpairedSurrogate(JSON.stringify(value));
    // The bodyBase64 advice where a body holds it; in the id or the URL it would not help.
    const inBody = typeof spec.body === 'string' && !clean(spec.body);
    return invalid(line, clean(rawUrl) ? rawUrl : text, method, recordError(RecordErrorCode.INVALID_SPEC, `${UNPAIRED_SURROGATE}${inBody ? '; give a body of such bytes as "bodyBase64"' : ''}`), clean(echoedId) ? echoedId : undefined, idText);
  }
  if (!idOk) {
    // JSON.parse reads a number past a 64-bit float's range (1e400) as Infinity, which no line can echo.
    const got = typeof id === 'number' ? `${memberText(text, 'id') ?? String(id)}, past the largest number a line can echo: give it as a string` : preview(id);
    return fail(rawUrl, method, recordError(RecordErrorCode.INVALID_SPEC, `Expected "id" to be a string or number, got ${got}`));
  }
  const unknown = unknownMember(spec);
  if (unknown !== undefined) return fail(rawUrl, method, unknown);
  const repeated = repeatedMember(text);
  if (repeated !== undefined) {
    const hint = repeated.startsWith('headers.') ? ': give it once (a list, ["a", "b"], sends several values)' : ': give it once';
    // "url" twice: the line's url is its raw text, as for a line that is no spec (the last value is in neither the list nor the line alone).
    return fail(repeated === 'url' ? text : rawUrl, method, recordError(RecordErrorCode.INVALID_SPEC, `Member ${JSON.stringify(repeated.slice(0, 72))} given twice, where JSON would keep the last without a word${hint}`));
  }
  const parsed = parseUrl(rawUrl, defaultScheme, 'spec');
  if (!(parsed instanceof URL)) return fail(rawUrl, method, parsed);
  const url = writtenHref(parsed);

  const result: RequestSpec = { line, method, url };
  if (echoedId !== undefined) result.id = echoedId;
  if (idText !== undefined) result.idText = idText;

  if (spec.headers !== undefined) {
    if (spec.headers === null || typeof spec.headers !== 'object' || Array.isArray(spec.headers)) {
      // A list of 'Name: value' texts (the library's form) may hold a credential: only its kind is told.
      const got = Array.isArray(spec.headers) ? 'a list (write {"Name": "value"})' : preview(spec.headers);
      return fail(url, method, recordError(RecordErrorCode.INVALID_SPEC, `Expected "headers" to be an object, got ${got}`));
    }
    const headers: Record<string, string | null> = {};
    for (const [name, given] of Object.entries(spec.headers as Record<string, unknown>)) {
      // A number goes as it is written (2.10, 1e3, 12345678901234567890), not as JSON.parse read it.
      const written = typeof given === 'number' || (Array.isArray(given) && given.some((v) => typeof v === 'number')) ? writtenHeader(text, name) : undefined;
      // Several values (vegeta's header map holds arrays): one field, as -H given twice makes it (each item checked first).
      const headerValue = Array.isArray(given) && given.length > 0 && given.every((v) => typeof v === 'string' || typeof v === 'number')
        ? joinHeaderValues(name, given.map((v: string | number, i) => (typeof v === 'number' ? (written?.[i] ?? String(v)) : v)))
        : typeof given === 'number' ? (written?.[0] ?? String(given)) : given;
      // null removes a header the flags would send (User-Agent, Accept-Encoding, -H), as -H 'Name:' does.
      if (headerValue === null) {
        const problem = validateHeaderRemoval(name);
        if (problem) return fail(url, method, problem);
        if (typeof headers[name.toLowerCase()] === 'string') return fail(url, method, valueAndRemoval(name));
        setField(headers, name.toLowerCase(), null);
        continue;
      }
      // A spec's value loses the blanks around it as -H's does (trimBlanks).
      const value = typeof headerValue === 'string' ? trimBlanks(headerValue) : headerValue;
      if (typeof value !== 'string') {
        const got = SECRET_HEADERS.has(name.toLowerCase()) ? ' (its value is a credential, not shown)' : `, got ${preview(given)}`;
        return fail(url, method, recordError(RecordErrorCode.INVALID_HEADER, `Header ${name.slice(0, 64)}: expected a string, a number or a list of them (null removes it)${got}`));
      }
      const problem = validateHeader(name, value);
      if (problem) return fail(url, method, problem);
      const key = name.toLowerCase();
      // Two spellings of one name (X-A and x-a) are one field, as -H given twice is.
      const before = Object.hasOwn(headers, key) ? headers[key] : undefined;
      if (before === null) return fail(url, method, valueAndRemoval(name));
      setField(headers, key, typeof before === 'string' ? joinHeaderValues(key, [before, wireHeaderValue(value)]) : wireHeaderValue(value));
    }
    result.headers = headers;
  }

  if ([spec.body, spec.json, spec.bodyBase64].filter((member) => member !== undefined).length > 1) {
    return fail(url, method, recordError(RecordErrorCode.INVALID_SPEC, 'Give one of "body", "json" and "bodyBase64"'));
  }
  if (spec.bodyBase64 !== undefined) {
    // Bytes a JSON string cannot hold as text (an image, a Latin-1 form), as vegeta's targets carry them.
    if (typeof spec.bodyBase64 !== 'string' || !BASE64.test(spec.bodyBase64)) {
      return fail(url, method, recordError(RecordErrorCode.INVALID_SPEC, `Expected "bodyBase64" to be base64 (A-Z a-z 0-9 + /, = padded), got ${preview(spec.bodyBase64)}`));
    }
    result.body = spec.bodyBase64;
    result.bodyEncoding = 'base64';
  } else if (spec.body !== undefined) {
    if (typeof spec.body !== 'string') {
      // An object or array here is a JSON body written where "json" takes it: say so.
      const hint = typeof spec.body === 'object' && spec.body !== null ? ' ("json" sends a JSON value as the body, with Content-Type: application/json)' : '';
      // Its kind, not its value: a body holds what a login sends (a password), which the line's message would show.
      const kind = Array.isArray(spec.body) ? 'an array' : spec.body === null ? 'null' : typeof spec.body === 'object' ? 'an object' : `a ${typeof spec.body}`;
      return fail(url, method, recordError(RecordErrorCode.INVALID_SPEC, `Expected "body" to be a string, got ${kind}${hint}`));
    }
    result.body = spec.body;
  } else if (spec.json !== undefined) {
    // The line's own text, minified: JSON.stringify(spec.json) would send 12345678901234567890 as 12345678901234567000.
    const exact = memberText(text, 'json');
    result.body = (exact === undefined ? undefined : minifyJson(exact)?.text) ?? JSON.stringify(spec.json);
    if (result.headers?.['content-type'] === undefined) result.implied = ['content-type'];
    result.headers = { 'content-type': 'application/json', ...result.headers };
  }
  // A HEAD with a body of its own: refused as -I with -d is (curl), where it went out with its body.
  if (method === 'HEAD' && result.body !== undefined) return fail(url, method, recordError(RecordErrorCode.INVALID_SPEC, 'A HEAD request has no body: leave out "body", "json" and "bodyBase64", or give another "method"'));
  // A spec's own body and Content-Length that disagree: refused here, as a record no request is made for
  // (it was counted sent, and its host blamed for it, though nothing went out).
  const declared = result.headers?.['content-length'];
  if (typeof declared === 'string' && result.body !== undefined && Number(declared) !== bodyLength(result.body, result.bodyEncoding)) return fail(url, method, CONTENT_LENGTH_MISMATCH);
  return { kind: 'request', spec: withCredentials(result, parsed) };
}

/**
 * A header given a value under one spelling and null under another (X-A and x-a): which was meant is not
 * the line's to say. The later spelling won, so the value went or was dropped by the order of the members.
 */
function valueAndRemoval(name: string): RecordError {
  return recordError(RecordErrorCode.INVALID_SPEC, `Header ${name.slice(0, 64)} is given a value and null (removed) under two spellings: give it once`);
}

/** The members a spec may have; any other is refused, not dropped without a word (a typo, or another tool's name). */
const SPEC_MEMBERS = new Set(['url', 'method', 'headers', 'body', 'json', 'bodyBase64', 'id']);

/** Other tools' names for our members, and what they mean here. */
const MEMBER_HINTS: Readonly<Record<string, string>> = {
  header: 'vegeta\'s "header" is "headers" here (its arrays of values are taken), and its base64 "body" is "bodyBase64"',
  data: 'the request body is "body" (text), "json" (a JSON value) or "bodyBase64"',
  params: 'put the query in "url"',
  timeout: 'the time limit is --timeout, for every record',
  query: 'put the query in "url"',
  user: 'credentials go in "url" as its userinfo, or as "headers": {"Authorization": "Basic ..."}; -u gives them to every record',
  auth: 'credentials go in "url" as its userinfo, or as "headers": {"Authorization": "..."}; -u gives them to every record',
  cookies: 'cookies go in "headers": {"Cookie": "a=1; b=2"}; -b gives them to every record',
  cookie: 'cookies go in "headers": {"Cookie": "a=1; b=2"}; -b gives them to every record',
  form: 'a form body is "body" with "headers": {"Content-Type": "application/x-www-form-urlencoded"}; multipart bodies are not built',
  referer: 'a Referer goes in "headers": {"Referer": "..."}; -e gives one to every record',
  userAgent: 'a User-Agent goes in "headers": {"User-Agent": "..."}; -A gives one to every record',
  follow: 'redirects are followed for every record with -L, not for one',
  proxy: 'the proxy is -x, for every record',
};

/**
 * The member the library writes into a record JSON could not write (a BigInt, a cycle), naming why: the
 * record is refused with that reason, as one result for the item. A NUL starts it, so no spec from a file means it.
 */
export const UNWRITABLE_MEMBER = '\u0000unwritable';

function unknownMember(spec: Record<string, unknown>): RecordError | undefined {
  for (const name in spec) {
    if (SPEC_MEMBERS.has(name)) continue;
    if (name === UNWRITABLE_MEMBER) return recordError(RecordErrorCode.INVALID_SPEC, `The record cannot be written as a JSON spec: ${String(spec[name])}`);
    // Own hints only: `constructor` or `toString` must not find Object.prototype's and print its source.
    const hint = (Object.hasOwn(MEMBER_HINTS, name) ? MEMBER_HINTS[name] : undefined) ?? 'a spec has url, method, headers, body, json, bodyBase64 and id; "id" is echoed in the output line';
    return recordError(RecordErrorCode.INVALID_SPEC, `Unknown member ${JSON.stringify(name.slice(0, 64))}: ${hint}`);
  }
  return undefined;
}

/** Standard base64, padded: what Buffer's decoder would otherwise read past without a word. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A numeric member's text when JSON.stringify of its parsed value would not give it back (digits beyond a double's, `1.0`, `1e2`). */
function exactText(text: string, name: string, value: number): string | undefined {
  const raw = memberText(text, name);
  return raw === undefined || raw === JSON.stringify(value) ? undefined : raw;
}

/** The bytes a spec's body sends: its UTF-8, or what its base64 holds. */
function bodyLength(body: string, encoding: RequestSpec['bodyEncoding']): number {
  return encoding === 'base64' ? Buffer.from(body, 'base64').length : Buffer.byteLength(body);
}

/** The source text of header `name`'s value in the spec line, or of each of its values when it is a list. */
function writtenHeader(text: string, name: string): string[] | undefined {
  const headers = memberText(text, 'headers');
  const value = headers === undefined ? undefined : memberText(headers, name);
  if (value === undefined) return undefined;
  return value.startsWith('[') ? elementTexts(value) : [value];
}

/**
 * V8's message for JSON that does not parse, the same on every Node, and without the excerpt of the line it quotes when the line holds a
 * secret: the excerpt starts wherever V8 cut it (`..."OK3"}, "x"}`), often past the member's name that tells it
 * is one. The line itself, masked, is the record's `url`.
 */
function jsonErrorShown(v8Message: string, text: string): string {
  // One line is one record: Node 22+'s V8 adds "(line 1 column 2)" to the position, which Node 20's does not.
  const message = v8Message.replace(/ \(line \d+ column \d+\)$/, '');
  if (maskRecordSecrets(text) === text) return message;
  return message.replace(/^(Unexpected token '.+?'), (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '$1 (the line holds a credential, so the text around it is not quoted: the line is in "url", the credential as ***)');
}

function invalid(line: number, url: string, method: string, error: RecordError, id?: string | number, idText?: string): ParsedRecord {
  // The echo of a bad record never shows a password it may hold: a URL that does not parse often has one with a /, ? or # in it,
  // nor a credential in a spec's headers or body, or in a header line pasted among the URLs.
  const shown = { ...error, message: maskQuotedRecordSecrets(maskQuotedPasswords(maskPasswords(error.message))) };
  // Masked whole, then cut: a value the cut split was masked only up to its first space, and the rest of it shown.
  const record: ParsedRecord = { kind: 'invalid', line, url: maskRecordSecrets(maskPasswords(maskUserinfo(url))).slice(0, MAX_ECHOED_URL), method, error: shown };
  if (id !== undefined) record.id = id;
  if (idText !== undefined) record.idText = idText;
  return record;
}

/**
 * The text without ASCII whitespace (space, tab, CR, LF, VT, FF) at either end, and a leading byte order mark,
 * as the parent reads a blank line. Not String.prototype.trim(), which takes Unicode spaces too: `/a\u00a0` (a
 * no-break space pasted at a line's end) was sent as `/a`, another request than the line's, where curl sends
 * `/a%C2%A0`.
 */
function trimAsciiSpace(text: string): string {
  // A byte order mark at a line's start is one of a file joined to the list (`cat a.txt b.txt`, b.txt saved by
  // Notepad): no URL holds one, and it is not shown.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let end = text.length;
  // A UTF-16 code unit below 0x80 is the ASCII byte of that value: the parent's own test of a blank line.
  while (start < end && isBlankByte(text.charCodeAt(start))) start++;
  while (end > start && isBlankByte(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
