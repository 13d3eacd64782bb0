import { UsageError } from '../errors.js';
import { MAX_CONCURRENCY } from '../defaults.js';
import { percentEncodedLine } from '../input/non-utf8.js';
import type { RunOptions } from '../run-types.js';
import { bodyData, type UploadFile } from './body-flags.js';
import type { CookieFlag } from './request-flags.js';

/**
 * What curl's request flags imply: a body (-d, --data-binary, --data-raw,
 * --json) without -X sends a POST; the form ones send Content-Type:
 * application/x-www-form-urlencoded, --json sends application/json and Accept:
 * application/json (with their body: not with a spec's own); -I sends HEAD; -u sends Basic authorization; -e a Referer.
 * A header given with -H wins, but for Cookie, where -b's pairs come first.
 */
export function applyCurlFlags(options: RunOptions, flags: Record<string, unknown>): void {
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
  // What -d or --json say of their body: a spec's own body (`body`, `json`, `bodyBase64`) goes without it.
  const bodyImplied: Record<string, string> = {};
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
    delete options.data;
    // A query is text: bytes that are not UTF-8 go as %XX, as an input line's do.
    if (data !== undefined) options.query = normalizedQuery(typeof data === 'string' ? data : percentEncodedLine(data));
  } else if (data !== undefined) {
    options.data = data;
    if (flags.method === undefined) options.method = 'POST';
    bodyImplied['content-type'] = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    if (kind === 'json') bodyImplied.accept = 'application/json';
  }
  // -X HEAD is -I's method, and its help says the same as -I: a body with it is refused as with -I.
  if (flags.head !== true && flags.method === 'HEAD' && ((kind !== undefined && flags.get !== true) || upload !== undefined)) {
    throw new UsageError('-X HEAD sends HEAD requests, which have no body: drop -X HEAD or the body flag');
  }
  if (flags.head === true) {
    // curl refuses a body too ("You can only select one HTTP request method!"); with -G the data is the query of a HEAD, as in curl.
    if (kind !== undefined && flags.get !== true) throw new UsageError('-I sends HEAD requests, which have no body: drop -I or the body flag');
    if (flags.method === undefined || flags.method === 'HEAD') options.method = 'HEAD';
    // curl -I -X GET: -X changes the method's word alone, and -I still shows the headers alone (a GET, its
    // body unread): the line leaves the body out (--body none) unless --body gives another mode.
    else if (options.body === 'auto') options.body = 'none';
  }
  if (typeof flags.parallelMax === 'number') {
    // Given with --concurrency, it is refused before this (preflight's CONFLICTS).
    // curl's limit is the whole run's, and a user gentle with a server means "at most": spread it over
    // the processes in equal parts, over fewer of them (a divisor of N) when --procs is not given.
    const total = flags.parallelMax;
    if (flags.procs === undefined) options.procs = largestDivisorUpTo(total, options.procs);
    else if (options.procs > total) throw new UsageError(`--parallel-max ${total} is less than --procs ${options.procs}: each process keeps at least one request in flight`);
    options.concurrency = Math.floor(total / options.procs);
    if (options.concurrency > MAX_CONCURRENCY) throw new UsageError(`--parallel-max ${total} over --procs ${options.procs} is ${options.concurrency} requests in flight a process, more than the ${MAX_CONCURRENCY} descriptors Linux allows one`);
  }
  if (typeof flags.user === 'string') implied.authorization = flags.user;
  if (typeof flags.referer === 'string') {
    // curl's ';auto' (alone, or after a first Referer): each followed redirect sends the URL it left.
    const auto = /;auto$/.exec(flags.referer);
    const referer = auto ? flags.referer.slice(0, auto.index) : flags.referer;
    if (referer !== '') implied.referer = referer;
    if (auto) options.autoReferer = true;
  }
  const headers = { ...bodyImplied, ...implied, ...options.headers };
  // -H's own names, removals among them: a record's implied headers yield to these (RequestSpec.implied).
  const headerFlagNames = Object.keys(options.headers).filter((name) => name !== 'cookie');
  if (headerFlagNames.length > 0) options.headerFlagNames = headerFlagNames;
  const dataHeaderNames = Object.keys(bodyImplied).filter((name) => !(name in options.headers));
  if (dataHeaderNames.length > 0) options.dataHeaderNames = dataHeaderNames;
  const flagCookie = options.headers.cookie;
  const cookie = flags.cookie as CookieFlag | undefined;
  // -H 'Cookie:' removes the header, -b's pairs with it, as curl does: a Cookie header of the user's makes curl drop them.
  if (cookie?.pairs !== undefined && flagCookie !== null) headers.cookie = flagCookie === undefined ? cookie.pairs : `${cookie.pairs}; ${flagCookie}`;
  if (cookie?.redirectCookies) options.redirectCookies = true;
  if (cookie && cookie.files.length > 0) options.cookieFiles = cookie.files;
  options.headers = headers;
  // Both known now: a length the flag body does not have would fail every record that sends it.
  const declared = options.headers['content-length'];
  if (typeof declared === 'string' && options.data !== undefined && Number(declared) !== Buffer.byteLength(options.data)) {
    throw new UsageError(`-H 'Content-Length: ${declared}' does not match the ${Buffer.byteLength(options.data)} bytes of the body the flags send: leave it out and it is computed`);
  }
}

/**
 * -G data as WHATWG parsing would write it in a query: what is sent is what a
 * URL with it would send. A # would end the query there, dropping the rest, so
 * it is sent as %23 (curl sends it raw, which no URL can carry); tabs and line
 * breaks, which URL parsing drops without a word (`a=1\nb=2` became `a=1b=2`),
 * go as %09, %0A and %0D (curl refuses them as a malformed URL).
 */
function normalizedQuery(text: string): string {
  const kept = text.replace(/[#\t\n\r]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return new URL(`http://h/?${kept}`).search.slice(1);
}

/** The largest p <= max that divides n: --parallel-max N over p processes of N / p each. */
function largestDivisorUpTo(n: number, max: number): number {
  for (let p = Math.min(n, max); p > 1; p--) if (n % p === 0) return p;
  return 1;
}
