import { Option } from 'commander';
import { isUtf8 } from 'node:buffer';
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { basename, resolve as resolvePath } from 'node:path';
import { availableParallelism } from 'node:os';
import { isatty } from 'node:tty';
import { UsageError, describeValue } from './errors.js';
import { MAX_COOKIE_FILE_BYTES, MAX_FILE_COOKIES, parseCookieFile } from './http/cookie-file.js';
import { parseProxyUrl, proxyEnvironmentProblem } from './http/proxy-url.js';
import { basicAuthorization } from './input/credentials.js';
import { percentEncodedLine } from './input/non-utf8.js';
import { textBeforeRun } from './input/read-once.js';
import { validateHeader, validateHeaderName, validateMethod } from './input/validate.js';
import { parseErrorLimit } from './parent/error-budget.js';
import type { CacheMode, RunOptions, Shard } from './run-types.js';
import { DEFAULT_CONCURRENCY } from './defaults.js';
import { VERSION } from './version.js';

/**
 * One row of the option table: the only place an option is described. It drives
 * commander, --help, the README's options section, the defaults a library
 * caller gets, and the checks on a library caller's values.
 */
export interface OptionSpec {
  flags: string;
  /** The RunOptions field this flag sets; absent for CLI-only flags (-o, --summary, --quiet ...). */
  runOption?: keyof RunOptions;
  description: string;
  /** The field's value when the flag is absent (CLI and library alike). */
  defaultValue?: unknown;
  /** How --help and the README show the default when it is computed or implied (e.g. the CPU count). */
  defaultDescription?: string;
  parse?: (value: string, previous: unknown) => unknown;
  /**
   * curl's name for the same flag ('-m, --max-time <duration>'), where it differs:
   * accepted with the same value and parse, shown in the flag's description.
   */
  curlName?: string;
  /**
   * Checks a library caller's value for this field and returns it normalized.
   * Absent: numbers and strings go through `parse` as their text would.
   */
  check?: (value: unknown) => unknown;
}

export function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`Expected ${flag} to be a positive integer, got ${describeValue(value)}`);
    }
    return n;
  };
}

export function nonNegativeInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
      throw new UsageError(`Expected ${flag} to be a non-negative integer, got ${describeValue(value)}`);
    }
    return n;
  };
}

/** A rate: any positive decimal (0.5 = one every 2 s). */
export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`Expected ${flag} to be a positive number, got ${describeValue(value)}`);
    }
    return n;
  };
}

const RATE_UNITS_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * A request rate: requests per second as a positive decimal, or curl's
 * `N/U` (`10/s`, `600/m`, `100/h`, `5/d`; `1/2s` = one every two seconds).
 * A bare number stays per second: curl reads it per hour, but bulkfetch's
 * --rate was per second first.
 */
export function requestRate(flag: string) {
  const perSecond = positiveNumber(flag);
  return (value: string): number => {
    const curlForm = /^\s*(\d+(?:\.\d+)?)\/(\d*)([smhd])\s*$/.exec(value);
    if (!curlForm) {
      try {
        return perSecond(value);
      } catch {
        throw new UsageError(`Expected ${flag} to be requests per second, or N/s, N/m, N/h, N/d as in curl, got ${describeValue(value)}`);
      }
    }
    const rate = Number(curlForm[1]) / ((Number(curlForm[2]) || 1) * RATE_UNITS_S[curlForm[3] as keyof typeof RATE_UNITS_S]);
    if (!(rate > 0)) throw new UsageError(`Expected ${flag} to be a positive rate, got ${describeValue(value)}`);
    return rate;
  };
}

const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/**
 * Every size flag: bytes, or with curl's suffixes (`--max-filesize 10M`): k, M
 * and G are 1024, 1024² and 1024³ as in curl, written `10M`, `10MB` or `10MiB`
 * alike (a size limit read as 10^6 where 2^20 was meant would differ by 5 %,
 * never by an order). A fraction is rounded down to whole bytes: `1.5k` is 1536.
 */
export function byteSize(flag: string, { positive }: { positive: boolean }) {
  const what = `${positive ? 'a positive' : 'a non-negative'} size (bytes, or with a unit: 64k, 10M, 1G)`;
  return (value: string): number => {
    const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(value);
    const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[(match[2]?.toLowerCase() ?? '') as keyof typeof SIZE_UNITS]) : Number.NaN;
    if (!Number.isSafeInteger(bytes) || (positive && bytes < 1)) throw new UsageError(`Expected ${flag} to be ${what}, got ${describeValue(value)}`);
    return bytes;
  };
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Every time flag: a bare number is seconds, as in curl (`10`, `0.5`); a unit
 * may follow (`250ms`, `2s`, `1m`, `1h`). The value is milliseconds, rounded up
 * so `0.0001` is not a silent 0. `positive`: 0 is refused (a timeout of 0 would
 * fail every request).
 */
export function durationMs(flag: string, { positive }: { positive: boolean }) {
  const what = `${positive ? 'a positive' : 'a non-negative'} duration (seconds, or with a unit: 250ms, 2s, 1m)`;
  return (value: string): number => {
    const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(value);
    const ms = match ? Math.ceil(Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 's') as keyof typeof DURATION_UNITS_MS]) : Number.NaN;
    // curl reads -m 0 as no limit at all; here every attempt has one, so say how to get a long one.
    const zero = positive && ms === 0 ? ` (curl's 0 for no limit is not taken: give a long one, such as 1h)` : '';
    if (!Number.isSafeInteger(ms) || (positive && ms <= 0)) throw new UsageError(`Expected ${flag} to be ${what}, got ${describeValue(value)}${zero}`);
    return ms;
  };
}

/**
 * A library caller's duration: a number is milliseconds (the JavaScript
 * convention, as in setTimeout), a string is read as its flag's text ('10s').
 */
function durationField(field: string, parse: (value: string) => number, { positive }: { positive: boolean }) {
  return (value: unknown): number => {
    if (typeof value === 'string') return parse(value);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value <= 0)) {
      throw new UsageError(`Expected ${field} to be ${positive ? 'a positive' : 'a non-negative'} number of milliseconds or a duration string ('10s'), got ${describeValue(value)}`);
    }
    return Math.ceil(value);
  };
}

/** One row's parse (the flag's text) and check (a library caller's value) for a duration. */
function duration(flag: string, field: string, positive: boolean): Pick<OptionSpec, 'parse' | 'check'> {
  const parse = durationMs(flag, { positive });
  return { parse, check: durationField(field, parse, { positive }) };
}

function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`Expected ${flag} to be one of ${choices.join(', ')}, got ${describeValue(value)}`);
    }
    return value as T;
  };
}

function parseMethodFlag(value: string): string {
  const method = validateMethod(value);
  if (typeof method !== 'string') throw new UsageError(`Expected --method to be an HTTP method, got ${describeValue(value)}`);
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
function parseHeaderFlag(value: string, previous: unknown): Record<string, string | null> {
  return value.startsWith('@') ? headersFromFile(value.slice(1), previous) : parseHeader(value, previous);
}

function parseHeader(value: string, previous: unknown): Record<string, string | null> {
  const headers = { ...((previous as Record<string, string | null> | undefined) ?? {}) };
  const colon = value.indexOf(':');
  const emptyForm = colon < 0 && value.trimEnd().endsWith(';');
  if (colon <= 0 && !emptyForm) {
    throw new UsageError(`Expected --header as 'Name: value' (or 'Name:' to remove it, 'Name;' to send it empty, as curl), got ${describeValue(value)}`);
  }
  const name = (emptyForm ? value.trimEnd().slice(0, -1) : value.slice(0, colon)).trim();
  const headerValue = emptyForm ? '' : value.slice(colon + 1).trim();
  const removes = !emptyForm && headerValue === '';
  // A removal sends nothing, so only its name is checked (removing Transfer-Encoding is a no-op, not an error).
  const problem = removes ? validateHeaderName(name) : validateHeader(name, headerValue);
  if (problem) {
    throw new UsageError(`Invalid --header ${describeValue(value)}: ${problem.message}`);
  }
  const key = name.toLowerCase();
  const earlier = headers[key];
  if (removes) headers[key] = null;
  else headers[key] = earlier === undefined || earlier === null ? headerValue : `${earlier}${key === 'cookie' ? '; ' : ', '}${headerValue}`;
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
  for (const line of bytes.toString('utf8').split(/\r?\n/)) if (line.trim() !== '') headers = parseHeader(line, headers);
  return (headers ?? {}) as Record<string, string | null>;
}

/**
 * A request body flag: the text itself, or `@FILE` for the file's contents, as in
 * curl. `-d @file` drops CR and LF (curl's --data does); --data-binary and --json keep them.
 * The file's bytes are taken as they are (an image, a Latin-1 form: see bodyData). Given
 * again, the pieces are joined as curl joins them: `-d a=1 -d b=2` sends `a=1&b=2`
 * (`joiner` '&'); --json pieces are concatenated.
 */
function bodyFlag(flag: string, { stripNewlines, readsFiles = true, joiner }: { stripNewlines: boolean; readsFiles?: boolean; joiner: string }) {
  const piece = (value: string): Buffer => {
    if (!readsFiles || !value.startsWith('@')) return Buffer.from(value);
    const bytes = readFlagFile(flag, value.slice(1));
    return stripNewlines ? Buffer.from(bytes.filter((byte) => byte !== 0x0d && byte !== 0x0a)) : bytes;
  };
  return (value: string, previous: unknown): Buffer => (Buffer.isBuffer(previous) ? Buffer.concat([previous, Buffer.from(joiner), piece(value)]) : piece(value));
}

/**
 * A body's bytes as the run carries them: a string when they are UTF-8, as
 * most bodies are, else the bytes themselves, sent as they are (as curl
 * sends a file), never decoded with U+FFFD in place of what is not UTF-8.
 */
function bodyData(bytes: Buffer): string | Buffer {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

/**
 * The flag whose @- read stdin (curl's habit: `printf 'a=1' | curl -d @- URL`),
 * if one did, as it was written ('-d @-', '-T -'). Module state, as stdin is
 * the process's: read once, by one flag.
 */
let stdinReadBy: string | undefined;

/**
 * The flag that read stdin as its @-, for the CLI to refuse it when stdin is
 * the input as well (the URLs would have been read as the body).
 */
export function flagThatReadStdin(): string | undefined {
  return stdinReadBy;
}

/** A flag's @FILE, read now, so a missing file is a usage error before anything is sent. */
function readFlagFile(flag: string, path: string): Buffer {
  // -T takes a path, the others @PATH: each names stdin as curl does.
  if (path === '-') return readStdinOnce(flag === '-T' ? '-T -' : `${flag} @-`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${flag} file ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
}

/** curl -T FILE: the body's bytes, and the name a URL ending in / gets (none for stdin). */
interface UploadFile {
  bytes: Buffer;
  name: string | undefined;
}

/** -T FILE, read as the command line is parsed, as -d @FILE is: stdin read by it is known before the input is opened. */
function uploadFileFlag(value: string, previous: unknown): UploadFile {
  if (previous !== undefined) throw new UsageError('-T is given once: it is the body of every request');
  return { bytes: readFlagFile('-T', value), name: value === '-' ? undefined : basename(value) };
}

/** @- as curl reads it: stdin to its end, once (a pipe, a file, or a terminal until Ctrl-D). */
function readStdinOnce(flag: string): Buffer {
  if (stdinReadBy !== undefined) throw new UsageError(`${flag} reads stdin, which ${stdinReadBy} has read already: name a file for one of them`);
  stdinReadBy = flag;
  // At a terminal the run would wait without a word until Ctrl-D (curl's does): say what it waits for.
  if (isatty(0)) process.stderr.write(`bulkfetch: reading ${flag} from the terminal (Ctrl-D to end)\n`);
  try {
    return readFileSync(0);
  } catch (error) {
    throw new UsageError(`Cannot read ${flag} from stdin: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
}

/**
 * curl's --data-urlencode encoding: a space as +, as curl writes it, and every
 * other byte but the unreserved A-Z a-z 0-9 - . _ ~ as %XX: a text's UTF-8
 * bytes, a file's bytes as they are.
 */
function curlEscape(bytes: Buffer): string {
  let escaped = '';
  for (const byte of bytes) {
    if (byte === 0x20) escaped += '+';
    else if (UNRESERVED.test(String.fromCharCode(byte))) escaped += String.fromCharCode(byte);
    else escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return escaped;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * --data-urlencode, read as curl reads it: up to the first = or @, a name;
 * `name=content` and `=content` encode the content, `name@FILE` and `@FILE` a
 * file's contents, and text with neither is encoded whole. Pieces join with &.
 */
function parseDataUrlencode(value: string, previous: unknown): string {
  const split = /[=@]/.exec(value);
  let piece: string;
  if (split === null) piece = curlEscape(Buffer.from(value));
  else {
    const name = value.slice(0, split.index);
    const rest = value.slice(split.index + 1);
    const content = split[0] === '@' ? readFlagFile('--data-urlencode', rest) : Buffer.from(rest);
    piece = name === '' ? curlEscape(content) : `${name}=${curlEscape(content)}`;
  }
  return typeof previous === 'string' ? `${previous}&${piece}` : piece;
}

/** -u user:password, as in curl: sent as Basic authorization. The password may contain ':'. */
function parseUserFlag(value: string): string {
  const colon = value.indexOf(':');
  if (colon < 0) throw new UsageError(`Expected -u as user:password (bulkfetch never prompts), got ${describeValue(value.replace(/:.*/, ':***'))}`);
  return basicAuthorization(value.slice(0, colon), value.slice(colon + 1));
}

/** What -b gave: pairs for every request's Cookie header, cookie files, and whether cookies are kept across a record's redirects. */
interface CookieFlag {
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
function parseCookieFlag(value: string, previous: unknown): CookieFlag {
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
function cookieFilePath(flag: string, value: string): string {
  const path = resolvePath(value);
  let text: string | undefined;
  try {
    // A pipe's size is 0: its bound is the run's read (read-once.ts).
    const { size } = statSync(path);
    if (size > MAX_COOKIE_FILE_BYTES) throw new UsageError(`${flag} file ${describeValue(value)} is ${size} bytes, over the ${MAX_COOKIE_FILE_BYTES} read as a cookie file`);
    text = textBeforeRun(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${flag} file ${describeValue(value)}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (${flag} takes 'name=value; ...' pairs, or a cookie file)`, { cause: error });
  }
  if (text === undefined) return path;
  const { cookies, unreadLines } = parseCookieFile(text, 0);
  if (cookies.length === 0 && unreadLines > 0) {
    throw new UsageError(`${flag} file ${describeValue(value)} holds no cookie in the Netscape format curl -c writes (domain, subdomains, path, secure, expiry, name and value, tab-separated)`);
  }
  if (cookies.length > MAX_FILE_COOKIES) throw new UsageError(`${flag} file ${describeValue(value)} holds ${cookies.length} cookies, over the ${MAX_FILE_COOKIES} taken`);
  return path;
}

/** A flag that is one header's value (--referer, --user-agent): checked as -H checks it. */
function headerValueFlag(flag: string, header: string) {
  return (value: string): string => {
    const problem = validateHeader(header, value);
    if (problem) throw new UsageError(`Invalid ${flag} ${describeValue(value)}: ${problem.message}`);
    return value;
  };
}

const cookieValue = headerValueFlag('--cookie', 'cookie');

/** --resolve HOST:PORT:ADDR, repeatable, as in curl (HOST `*`: every host): collected into 'host:port' -> address. */
function parseResolveFlag(value: string, previous: unknown): Record<string, string> {
  const entries = { ...((previous as Record<string, string> | undefined) ?? {}) };
  const match = /^([^:\s]+):(\d{1,5}):(?:\[([0-9A-Fa-f:.]+)\]|([^\s]+))$/.exec(value);
  // A name with letters past ASCII as the URL's host becomes: its IDNA form (bücher.example is xn--bcher-kva.example).
  const given = match?.[1] ?? '';
  const host = /[^\x00-\x7f]/.test(given) ? domainToASCII(given) : given;
  const address = match?.[3] ?? match?.[4];
  const port = Number(match?.[2]);
  if (!match || !RESOLVE_HOST.test(host) || address === undefined || isIP(address) === 0 || port < 1 || port > 65535) {
    throw new UsageError(`Expected --resolve as HOST:PORT:ADDRESS (HOST a name or *, ADDRESS an IP address), got ${describeValue(value)}`);
  }
  entries[`${host.toLowerCase()}:${port}`] = address;
  return entries;
}

/**
 * --connect-to HOST1:PORT1:HOST2:PORT2, repeatable, as in curl: requests to
 * HOST1:PORT1 connect to HOST2:PORT2 instead (an empty HOST1 or PORT1 matches
 * any, an empty HOST2 or PORT2 keeps the request's). Collected into
 * 'host1:port1' -> 'host2:port2', '*' for an empty HOST1 or PORT1; an IPv6
 * address goes in brackets on both sides.
 */
function parseConnectToFlag(value: string, previous: unknown): Record<string, string> {
  const entries = { ...((previous as Record<string, string> | undefined) ?? {}) };
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]*):(\d{0,5}):(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]*):(\d{0,5})$/.exec(value);
  const ascii = (host: string): string => (/[^\x00-\x7f]/.test(host) ? domainToASCII(host) : host).toLowerCase();
  const [host1, port1, host2, port2] = match ? [ascii(match[1] as string), match[2] as string, ascii(match[3] as string), match[4] as string] : [];
  const badPort = (port: string | undefined) => port !== '' && (Number(port) < 1 || Number(port) > 65535);
  const badHost = (host: string | undefined) => host === undefined || (host !== '' && !host.startsWith('[') && !RESOLVE_HOST.test(host)) || host === '*';
  if (!match || badHost(host1) || badHost(host2) || badPort(port1) || badPort(port2)) {
    throw new UsageError(`Expected --connect-to as HOST1:PORT1:HOST2:PORT2 (any part may be empty: HOST1 or PORT1 for any, HOST2 or PORT2 for the request's own), got ${describeValue(value)}`);
  }
  // Keyed as the connector sees a request's host: an IPv6 address without its brackets.
  entries[`${host1?.replace(/^\[(.*)\]$/, '$1') || '*'}:${port1 || '*'}`] = `${host2}:${port2}`;
  return entries;
}

/** A --connect-to entry as the flag text it stands for (a library caller's object form). */
function connectToFlagText(from: string, to: unknown): string {
  const colon = from.lastIndexOf(':');
  const host = from.slice(0, colon);
  const port = from.slice(colon + 1);
  return `${host === '*' ? '' : host.includes(':') ? `[${host}]` : host}:${port === '*' ? '' : port}:${String(to)}`;
}

/** --resolve's HOST: a name (a trailing dot allowed) or *. */
const RESOLVE_HOST = /^(\*|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?)$/;

/**
 * A PEM file flag (--cacert, --cert, --key): read now, so a missing or unreadable
 * file is a usage error before any request is sent. The run reads it again, once,
 * and hands the text to the children (run-job.ts).
 */
function pemFile(flag: string) {
  return (value: string): string => {
    // resolvePath('') is the working directory: say what is wrong (an unset shell variable, likely).
    if (value === '') throw new UsageError(`Expected ${flag} to be a PEM file, got ""`);
    const path = resolvePath(value);
    let text: string | undefined;
    try {
      text = textBeforeRun(path);
    } catch (error) {
      throw new UsageError(`Cannot read ${flag} file ${JSON.stringify(value)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    // A pipe is read once, by the run: its text is checked only as it is used.
    if (text === undefined) return path;
    if (!text.includes('-----BEGIN ')) throw new UsageError(`Expected ${flag} to be a PEM file, got ${describeValue(value)} (no -----BEGIN line)`);
    // A key under a passphrase would fail every https record with "bad decrypt"; curl fails at once too.
    if (flag !== '--cacert' && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
      throw new UsageError(`${flag} ${JSON.stringify(value)} holds a key under a passphrase, which bulkfetch cannot ask for: write it out unencrypted (openssl pkey -in KEY -out plain.pem) and give that`);
    }
    return path;
  };
}

/** --max-redirects N; curl's -1 (no limit) gets how to ask for a high one. */
function maxRedirectsFlag(value: string): number {
  if (value.trim() === '-1') throw new UsageError(`Expected --max-redirects to be a non-negative integer, got ${describeValue(value)} (curl's -1 for no limit is not taken: give a high one, such as 50)`);
  return nonNegativeInteger('--max-redirects')(value);
}

/**
 * -o, once: the one file of result lines. curl pairs each -o with a URL, so a
 * second one meant a file per URL; the last would otherwise win without a word.
 */
function parseOutputFlag(value: string, previous: unknown): string {
  if (typeof previous === 'string') {
    throw new UsageError(`-o given twice (${JSON.stringify(previous)}, ${JSON.stringify(value)}): it is the one file of result lines, where curl's -o names a file per URL; give one -o, and --save DIR to keep each 2xx body in a file of its own`);
  }
  return value;
}

/** --save DIR: an existing directory we may write to, checked before any request. */
function parseSaveDir(value: string): string {
  // resolvePath('') is the working directory: `--save "$DIR"` with DIR unset would fill it with bodies.
  if (value === '') throw new UsageError('Expected --save to be a directory, got ""');
  const path = resolvePath(value);
  try {
    if (!statSync(path).isDirectory()) throw new UsageError(`Expected --save to be a directory, got ${describeValue(value)} (not a directory)`);
    accessSync(path, fsConstants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // curl's --create-dirs is not taken: a typo in DIR would make a tree of its own.
    const why = code === 'ENOENT' ? `no such directory (mkdir -p ${JSON.stringify(value)} first)` : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new UsageError(`Cannot write to --save directory ${JSON.stringify(value)}: ${why}`, { cause: error });
  }
  return path;
}

function parseProxyFlag(value: string): string {
  // curl's -x "": no proxy at all, whatever http_proxy and the others say.
  if (value === '') return '';
  const parsed = parseProxyUrl(value);
  if ('problem' in parsed) throw new UsageError(`Expected --proxy to be a proxy (host:port, or http://, https://, socks5:// or socks5h:// host:port), got ${describeValue(value)}: ${parsed.problem}`);
  return parsed.href;
}

/** 'K/N', 0 <= K < N: the same numbering as a Kubernetes JOB_COMPLETION_INDEX. */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new UsageError(`Expected --shard as K/N with 0 <= K < N (e.g. 0/4), got ${describeValue(value)}`);
  }
  return { index, count };
}

const CACHE_MODES = ['auto', 'on', 'off'] as const;

/** A library caller's `cache`: a mode, or (as before modes) true for on and false for off. */
function cacheMode(value: unknown): CacheMode {
  if (value === true) return 'on';
  if (value === false) return 'off';
  return oneOf('cache', CACHE_MODES)(String(value));
}

/**
 * A request body of a library caller's options, taken as it is (a library
 * `data: '@x'` is that body, not a file): text, sent as UTF-8, or bytes, sent as they are.
 */
function bodyValue(field: string) {
  return (value: unknown): string | Uint8Array => {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new UsageError(`Expected ${field} to be a string or a Uint8Array, got ${describeValue(value)}`);
    return value;
  };
}

/** A boolean field of a library caller's options. */
function boolean(field: string) {
  return (value: unknown): boolean => {
    if (typeof value !== 'boolean') throw new UsageError(`Expected ${field} to be true or false, got ${describeValue(value)}`);
    return value;
  };
}

/**
 * An object of strings (headers, resolve entries) given by a library caller, each
 * entry checked as its flag's text; or an array of those texts ('Name: value'),
 * as the flag would be repeated.
 */
function entries<V>(field: string, parse: (value: string, previous: unknown) => Record<string, V>, toFlag: (key: string, value: unknown) => string) {
  return (value: unknown): Record<string, V> => {
    if (Array.isArray(value)) {
      if (!value.every((item) => typeof item === 'string')) throw new UsageError(`Expected ${field} to be an array of strings, got ${describeValue(value)}`);
      return value.reduce<Record<string, V>>((collected, text: string) => parse(text, collected), {});
    }
    if (typeof value !== 'object' || value === null) {
      throw new UsageError(`Expected ${field} to be an object of strings or an array of strings, got ${describeValue(value)}`);
    }
    let collected: Record<string, V> = {};
    for (const [key, entry] of Object.entries(value)) collected = parse(toFlag(key, entry), collected);
    return collected;
  };
}

/** A library caller's header entry as the -H text it stands for: null removes ('Name:'), '' sends it empty ('Name;'). */
function headerFlagText(name: string, value: unknown): string {
  if (value === null) return `${name}:`;
  return value === '' ? `${name};` : `${name}: ${String(value)}`;
}

/**
 * The option table. Order here is the order in --help and the README. Every
 * default and every check of an option's value lives in its row, and nowhere else.
 */
export const OPTION_TABLE: readonly OptionSpec[] = [
  { flags: '--procs <n>', runOption: 'procs', description: 'child processes', defaultValue: availableParallelism(), defaultDescription: 'number of CPUs', parse: positiveInteger('--procs') },
  { flags: '--concurrency <n>', runOption: 'concurrency', description: 'requests in flight per process', defaultValue: DEFAULT_CONCURRENCY, parse: positiveInteger('--concurrency') },
  { flags: '--parallel-max <n>', description: "curl -Z's limit: requests in flight over all processes (at most N: --concurrency N / --procs, over fewer processes where they do not divide N)", parse: positiveInteger('--parallel-max') },
  { flags: '--url <url>', description: 'a URL to fetch, as curl takes it (repeatable): the same as giving it as an argument; without a scheme, --proto-default\'s', parse: (value: string, previous: unknown) => [...((previous as string[] | undefined) ?? []), value] },
  { flags: '-g, --globoff', description: 'take [] and {} in URL arguments as written (by default they are expanded as curl expands them: {a,b}, [1-100], [a-z])' },
  { flags: '-Z, --parallel', description: 'accepted for curl users: requests always run in parallel' },
  { flags: '-o, --output <file>', description: 'write results to FILE instead of stdout', parse: parseOutputFlag },
  { flags: '--timeout <duration>', curlName: '-m, --max-time <duration>', runOption: 'timeout', description: 'time limit for a whole attempt (connect, headers and body); seconds, or 250ms, 2s, 1m', defaultValue: 30000, defaultDescription: '30s', ...duration('--timeout', 'timeout', true) },
  { flags: '--connect-timeout <duration>', runOption: 'connectTimeout', description: 'time limit for opening a connection (TCP and TLS handshake), per attempt', defaultValue: 10000, defaultDescription: '10s', ...duration('--connect-timeout', 'connectTimeout', true) },
  { flags: '--tcp-nodelay', description: 'accepted for curl users: every connection sets TCP_NODELAY' },
  { flags: '--retries <n>', curlName: '--retry <n>', runOption: 'retries', description: 'retries after connection errors, timeouts and 408/425/429/500/502/503/504 (idempotent methods only)', defaultValue: 2, parse: nonNegativeInteger('--retries') },
  { flags: '--retry-delay <duration>', runOption: 'retryDelay', description: 'backoff base: retry k waits a random time up to min(max delay, base x 2^(k-1))', defaultValue: 250, defaultDescription: '250ms', ...duration('--retry-delay', 'retryDelay', false) },
  { flags: '--retry-max-delay <duration>', runOption: 'retryMaxDelay', description: 'cap on any retry wait and on the pause of a host after 429/503, Retry-After included', defaultValue: 30000, defaultDescription: '30s', ...duration('--retry-max-delay', 'retryMaxDelay', false) },
  { flags: '--retry-all-methods', runOption: 'retryAllMethods', description: 'retry non-idempotent methods (POST, PATCH ...) too', defaultValue: false, check: boolean('retryAllMethods') },
  { flags: '--retry-connrefused', description: 'accepted for curl users: a refused connection is retried already, as other connection errors are (--retries)' },
  { flags: '-L, --follow', curlName: '--location', runOption: 'follow', description: 'follow redirects (301, 302, 303, 307, 308)', defaultValue: false, check: boolean('follow') },
  { flags: '--max-redirects <n>', curlName: '--max-redirs <n>', runOption: 'maxRedirects', description: 'redirects followed per record with --follow', defaultValue: 10, parse: maxRedirectsFlag },
  { flags: '-k, --insecure', runOption: 'insecure', description: 'do not verify TLS certificates', defaultValue: false, check: boolean('insecure') },
  { flags: '--cacert <file>', runOption: 'cacert', description: 'trust the CA certificates in this PEM file instead of the default ones, as in curl', parse: pemFile('--cacert') },
  { flags: '-E, --cert <file>', runOption: 'cert', description: 'client certificate (PEM) for mutual TLS; may hold the key too', parse: pemFile('--cert') },
  { flags: '--key <file>', runOption: 'key', description: 'private key (PEM, unencrypted) of the --cert client certificate', defaultDescription: 'the --cert file', parse: pemFile('--key') },
  { flags: '-x, --proxy <url>', runOption: 'proxy', description: 'send every request through this proxy: host:port (http://, port 1080 if none, as curl), or a URL: http://, https://, socks5:// or socks5h:// (socks5h: the proxy looks names up); \'\' for none, whatever the environment says (as curl)', defaultDescription: 'HTTP_PROXY / HTTPS_PROXY, minus NO_PROXY', parse: parseProxyFlag },
  { flags: '--noproxy <hosts>', runOption: 'noProxy', description: "hosts to reach without the proxy, comma-separated as in NO_PROXY (example.com, .internal, 10.0.0.0/8, host:port); '*' for every host, '' for none: replaces NO_PROXY, as curl's --noproxy", defaultDescription: 'NO_PROXY', parse: (value: string) => value },
  { flags: '--http2', runOption: 'http2', description: 'use HTTP/2 where a TLS server offers it (ALPN); HTTP/1.1 otherwise', defaultValue: false, check: boolean('http2') },
  { flags: '--http1.1', runOption: 'http1Only', description: 'HTTP/1.1 only, as curl: no HTTP/2 even for a TLS server that refuses HTTP/1.1 (without it such a server is asked again with h2 offered)', defaultValue: false, check: boolean('http1Only') },
  { flags: '-4, --ipv4', runOption: 'ipv4Only', description: 'connect over IPv4 only, as curl: names resolve to IPv4 addresses alone, and an IPv6 address in a URL or --resolve is an error record', defaultValue: false, check: boolean('ipv4Only') },
  { flags: '-6, --ipv6', runOption: 'ipv6Only', description: 'connect over IPv6 only, as curl (the reverse of -4)', defaultValue: false, check: boolean('ipv6Only') },
  { flags: '--connect-to <host1:port1:host2:port2>', runOption: 'connectTo', description: 'connect to HOST2:PORT2 for requests to HOST1:PORT1, as curl; the URL\'s host stays the Host header, TLS name and certificate check; empty parts match any (HOST1, PORT1) or keep the request\'s (HOST2, PORT2) (repeatable)', defaultValue: {}, parse: parseConnectToFlag, check: entries('connectTo', parseConnectToFlag, connectToFlagText) },
  { flags: '--resolve <host:port:addr>', runOption: 'resolve', description: 'connect to ADDR for HOST:PORT instead of resolving HOST, as in curl; HOST * for any host (repeatable)', defaultValue: {}, parse: parseResolveFlag, check: entries('resolve', parseResolveFlag, (hostPort, entry) => { const address = String(entry); return `${hostPort}:${address.includes(':') ? `[${address}]` : address}`; }) },
  { flags: '--cache <mode>', runOption: 'cache', description: 'auto: the run reads its input and caches only requests that come again (see Cache); on: cache every GET/HEAD response; off: fetch every record', defaultValue: 'auto', parse: oneOf('--cache', CACHE_MODES), check: cacheMode },
  { flags: '--no-cache', runOption: 'cache', description: 'the same as --cache off', check: cacheMode },
  { flags: '--cache-size <n>', runOption: 'cacheSize', description: 'optional cap on responses kept per process (--cache-bytes bounds the cache either way)', parse: positiveInteger('--cache-size') },
  { flags: '--cache-bytes <size>', runOption: 'cacheBytes', description: 'bytes of serialized responses kept per process for repeated requests (64k, 10M, 1G as in curl)', defaultValue: 64 * 1024 * 1024, defaultDescription: '64M', parse: byteSize('--cache-bytes', { positive: true }) },
  { flags: '-X, --method <method>', curlName: '--request <method>', runOption: 'method', description: 'default method for URL records', defaultValue: 'GET', defaultDescription: 'GET (POST with --data, as in curl)', parse: parseMethodFlag },
  { flags: '-H, --header <header>', runOption: 'headers', description: "add a header 'Name: value' to every request (repeatable); 'Name:' removes one bulkfetch would send, 'Name;' sends it empty, @FILE reads one a line, as in curl", defaultValue: {}, parse: parseHeaderFlag, check: entries('headers', parseHeaderFlag, headerFlagText) },
  { flags: '-d, --data <body>', curlName: '--data-ascii <body>', runOption: 'data', description: "default request body; @FILE reads it from FILE without CR/LF (as curl); given again, joined with & (as curl); sends Content-Type: application/x-www-form-urlencoded unless -H gives one", parse: bodyFlag('-d', { stripNewlines: true, joiner: '&' }), check: bodyValue('data') },
  { flags: '--data-binary <body>', description: 'like -d, but @FILE is sent as it is, newlines kept', parse: bodyFlag('--data-binary', { stripNewlines: false, joiner: '&' }) },
  { flags: '--data-raw <body>', description: 'like -d, but a leading @ is sent as it is (as curl)', parse: bodyFlag('--data-raw', { stripNewlines: false, readsFiles: false, joiner: '&' }) },
  { flags: '--data-urlencode <data>', description: "like -d, URL-encoded as curl does: 'name=value' encodes the value, 'value' and '=value' all of it, 'name@FILE' and '@FILE' a file's contents; after any -d pieces, joined with &", parse: parseDataUrlencode },
  { flags: '-G, --get', description: 'send the -d and --data-urlencode data in every URL\'s query, with GET, as curl -G' },
  { flags: '-T, --upload-file <file>', description: "send FILE as every request's body, with PUT unless -X says otherwise (as curl: no Content-Type of its own, and FILE's name appended to a URL whose path ends in /); - reads stdin", parse: uploadFileFlag },
  { flags: '--json <body>', description: 'like --data-binary, sent with Content-Type and Accept application/json (as curl 7.82+)', parse: bodyFlag('--json', { stripNewlines: false, joiner: '' }) },
  { flags: '-I, --head', description: 'send HEAD requests (the same as -X HEAD), as curl -I' },
  { flags: '-e, --referer <url>', description: "Referer header for every request, as in curl; ';auto' at its end (or alone) sends each redirect -L follows the URL it came from", parse: headerValueFlag('--referer', 'referer') },
  { flags: '-b, --cookie <data|file>', description: "Cookie header for every request ('a=1; b=2'), as curl -b with data; without '=', a cookie file as curl -c writes it (Netscape format): each request carries its cookies that match the URL; -b '' or a file keeps the cookies a record's redirects set, for its later hops (curl's cookie engine); repeatable", parse: parseCookieFlag },
  { flags: '-u, --user <user:password>', description: 'send Basic authorization (as curl; credentials in a URL are sent the same way)', parse: parseUserFlag },
  { flags: '--basic', description: 'accepted for curl users: -u sends Basic authorization, the only kind sent' },
  { flags: '--proto-default <scheme>', runOption: 'protoDefault', description: 'scheme for records written without one (example.com/x), as in curl', defaultValue: 'http', parse: oneOf('--proto-default', ['http', 'https'] as const) },
  { flags: '-A, --user-agent <ua>', runOption: 'userAgent', description: 'User-Agent header', defaultValue: `bulkfetch/${VERSION}`, parse: headerValueFlag('--user-agent', 'user-agent') },
  { flags: '--body <mode>', runOption: 'body', description: 'response body in output: auto (JSON as its own text, text as string, else base64), text, base64, none', defaultValue: 'auto', parse: oneOf('--body', ['auto', 'text', 'base64', 'none'] as const) },
  // CLI-only: the default already, accepted so curl command lines work; --no-compressed's row sets the field.
  { flags: '--compressed', description: 'ask for gzip, deflate and br (Accept-Encoding) and decode them (the default; accepted for curl users)' },
  { flags: '--no-compressed', runOption: 'compressed', description: 'send no Accept-Encoding and keep the body bytes as they came', defaultValue: true, check: boolean('compressed') },
  { flags: '--max-body <size>', runOption: 'maxBody', description: 'keep at most this many body bytes (after decoding; 64k, 10M as in curl), stop reading and set truncated', defaultValue: 1024 * 1024, defaultDescription: '1M', parse: byteSize('--max-body', { positive: false }) },
  { flags: '--save <dir>', runOption: 'save', description: 'stream each 2xx body to a file in DIR (named by the spec id or a hash of the request), not into the line', parse: parseSaveDir },
  { flags: '--max-filesize <size>', runOption: 'maxFilesize', description: 'fail a body larger than this with EMAXFILESIZE, as curl does, saved or not (--max-body cuts a body kept in the line instead, and does not apply to saved ones)', parse: byteSize('--max-filesize', { positive: true }) },
  { flags: '-i, --include', description: 'accepted for curl users: response headers are in every line already' },
  { flags: '--no-headers', runOption: 'includeHeaders', description: 'leave response headers out of the output', defaultValue: true, check: boolean('includeHeaders') },
  { flags: '--summary <file>', description: 'write the run summary as JSON to FILE (- for stdout, when -o FILE takes the results)' },
  { flags: '--rate <n>', runOption: 'rate', description: 'requests per second in total, over all processes and hosts (see Limits); or N/s, N/m, N/h as in curl', parse: requestRate('--rate') },
  { flags: '--per-host-concurrency <n>', runOption: 'perHostConcurrency', description: 'requests in flight per host in total, over all processes (see Limits)', parse: positiveInteger('--per-host-concurrency') },
  { flags: '--per-host-rate <n>', runOption: 'perHostRate', description: 'requests per second per host in total, over all processes (see Limits); or N/s, N/m, N/h', parse: requestRate('--per-host-rate') },
  { flags: '--resume', description: 'with -o: skip records already in FILE and append the rest; the same command line serves the first run and every restart' },
  { flags: '--grace <duration>', runOption: 'grace', description: 'on SIGINT, SIGTERM, SIGHUP or --max-errors: time requests in flight get to finish before they are aborted', defaultValue: 5000, defaultDescription: '5s', ...duration('--grace', 'grace', false) },
  { flags: '-f, --fail', curlName: '--fail-with-body', description: 'exit 1 when any record ended with an error or an HTTP status >= 400 (each line keeps its body)' },
  { flags: '--max-errors <n|p%>', runOption: 'maxErrors', description: 'stop gracefully and exit 1 once more than N records (or P% of those answered, judged from 100 on) ended with an error', parse: parseErrorLimit, check: (value) => parseErrorLimit(errorLimitText(value)) },
  { flags: '-q, --quiet', curlName: '-s, --silent', description: 'no summary (nor progress) on stderr' },
  { flags: '-S, --show-error', description: 'accepted for curl users: errors always show (usage errors on stderr, a failed record in its line)' },
  { flags: '-N, --no-buffer', description: 'accepted for curl users: each line is written as its response completes' },
  { flags: '--progress', description: 'show progress on stderr even when it is not a terminal', defaultDescription: 'on when stderr is a terminal' },
  { flags: '--no-progress', curlName: '--no-progress-meter', description: 'never show progress' },
  { flags: '--ordered', runOption: 'ordered', description: 'write results in input order (a slow record holds back the ones after it)', defaultValue: false, check: boolean('ordered') },
  { flags: '--reorder-buffer <n>', runOption: 'reorderBuffer', description: 'with --ordered: records held out of order before reading pauses', defaultValue: 4096, parse: positiveInteger('--reorder-buffer') },
  { flags: '--shard <K/N>', runOption: 'shard', description: 'process only shard K of N (0 <= K < N) by request key hash: split a list over N machines', parse: parseShard, check: (value) => parseShard(shardText(value)) },
];

/** A row's description as --help and the README show it: with curl's name for the flag, where it has one. */
export function describeOption(spec: OptionSpec): string {
  return spec.curlName === undefined ? spec.description : `${spec.description} (curl: ${spec.curlName.replace(/\s*<.*>$/, '')})`;
}

/** RunOptions fields no flag sets, with their values; library callers may set them. */
const UNFLAGGED: Pick<RunOptions, 'maxLineBytes' | 'autoReferer' | 'redirectCookies' | 'cookieFiles'> = { maxLineBytes: 64 * 1024, autoReferer: false, redirectCookies: false, cookieFiles: [] };
const UNFLAGGED_CHECKS: Record<keyof typeof UNFLAGGED, (value: unknown) => unknown> = {
  maxLineBytes: (value) => positiveInteger('maxLineBytes')(String(value)),
  autoReferer: boolean('autoReferer'),
  redirectCookies: boolean('redirectCookies'),
  cookieFiles: (value) => {
    if (!Array.isArray(value) || value.some((path) => typeof path !== 'string' || path === '')) throw new UsageError(`Expected cookieFiles to be an array of file paths, got ${describeValue(value)}`);
    return value.map((path: string) => cookieFilePath('cookieFiles', path));
  },
};

/** The default a row shows in --help and the README: computed ones by description, objects and booleans not at all. */
export function shownDefault(spec: OptionSpec): string | number | undefined {
  if (spec.defaultDescription !== undefined) return spec.defaultDescription;
  const value = spec.defaultValue;
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** The defaults a run gets for anything left out, read off the table. */
export function defaultRunOptions(): Omit<RunOptions, 'input'> {
  const options: Record<string, unknown> = { ...UNFLAGGED };
  for (const spec of OPTION_TABLE) {
    if (spec.runOption && spec.defaultValue !== undefined) {
      options[spec.runOption] = typeof spec.defaultValue === 'object' ? { ...spec.defaultValue } : spec.defaultValue;
    }
  }
  return options as unknown as Omit<RunOptions, 'input'>;
}

/** Maps commander's parsed flags onto RunOptions, row by row of the option table. */
export function runOptionsFromFlags(input: string, flags: Record<string, unknown>): RunOptions {
  const options: RunOptions = { ...defaultRunOptions(), input };
  const fields = options as unknown as Record<string, unknown>;
  for (const spec of OPTION_TABLE) {
    const value = spec.runOption && flags[new Option(spec.flags).attributeName()];
    if (spec.runOption && value !== undefined) fields[spec.runOption] = value;
  }
  // --no-cache: commander sets the --cache attribute to false.
  if ((options.cache as unknown) === false) options.cache = 'off';
  applyCurlFlags(options, flags);
  refuseConflicts(options, 'flags');
  refuseUnusableProxyVariables(options);
  return options;
}

/** Options that each make sense alone but contradict each other. */
function refuseConflicts(options: RunOptions, named: 'flags' | 'fields'): void {
  // curl takes the last of -4 and -6; a command line with both is more likely a mistake than a choice.
  if (options.ipv4Only && options.ipv6Only) throw new UsageError(`${named === 'flags' ? '-4 and -6' : 'ipv4Only and ipv6Only'} each allow one IP version: give one of them`);
}

/**
 * With no --proxy, the children read http_proxy / https_proxy as curl does;
 * one that names no usable proxy is the caller's to fix, before any child
 * starts (it crashed every child on new URL()).
 */
function refuseUnusableProxyVariables(options: RunOptions): void {
  if (options.proxy !== undefined) return;
  const problem = proxyEnvironmentProblem(process.env);
  if (problem !== undefined) throw new UsageError(problem);
}

/**
 * What curl's request flags imply: a body (-d, --data-binary, --data-raw,
 * --json) without -X sends a POST; the form ones send Content-Type:
 * application/x-www-form-urlencoded, --json sends application/json and Accept:
 * application/json; -I sends HEAD; -u sends Basic authorization; -e a Referer.
 * A header given with -H wins, but for Cookie, where -b's pairs come first.
 */
function applyCurlFlags(options: RunOptions, flags: Record<string, unknown>): void {
  const bodies = (['data', 'dataBinary', 'dataRaw', 'json'] as const).filter((name) => flags[name] !== undefined);
  if (bodies.length > 1) throw new UsageError('Give one of -d, --data-binary, --data-raw and --json: each is the whole request body');
  const encoded = flags.dataUrlencode as string | undefined;
  if (encoded !== undefined && bodies.some((name) => name !== 'data')) {
    throw new UsageError('--data-urlencode adds to -d; with --data-binary, --data-raw or --json give one of them');
  }
  // --data-urlencode pieces are form pieces like -d's: after them, joined with &.
  const kind = bodies[0] ?? (encoded === undefined ? undefined : 'data');
  const given = kind === undefined ? undefined : (flags[kind] as Buffer | undefined);
  const encodedTail = encoded === undefined ? '' : `${given ? '&' : ''}${encoded}`;
  const data = kind === undefined ? undefined : bodyData(Buffer.concat([given ?? Buffer.alloc(0), Buffer.from(encodedTail)]));
  const implied: Record<string, string> = {};
  const upload = flags.uploadFile as UploadFile | undefined;
  if (upload !== undefined) {
    // curl -T: the file is the body, sent as it is, with PUT (unless -X); nothing implied about its type.
    if (kind !== undefined) throw new UsageError('-T sends FILE as the body; -d, --data-binary, --data-raw and --json give one too: give one of them');
    if (flags.get === true || flags.head === true) throw new UsageError(`-T sends a body, which ${flags.get === true ? '-G' : '-I'} does not: drop one`);
    options.data = bodyData(upload.bytes);
    if (flags.method === undefined) options.method = 'PUT';
    if (upload.name !== undefined) options.uploadName = upload.name;
  }
  if (flags.get === true) {
    // curl -G: the data goes in every URL's query, and the method stays GET.
    if (kind === 'json') throw new UsageError('-G puts form data in the URL; --json is a request body: drop one');
    if (flags.head === true) throw new UsageError('-G and -I both set the method: give one');
    delete options.data;
    // A query is text: bytes that are not UTF-8 go as %XX, as an input line's do.
    if (data !== undefined) options.query = normalizedQuery(typeof data === 'string' ? data : percentEncodedLine(data));
  } else if (data !== undefined) {
    options.data = data;
    if (flags.method === undefined) options.method = 'POST';
    implied['content-type'] = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    if (kind === 'json') implied.accept = 'application/json';
  }
  if (flags.head === true) {
    // curl refuses both too ("You can only select one HTTP request method!").
    if (kind !== undefined) throw new UsageError('-I sends HEAD requests, which have no body: drop -I or the body flag');
    if (flags.method !== undefined && flags.method !== 'HEAD') throw new UsageError(`-I (HEAD) and -X ${String(flags.method)} contradict each other; give one`);
    options.method = 'HEAD';
  }
  if (typeof flags.parallelMax === 'number') {
    // Given with --concurrency, it is refused before this (preflight's CONFLICTS).
    // curl's limit is the whole run's, and a user gentle with a server means "at most": spread it over
    // the processes in equal parts, over fewer of them (a divisor of N) when --procs is not given.
    const total = flags.parallelMax;
    if (flags.procs === undefined) options.procs = largestDivisorUpTo(total, options.procs);
    else if (options.procs > total) throw new UsageError(`--parallel-max ${total} is less than --procs ${options.procs}: each process keeps at least one request in flight`);
    options.concurrency = Math.floor(total / options.procs);
  }
  if (typeof flags.user === 'string') implied.authorization = flags.user;
  if (typeof flags.referer === 'string') {
    // curl's ';auto' (alone, or after a first Referer): each followed redirect sends the URL it left.
    const auto = /;auto$/.exec(flags.referer);
    const referer = auto ? flags.referer.slice(0, auto.index) : flags.referer;
    if (referer !== '') implied.referer = referer;
    if (auto) options.autoReferer = true;
  }
  const headers = { ...implied, ...options.headers };
  const flagCookie = options.headers.cookie;
  const cookie = flags.cookie as CookieFlag | undefined;
  if (cookie?.pairs !== undefined) headers.cookie = flagCookie === undefined || flagCookie === null ? cookie.pairs : `${cookie.pairs}; ${flagCookie}`;
  if (cookie?.redirectCookies) options.redirectCookies = true;
  if (cookie && cookie.files.length > 0) options.cookieFiles = cookie.files;
  options.headers = headers;
}

/**
 * -G data as WHATWG parsing would write it in a query: what is sent is what a
 * URL with it would send. A # would end the query there, dropping the rest, so
 * it is sent as %23 (curl sends it raw, which no URL can carry).
 */
function normalizedQuery(text: string): string {
  return new URL(`http://h/?${text.replaceAll('#', '%23')}`).search.slice(1);
}

/** The largest p <= max that divides n: --parallel-max N over p processes of N / p each. */
function largestDivisorUpTo(n: number, max: number): number {
  for (let p = Math.min(n, max); p > 1; p--) if (n % p === 0) return p;
  return 1;
}

/**
 * RunOptions from a library caller's partial options: defaults filled in, and
 * every value checked by its row, so the library refuses exactly what the CLI
 * refuses (UsageError, expected-versus-got message). Unknown names are refused.
 */
export function resolveRunOptions(input: string, given: Record<string, unknown>): RunOptions {
  const options: RunOptions = { ...defaultRunOptions(), input };
  const fields = options as unknown as Record<string, unknown>;
  const rows = new Map(OPTION_TABLE.filter((spec) => spec.runOption).map((spec) => [spec.runOption as string, spec]));
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = rows.get(key);
    const unflagged = UNFLAGGED_CHECKS[key as keyof typeof UNFLAGGED];
    if (!spec && !unflagged) throw new UsageError(`Unknown option ${JSON.stringify(key)}`);
    fields[key] = unflagged ? unflagged(value) : inApiTerms(spec as OptionSpec, key, value);
  }
  refuseConflicts(options, 'fields');
  refuseUnusableProxyVariables(options);
  return options;
}

/**
 * Runs a row's check in the library caller's terms: the option as they named it
 * (`timeout`, not `--timeout`), and the value as they gave it (5, not "5").
 */
function inApiTerms(spec: OptionSpec, field: string, value: unknown): unknown {
  try {
    return checkValue(spec, field, value);
  } catch (error) {
    const flag = new Option(spec.flags).long;
    if (!(error instanceof UsageError) || flag === undefined) throw error;
    const message = error.message.replaceAll(flag, field)
      .replace(typeof value === 'number' ? describeValue(String(value)) : /$^/, describeValue(value));
    throw new UsageError(message, { cause: error });
  }
}

function checkValue(spec: OptionSpec, field: string, value: unknown): unknown {
  if (spec.check) return spec.check(value);
  if (typeof value !== 'number' && typeof value !== 'string') throw new UsageError(`Expected ${field} to be a number or a string, got ${describeValue(value)}`);
  return spec.parse ? spec.parse(String(value), undefined) : value;
}

function errorLimitText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'kind' in value && 'max' in value) {
    const { kind, max } = value as { kind: unknown; max: unknown };
    return `${String(max)}${kind === 'percent' ? '%' : ''}`;
  }
  return String(value);
}

function shardText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'index' in value && 'count' in value) {
    const { index, count } = value as { index: unknown; count: unknown };
    return `${String(index)}/${String(count)}`;
  }
  return String(value);
}
