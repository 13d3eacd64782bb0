/** curl's flags for a request's method and headers: -X, -H, -u, -b, and the one-header flags (-e, -A). */
import { isUtf8 } from 'node:buffer';
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { UsageError, describeValue, fileErrorWords } from '../errors.js';
import { MAX_COOKIE_FILE_BYTES, MAX_FILE_COOKIES, parseCookieFile } from '../http/cookie-file.js';
import { basicAuthorization } from '../input/credentials.js';
import { textBeforeRun } from '../input/read-once.js';
import { joinHeaderValues, SECRET_HEADERS, trimBlanks, validateHeader, validateHeaderRemoval, validateMethod } from '../input/validate.js';
import { readFlagFile } from './flag-files.js';
import { setField } from '../input/set-field.js';

export function parseMethodFlag(value: string): string {
  const method = validateMethod(value);
  // CONNECT is an HTTP method, one no record sends: said so, not that it is none.
  if (typeof method !== 'string') throw new UsageError(/^Method /.test(method.message) ? `${method.message}: --method takes a method a record sends (GET, POST, PURGE ...)` : `Expected --method to be an HTTP method, got ${describeValue(value)}`);
  return method;
}

/**
 * Collects repeated -H 'Name: value' flags into one header object. A name given
 * twice keeps both values, as curl sends both: joined into one field with ', '
 * (RFC 9110 5.3 makes that the same message; '; ' for Cookie, whose pairs it separates).
 * curl's two special forms hold too: 'Name:' with nothing after the colon removes the
 * header (one bulkfetch would send, such as User-Agent or Accept-Encoding, or one an
 * earlier -H gave), recorded as null; 'Name;' sends it with an empty value.
 */
export function parseHeaderFlag(value: string, previous: unknown): Record<string, string | null> {
  return value.startsWith('@') ? headersFromFile(value.slice(1), previous) : parseHeader(value, previous);
}

function parseHeader(value: string, previous: unknown): Record<string, string | null> {
  const headers = { ...((previous as Record<string, string | null> | undefined) ?? {}) };
  const colon = value.indexOf(':');
  const emptyForm = colon < 0 && value.trimEnd().endsWith(';');
  if (colon <= 0 && !emptyForm) {
    // `Authorization Bearer T` (the colon forgotten): its value is a credential all the same, never echoed.
    const secret = /^\s*(authorization|proxy-authorization|cookie)\b/i.exec(value)?.[1];
    const got = secret === undefined ? describeValue(value) : `${JSON.stringify(`${secret} ***`)} (a credential, not shown)`;
    throw new UsageError(`Expected --header as 'Name: value' (or 'Name:' to remove it, 'Name;' to send it empty, as curl), got ${got}`);
  }
  refuseTakenUrl('--header', "as 'Name: value'", value);
  // Spaces and tabs only, as curl and RFC 9110 take them off: String.prototype.trim() took a no-break space
  // (pasted with a token from a page) off the name and the value, and sent other bytes than given.
  const name = trimBlanks(emptyForm ? value.trimEnd().slice(0, -1) : value.slice(0, colon));
  const headerValue = emptyForm ? '' : trimBlanks(value.slice(colon + 1));
  const removes = !emptyForm && headerValue === '';
  // A removal sends nothing, so only its name is checked (removing Transfer-Encoding is a no-op, not an error).
  const problem = removes ? validateHeaderRemoval(name) : validateHeader(name, headerValue);
  if (problem) {
    // Credentials are not echoed to stderr, which logs keep: the name and what is wrong with the value.
    // A secret header's name with a pasted no-break space is still one: its value is not shown.
    if (SECRET_HEADERS.has(name.trim().toLowerCase()) && !removes) throw new UsageError(`Invalid --header ${describeValue(`${name}: ***`)}: ${problem.message}`);
    throw new UsageError(`Invalid --header ${describeValue(value)}: ${problem.message}`);
  }
  const key = name.toLowerCase();
  const earlier = Object.hasOwn(headers, key) ? headers[key] : undefined;
  // Host keeps its first, even an empty one (curl sends the first -H Host as given).
  if (key === 'host' && typeof earlier === 'string' && !removes) return headers;
  const joined = earlier === undefined || earlier === null ? headerValue : joinHeaderValues(key, [earlier, headerValue]);
  setField(headers, key, removes ? null : joined);
  return headers;
}

/**
 * curl's `-H @FILE`: one header a line, each as if given with -H; blank lines are skipped.
 * Header values are sent as their UTF-8 bytes, so a file that is not UTF-8 is a usage
 * error rather than values with U+FFFD where its bytes were.
 */
function headersFromFile(path: string, previous: unknown): Record<string, string | null> {
  const bytes = readFlagFile('--header', path);
  if (!isUtf8(bytes)) throw new UsageError(`Header file ${JSON.stringify(path)} is not UTF-8: save it as UTF-8 (header values are sent as their UTF-8 bytes)`);
  let headers = previous;
  // A byte order mark (a file saved by Notepad or Excel) is no part of the first header's name, as it is no part of an input list's first URL.
  const lines = bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      headers = parseHeader(line, headers);
    } catch (error) {
      // Which file and line: the message alone showed a line of a file the command line did not.
      if (error instanceof UsageError) throw new UsageError(`${error.message} (line ${index + 1} of the header file ${JSON.stringify(path)})`, { cause: error });
      throw error;
    }
  }
  return (headers ?? {}) as Record<string, string | null>;
}

/** A library caller's header entry as the -H text it stands for: null removes ('Name:'), '' sends it empty ('Name;'). */
export function headerFlagText(name: string, value: unknown): string {
  if (value === null) return `${name}:`;
  // A list is one field of its values, as a spec's header list is; anything but text and numbers was sent as
  // its String(): `{ Authorization: token }` with token unset sent "Authorization: undefined" to every host.
  // Host holds one value: the first, as -H given twice sends.
  const values = Array.isArray(value) && value.every(isHeaderText) && name.toLowerCase() === 'host' ? value.slice(0, 1) : value;
  const text = Array.isArray(values) && values.length > 0 && values.every(isHeaderText) ? values.join(', ') : isHeaderText(values) ? String(values) : undefined;
  if (text === undefined) {
    const hidden = SECRET_HEADERS.has(name.toLowerCase()) && value !== undefined;
    const got = hidden ? `${Array.isArray(value) ? 'a list holding other values' : `a value of type ${typeof value}`} (a credential's, not shown)` : describeValue(value);
    throw new UsageError(`Expected headers[${JSON.stringify(name)}] to be a string, a number or a list of them (null removes the header), got ${got}`);
  }
  return text === '' ? `${name};` : `${name}: ${text}`;
}

function isHeaderText(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** A flag that is one header's value (--referer, --user-agent): checked as -H checks it. */
export function headerValueFlag(flag: string, header: string) {
  return (value: string): string => {
    const problem = validateHeader(header, value);
    if (problem) throw new UsageError(`Invalid ${flag}${SECRET_HEADERS.has(header) ? '' : ` ${describeValue(value)}`}: ${problem.message}`);
    return value;
  };
}

const cookieValue = headerValueFlag('--cookie', 'cookie');

/**
 * A flag that took the URL meant as an argument for its value (`-H https://host/x`, `-u https://...`
 * with the credentials forgotten): no URL was left, so the run read stdin, and an empty one made a run
 * of no records, exit 0. curl says "no URL specified". Never for -e or -x, whose value is a URL.
 */
function refuseTakenUrl(flag: string, expected: string, value: string): void {
  if (/^\s*https?:\/\//i.test(value)) {
    throw new UsageError(`Expected ${flag} ${expected}, got the URL ${describeValue(value.replace(/\/\/[^/@]*@/, '//***@'))}: give ${flag} its value, and the URL as an argument of its own`);
  }
}

const userAgentValue = headerValueFlag('--user-agent', 'user-agent');

/** -A: a User-Agent header's value, never the URL (refuseTakenUrl). */
export function parseUserAgentFlag(value: string): string {
  refuseTakenUrl('--user-agent', 'as the User-Agent header', value);
  return userAgentValue(value);
}

/** -u user:password, as in curl: sent as Basic authorization. The password may contain ':'. */
export function parseUserFlag(value: string): string {
  refuseTakenUrl('-u', 'as user:password', value);
  const colon = value.indexOf(':');
  // No colon: most often an API key given as the user name (Stripe's -u KEY:), a secret all the same.
  if (colon < 0) throw new UsageError(`Expected -u as user:password (bulkfetch never prompts), got a value without ':' (not shown: it may be a key); an API key as the user name is -u 'KEY:'`);
  return basicAuthorization(value.slice(0, colon), value.slice(colon + 1));
}

/** What -b gave: pairs for every request's Cookie header, cookie files, and whether cookies are kept across a record's redirects. */
export interface CookieFlag {
  pairs: string | undefined;
  files: string[];
  redirectCookies: boolean;
}

/**
 * -b 'name=value; name2=value2', as curl -b with data; repeated, the pairs are
 * joined. Without '=' it is a cookie file, as curl reads one (the Netscape
 * format its -c writes): each request carries the file's cookies that match
 * its URL. -b '' or a file starts curl's cookie engine: a record's redirects
 * then carry the cookies they set (redirect-cookies.ts).
 */
export function parseCookieFlag(value: string, previous: unknown): CookieFlag {
  const before = (previous as CookieFlag | undefined) ?? { pairs: undefined, files: [], redirectCookies: false };
  if (value === '') return { ...before, redirectCookies: true };
  if (!value.includes('=')) return { ...before, files: [...before.files, cookieFilePath('-b', value)], redirectCookies: true };
  const pairs = cookieValue(value);
  return { ...before, pairs: before.pairs === undefined ? pairs : `${before.pairs}; ${pairs}` };
}

/**
 * A -b file's path, once it reads as a cookie file: a word meant as a cookie
 * ('-b session', no '=') names no file, and a file of something else holds
 * no line of the format; both would otherwise send no cookies, unsaid. A pipe
 * (`-b <(...)`) can be read only once, by the run: it is only checked to be
 * readable here.
 */
export function cookieFilePath(flag: string, value: string): string {
  const path = resolvePath(value);
  let text: string | undefined;
  try {
    // A pipe's size is 0: its bound is the run's read (read-once.ts).
    const { size } = statSync(path);
    if (size > MAX_COOKIE_FILE_BYTES) throw new UsageError(`${flag} file ${describeValue(value)} is ${size} bytes, over the ${MAX_COOKIE_FILE_BYTES} read as a cookie file`);
    text = textBeforeRun(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${flag} file ${describeValue(value)}: ${fileErrorWords(error)} (${flag} takes 'name=value; ...' pairs, or a cookie file)`, { cause: error });
  }
  if (text === undefined) return path;
  const { cookies, lines, unreadLines, refusedLines } = parseCookieFile(text, 0);
  // A dump whose one Set-Cookie deletes a cookie (a logout) is a cookie file too: curl reads it, and sends none;
  // so is one whose cookies all break their names' prefixes.
  if (lines.length === 0 && refusedLines === 0 && unreadLines > 0) {
    throw new UsageError(`${flag} file ${describeValue(value)} holds no cookie in the Netscape format curl -c writes (domain, subdomains, path, secure, expiry, name and value, tab-separated), nor a Set-Cookie line of the headers curl -D writes`);
  }
  if (cookies.length > MAX_FILE_COOKIES) throw new UsageError(`${flag} file ${describeValue(value)} holds ${cookies.length} cookies, over the ${MAX_FILE_COOKIES} taken`);
  return path;
}
