import { RecordErrorCode, recordError, type RecordError, visibleControls } from '../errors.js';
import { fitsDns } from './normalized-url.js';

// RFC 9110 token: what a method or header name may be made of.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: any text but control characters (tab aside); never CR, LF or NUL.
const FIELD_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
const NON_ASCII = /[^\x00-\x7f]/;
/** Headers the HTTP client writes from the body and the connection; undici refuses them in a request. */
const CLIENT_HEADERS = new Set(['transfer-encoding', 'keep-alive', 'upgrade']);
const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']);
/** Methods we never send: CONNECT hijacks the connection, and undici refuses it in request(). */
const REFUSED_METHODS = new Set(['CONNECT']);

/** Returns the method in its canonical case, or an error record. */
export function validateMethod(method: unknown): string | RecordError {
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    return recordError(RecordErrorCode.INVALID_METHOD, `Expected an HTTP method token, got ${preview(method)}`);
  }
  const upper = method.toUpperCase();
  if (REFUSED_METHODS.has(upper)) {
    return recordError(RecordErrorCode.INVALID_METHOD, `Method ${upper} is not supported`);
  }
  // "get" and "GET" are the same request to a user; undici would send them as given.
  return STANDARD_METHODS.has(upper) ? upper : method;
}

/**
 * A header value as it goes on the wire. undici writes header strings as
 * latin1, one byte a character: é would go out as the byte E9 and € would be
 * refused. curl sends the bytes it was given, which from a terminal or a JSON
 * file are UTF-8, so a value past ASCII is turned into its UTF-8 bytes, one
 * latin1 character each, and undici writes exactly those.
 */
export function wireHeaderValue(value: string): string {
  return NON_ASCII.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/** A header name must be an RFC 9110 token. */
export function validateHeaderName(name: unknown): RecordError | null {
  return typeof name === 'string' && TOKEN.test(name) ? null : recordError(RecordErrorCode.INVALID_HEADER, `Expected a header name token, got ${preview(name)}`);
}

/**
 * Checks a header's removal (-H 'Name:', a spec's null): a name, and not one the
 * HTTP client always writes. Removing Host or Connection did nothing (undici sends
 * both), where curl sends neither: said, not done without a word.
 */
export function validateHeaderRemoval(name: unknown): RecordError | null {
  const badName = validateHeaderName(name);
  if (badName || typeof name !== 'string') return badName;
  const lower = name.toLowerCase();
  if (lower === 'host') return recordError(RecordErrorCode.INVALID_HEADER, 'Host cannot be removed: every HTTP/1.1 request carries one (the URL\'s host, or the one -H gives)');
  if (lower === 'connection') return recordError(RecordErrorCode.INVALID_HEADER, 'Connection cannot be removed: connections are kept alive, and the client says so (Connection: close is taken)');
  return null;
}

/** Headers whose value is a credential: never echoed on stderr, which logs keep, nor in a line's message. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * A header given more than once (-H twice, a spec's list or two spellings of its name) as the one field it
 * is sent as: its values joined as HTTP joins them (`, `; `; ` for Cookie), but for Host, which holds one
 * value (RFC 9112, 3.2): the first, as curl sends it (joined, nginx answered 400).
 */
export function joinHeaderValues(name: string, values: readonly string[]): string {
  const key = name.toLowerCase();
  if (key === 'host') return values[0] ?? '';
  // An empty value (-H 'X;', a list's "") is no element of the list: joined, ', v' and '; a=1' were sent.
  return values.filter((value) => value.trim() !== '').join(key === 'cookie' ? '; ' : ', ');
}

/**
 * A header value without the spaces and tabs around it, as curl and RFC 9110 (5.5) take them off: HTTP/2 forbids
 * them (RFC 9113, 8.2.1: nghttpd reset the stream, node:http2 dropped the field). Spaces and tabs only:
 * String.prototype.trim() took a no-break space (pasted with a token from a page) off, and sent other bytes than given.
 */
export function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Checks one header; returns null when valid. */
export function validateHeader(name: unknown, value: unknown): RecordError | null {
  const badName = validateHeaderName(name);
  if (badName || typeof name !== 'string') return badName;
  if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
    const got = SECRET_HEADERS.has(name.toLowerCase()) ? ' (its value is a credential, not shown)' : `, got ${preview(value)}`;
    return recordError(RecordErrorCode.INVALID_HEADER, `Header ${name}: expected a value without CR, LF or control characters${got}`);
  }
  // What undici would refuse at send time, refused here with a reason, once, before anything is sent.
  const lower = name.toLowerCase();
  if (CLIENT_HEADERS.has(lower)) {
    return recordError(RecordErrorCode.INVALID_HEADER, `Header ${name} is written by the HTTP client from the body and the connection; leave it out`);
  }
  // undici takes the TLS server name from Host, and asserted on an IPv6 bracket left open: the record was EPROTOCOL,
  // blamed on a response that never came (curl sends it as written; no server can read a host from it).
  if (lower === 'host' && value.startsWith('[') && !value.includes(']')) {
    return recordError(RecordErrorCode.INVALID_HEADER, `Header ${name}: an IPv6 address is written in brackets, [::1] or [::1]:8080, got ${preview(value)}`);
  }
  if (lower === 'content-length' && !/^\d+$/.test(value)) {
    return recordError(RecordErrorCode.INVALID_HEADER, `Header ${name}: expected a number of bytes, got ${preview(value)}`);
  }
  // undici writes Connection itself, from close alone: any other option (upgrade, TE, a header's name) was
  // dropped without a word, and the request went with "keep-alive".
  // Empty list items (`close,`) are no options: RFC 9110 (5.6.1) has a recipient ignore them.
  if (lower === 'connection' && !value.split(',').every((option) => /^(close|keep-alive)?$/i.test(option.trim()))) {
    return recordError(RecordErrorCode.INVALID_HEADER, `Header ${name}: only close or keep-alive can be sent (the HTTP client writes this header, and drops every other option), got ${preview(value)}`);
  }
  // undici refuses an Expect header: 100-continue is dropped (the body goes at once, as RFC 9110 allows);
  // any other expectation was dropped too, where curl sends it and a server answers 417.
  // An empty one (-H 'Expect;') expects nothing: dropped, as before, with 100-continue.
  if (lower === 'expect' && !value.split(',').every((item) => /^(100-continue)?$/i.test(item.trim()))) {
    return recordError(RecordErrorCode.INVALID_HEADER, `Header ${name}: only 100-continue is taken (and not sent: the body goes at once); the HTTP client sends no other expectation, got ${preview(value)}`);
  }
  return null;
}

/**
 * A line of a curl config file (`curl -Z -K FILE`, as curl -Z users keep their
 * lists): `url = "..."`, `output = "..."`, `--url ...`; its option's name.
 */
const CURL_CONFIG_LINE = /^(?:--)?(url|output|header|data|user-agent|referer|request)(?:[ \t]*[=:][ \t]*|[ \t]+)"?\S/i;
/** The command that takes a curl config file's URLs out, one a line. */
// Indented lines, a CRLF file and a space after the URL as curl reads them (the first form dropped those lines, or kept the space).
export const CURL_CONFIG_URLS = `sed -nE 's/^[[:space:]]*(--)?url[[:space:]=:]+"?([^"[:space:]]+)"?[[:space:]]*$/\\2/p' FILE`;

/** What to do with a line of a curl config file, or undefined for any other line. */
function curlConfigHint(text: string): string | undefined {
  const option = CURL_CONFIG_LINE.exec(text)?.[1];
  if (option === undefined) return undefined;
  return `a curl config line (curl -K) is not read; ${/^url$/i.test(option) ? '' : 'give its options on the command line, and '}write the URLs out one a line: ${CURL_CONFIG_URLS}`;
}

/**
 * A record without a scheme gets the default one, as curl does: `example.com/x`,
 * `127.0.0.1:8080/x` and `localhost:8080` are host[:port] forms, and so is
 * `user:secret@host/x`, whose `user:` is credentials (an `@` before any `/`, `?`
 * or `#`: the password was echoed in an EUNSUPPORTEDSCHEME line, where curl sends
 * it as Basic authorization). `mailto:x@y`, `data:...` keep their scheme (and are
 * refused as unsupported).
 */
function withDefaultScheme(text: string, scheme: string): string {
  if (text.includes('://')) return text;
  const colon = /^[A-Za-z][A-Za-z0-9+.-]*:(.?)/.exec(text);
  if (colon && !/\d/.test(colon[1] ?? '') && !CREDENTIALS_FIRST.test(text)) return text;
  return `${scheme}://${text}`;
}

/** A number, or two or three dotted, alone as the host (an ID, `1.2`): a dotted quad is an address as written, and stays. */
const NUMBER_AS_HOST = /^\d+(?:\.\d+){0,2}(?::\d*)?(?:[/?#]|$)/;

/** grep's output over several files or with -n: `urls.txt:3:http://...`, `3:http://...`. */
const GREP_PREFIX = /^(?:[^\s:/]+:(?:\d+:)?|\d+:)https?:\/\//i;
const GREP_HINT = "grep's file name or line number before the URL: grep -h, without -n, gives the URLs alone";

/** NULs between the characters: UTF-16 that came without its byte order mark, which is read as UTF-8. */
const UTF16_WITHOUT_MARK = "NUL bytes between the characters: UTF-16 text without a byte order mark; convert it with iconv -f UTF-16LE -t UTF-8, or -f UTF-16BE when the file's first byte is 0 (big-endian: LE read it as other characters)";

/**
 * What to do with a line of columns: a TSV row's URL column named by its number (a hint of cut -f1
 * sent users to the wrong one), a pretty-printed spec's `"url": ...` line, or one URL a line.
 */
function tabularHint(text: string): string {
  if (/^\s*"url"\s*:/.test(text)) return 'a line of a spec written over several lines: a spec is one line (jq -c . writes them so)';
  const column = text.includes('\t') ? text.split('\t').findIndex((field) => /^\s*"?https?:\/\//i.test(field)) : -1;
  if (column >= 0) return `a TSV line: take its URL column first, e.g. cut -f${column + 1}`;
  // `http://host/my file.pdf`: one URL whose name has a space, not two.
  return / /.test(text) && !/ \S*:\/\//.test(text) ? 'one URL a line; a space inside a URL is written %20' : 'one URL a line';
}

/** `user:password@` at the start of a record without a scheme (mailto:'s address has an `@` there too). */
const CREDENTIALS_FIRST = /^(?!mailto:)[^/?#@]*@/i;

/** A URL written between single quotes, backquotes or angle brackets (a shell's, Markdown's or mail's way). */
const WRAPPED = /^(?:'[a-z][a-z0-9+.-]*:\/\/[^']*'|`[a-z][a-z0-9+.-]*:\/\/[^`]*`|<[a-z][a-z0-9+.-]*:\/\/[^>]*>)$/i;

/** A spreadsheet's header row: a URL column's name, quoted or not, alone or before other columns. */
const CSV_HEADER = /^"?(?:url|urls|uri|href)"?(?:[,;\t].*)?$/i;

/**
 * A spreadsheet export's header row (`url`, `"Url",name`), read on one of a list's first lines: taken for a host
 * named url, it was looked up in DNS, and ENOTFOUND said to check its spelling. Undefined for anything else.
 */
export function csvHeaderRow(text: string): RecordError | undefined {
  if (!CSV_HEADER.test(text)) return undefined;
  return recordError(RecordErrorCode.INVALID_URL, `A CSV header row, not a URL: give the list without it (tail -n +2 FILE), and its URL column alone: ${preview(text)}`);
}

/** A URL that opens with a typographic quote (“...”, ‘...’, „...“, «...»), as word processors turn straight ones. */
const TYPOGRAPHIC_QUOTED = /^[\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u2039][a-z][a-z0-9+.-]*:\/\//i;

/**
 * Invisible characters: soft hyphen, NEL, Arabic letter mark, zero-width space and direction marks, bidi controls,
 * word joiners. Not the zero-width joiner and non-joiner (U+200D, U+200C): emoji sequences (👩‍💻) and Persian and
 * Indic words hold them as characters of their own; nor the Mongolian vowel separator (U+180E), a character inside
 * Mongolian words (ᠬᠠᠷ᠎ᠠ).
 */
const INVISIBLE = /[\u00ad\u0085\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f]/;

/** A character as Unicode names it: `U+00A0`. */
function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The method of a line written as vegeta's targets and HTTP logs write a request (`DELETE http://...`): not read
 * as one, but the method that line asked for, which its error record shows (`select(.method == "DELETE")` finds it).
 */
export function methodBeforeUrl(text: string): string | undefined {
  // HTTP's and WebDAV's methods: `TODO fixme` is a note, not a request (its record said method TODO).
  return /^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|TRACE|CONNECT|QUERY|PURGE|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|SEARCH|REPORT)[ \t]+\S+$/.exec(text)?.[1];
}

/** What whitespace in a URL most likely means, from what the text looks like and where it came from. */
function whitespaceHint(text: string, from: 'line' | 'spec'): string {
  // A Unicode space (a no-break space pasted from a page) looks like none, or like an ASCII one: named.
  const unicodeSpace = /[^\x00-\x7f]/.exec(/\s/.exec(text)?.[0] ?? '')?.[0];
  if (unicodeSpace !== undefined) {
    return `${codePointName(unicodeSpace)} at character ${text.indexOf(unicodeSpace) + 1}, a Unicode space (pasted from a web page or a document?); where it belongs in the URL, write it as ${encodeURIComponent(unicodeSpace)}`;
  }
  // vegeta's targets and HTTP logs write 'GET http://...': say how bulkfetch takes a method.
  const method = methodBeforeUrl(text);
  if (method !== undefined) return `a method before the URL is not read: -X ${method} sets it for every URL line, a JSON spec line ({"method": "${method}", "url": ...}) for one`;
  // A spec's url is a JSON string: what its whitespace says of the input's lines (CR endings, a TSV row) is not so.
  if (from === 'spec') return 'a URL holds none: write a space as %20';
  if (text.includes('\u0000')) return UTF16_WITHOUT_MARK;
  // A file with CR line endings alone (classic Mac OS) is one line holding every URL.
  if (text.includes('\r')) return "a carriage return inside the line: a file whose lines end in CR alone is one line here; convert it with tr '\\r' '\\n'";
  const curlConfig = curlConfigHint(text);
  if (curlConfig !== undefined) return curlConfig;
  if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]/.test(text)) return "a header line is not read: -H 'Name: value' sets it for every record, a JSON spec line's \"headers\" for one";
  return tabularHint(text);
}

/** A bracketed IPv6 host with a zone ID (`[fe80::1%25eth0]`, `[fe80::1%eth0]`). */
const IPV6_ZONE = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/?#]*@)?\[?[0-9a-f]*:[0-9a-f:.]*%/i;

/** A host name's characters, as the URL parser leaves them (lowercase, IDNA as xn--): labels of letters, digits, '-' and '_'. */
const DNS_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/;

/** C0 controls and DEL, but for the whitespace ones (tab to carriage return), which have a message of their own. */
const CONTROL = /[\x00-\x08\x0e-\x1f\x7f]/;

/**
 * The URL meant by text whose scheme is mistyped (`http:/x`, `https//x`, `http;//x`, `http:x`, `http:\\x`, `//x`),
 * or undefined. An argument so written reads as a file's name; a line of a file, `http:127.0.0.1:8080/x`, was read
 * as a host named http, and refused as having "more than one : after the host".
 */
export function mistypedScheme(text: string): string | undefined {
  if (/^\/\/[^/\s]/.test(text)) return `http:${text}`;
  const typo = /^(https?)(:\/?|:\/{3,}|\/\/|;\/\/|:)(?=[^/\s])/i.exec(text);
  return typo === null ? undefined : `${(typo[1] as string).toLowerCase()}://${text.slice(typo[0].length).replace(/^\\+/, '')}`;
}

/**
 * What is wrong with a URL's host and port that WHATWG's parser refused without a word: an IPv6 address
 * outside brackets (`http://::1:8080/`, `::1`), a port past 65535. '' when neither.
 */
function authorityHint(text: string): string {
  const authority = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)/i.exec(text)?.[1] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const colons = hostPort.match(/:/g)?.length ?? 0;
  if (!hostPort.includes('[') && colons >= 2) {
    // Hex groups and colons, with a :: or more than two colons: an IPv6 address. Otherwise a port given twice
    // (`127.0.0.1:8080:`, `host:80:80`).
    const ipv6 = /^[0-9a-f:.]+$/i.test(hostPort) && (hostPort.includes('::') || colons > 2);
    return ipv6 ? ' (an IPv6 address goes between brackets, its port after them: http://[::1]:8080/)' : ' (more than one : after the host: a URL has one port, after one colon)';
  }
  const port = /:(\d+)$/.exec(hostPort)?.[1];
  return port !== undefined && Number(port) > 65535 ? ` (port ${port} is past 65535)` : '';
}

/**
 * Parses and normalizes an http(s) URL; anything else is an error record.
 * Parsed as a URL object so callers can read its parts (credentials) without a second parse.
 */
export function parseUrl(text: unknown, defaultScheme = 'http', from: 'line' | 'spec' = 'line'): URL | RecordError {
  if (typeof text !== 'string' || text.length === 0) {
    return recordError(RecordErrorCode.INVALID_URL, `Expected a URL, got ${preview(text)}`);
  }
  // WHATWG parsing would drop tabs and newlines and encode spaces: a TSV line or two URLs
  // on one line would be fetched as one joined URL. curl refuses them too.
  if (/\s/.test(text)) return recordError(RecordErrorCode.INVALID_URL, `URL contains whitespace (${whitespaceHint(text, from)}): ${preview(text)}`);
  // Zero-width and formatting characters pasted with a URL from a document or a page (a zero-width space, a soft
  // hyphen, a direction mark, NEL) are invisible where it is shown: sent, they asked for another resource than the one seen.
  const invisible = INVISIBLE.exec(text);
  if (invisible !== null) {
    return recordError(RecordErrorCode.INVALID_URL, `URL contains an invisible character (${codePointName(invisible[0])} at character ${invisible.index + 1}, a zero-width or formatting character: pasted from a document or a web page?); where it belongs in the URL, write it as ${encodeURIComponent(invisible[0])}: ${preview(text)}`);
  }
  // vegeta's text targets put a body file on the line after its request (`@body.json`): read as a URL, it
  // was a GET to a host named after the file (body.json), a request to a real host if that name resolves.
  if (text.startsWith('@')) {
    return recordError(RecordErrorCode.INVALID_URL, `A vegeta body line (@FILE) is not read: give a record's body in a JSON spec line ("body" or "bodyBase64"), or -d @FILE for every record: ${preview(text)}`);
  }
  // `https//host/x`, its colon left out, is a valid URL without a scheme: a GET to a host named https, asked of
  // the resolver for every such line (curl asks it too). No network names a host so; the URL meant is plain.
  if (/^https?\/\/[^/\s]/i.test(text)) {
    return recordError(RecordErrorCode.INVALID_URL, `Not a valid URL (its scheme is written without the ':' after it: ${preview(mistypedScheme(text)).slice(1, -1)}): ${preview(text)}`);
  }
  // WHATWG parsing strips control characters from the ends and percent-encodes them inside, so
  // a line of binary noise would be sent as a URL; curl refuses them ("Malformed input").
  const control = CONTROL.exec(text);
  if (control !== null) {
    const code = `0x${control[0].charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;
    const hint = /^.?\u0000?h\u0000t\u0000t\u0000p/i.test(text) ? ` (${UTF16_WITHOUT_MARK})` : '';
    return recordError(RecordErrorCode.INVALID_URL, `URL contains control character ${code} at character ${control.index + 1}${hint}: ${preview(text)}`);
  }
  if (!text.includes('://')) {
    // A number alone is an IPv4 address to a URL parser (`1001` is 0.0.3.233, `1.2` is 1.0.0.2): a list of IDs
    // was sent, with the run's -X and -H (its Authorization too), to addresses across the internet.
    if (NUMBER_AS_HOST.test(text)) {
      return recordError(RecordErrorCode.INVALID_URL, `A number alone is no URL: with http:// before it, it would be read as an IPv4 address (a list of IDs? make each line its URL first, e.g. sed 's#^#https://api.example.com/items/#' ids.txt): ${preview(text)}`);
    }
    // `-s`, `--next`: a command line's option (a curl config file's line), where no host name begins with a hyphen.
    if (text.startsWith('-')) {
      return recordError(RecordErrorCode.INVALID_URL, `An option, not a URL (a curl config file's line? give such options on the command line): ${preview(text)}`);
    }
  }
  let url: URL;
  try {
    url = parseAsWritten(withDefaultScheme(text, defaultScheme));
  } catch {
    // A curl config line without spaces (`url="..."`), or a CSV row (`7,https://...`) whose URL column is the record.
    const curlConfig = curlConfigHint(text);
    const meant = mistypedScheme(text);
    const hint = curlConfig !== undefined
      ? ` (${curlConfig})`
      : GREP_PREFIX.test(text)
        ? ` (${GREP_HINT})`
      : /^"https?:\/\/[^"]*"\s*[,;]/i.test(text)
        ? ' (a CSV line: take its URL column first, e.g. cut -d, -f1, and write it without the quotes)'
      : /[,;]\s*"?https?:\/\//i.test(text)
        ? ' (a CSV line: take its URL column first, e.g. cut -d, -f2)'
        : WRAPPED.test(text)
          ? ' (a URL between quotes or <>: write it without them; a JSON string in double quotes is taken)'
          : TYPOGRAPHIC_QUOTED.test(text)
            ? ' (a URL between typographic quotes, pasted from a document?: write it without them)'
          : IPV6_ZONE.test(text)
            ? ' (an IPv6 address with a zone ID, the % and the interface after it: not taken, as WHATWG URLs have none; so a link-local fe80:: address cannot be asked)'
            : meant !== undefined
              ? ` (its scheme is written without the two slashes after it: ${preview(meant).slice(1, -1)})`
              : authorityHint(text);
    return recordError(RecordErrorCode.INVALID_URL, `Not a valid URL${hint}: ${preview(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // file:, data:, javascript:, ftp: ... are refused here, so nothing on the
    // local disk (or anywhere but an HTTP server) is ever read for a record.
    return recordError(
      RecordErrorCode.UNSUPPORTED_SCHEME,
      `Expected an http: or https: URL, got scheme ${JSON.stringify(url.protocol)}${GREP_PREFIX.test(text) ? ` (${GREP_HINT})` : ''}`,
    );
  }
  if (url.hostname === '') {
    return recordError(RecordErrorCode.INVALID_URL, `URL has no host: ${preview(text)}`);
  }
  // A path without a host (`/a/b`, `./a`: http:///a/b reads host "a") or a stray line of JSON (`}`) is no URL to send.
  if (!text.includes('://') && /^[/.]/.test(text)) return recordError(RecordErrorCode.INVALID_URL, `A path, not a URL (give its scheme and host: http://HOST/path): ${preview(text)}`);
  if (!url.hostname.startsWith('[') && !DNS_NAME.test(url.hostname)) {
    // `a..b` and `.a` hold only a name's characters: what they lack is a label between two dots.
    if (/^\.|\.\./.test(url.hostname) && /^[a-z0-9_.-]+$/.test(url.hostname)) return recordError(RecordErrorCode.INVALID_URL, `URL's host has an empty label (two dots in a row, or a dot first): ${preview(text)}`);
    return recordError(RecordErrorCode.INVALID_URL, `URL's host holds characters no host name has (letters, digits, '-', '_', '.'): ${preview(text)}`);
  }
  // A name no DNS holds (RFC 1035: 253 characters, 63 a label) failed as getaddrinfo's EINVAL, EUNKNOWN.
  if (url.hostname.length > 63 && !url.hostname.startsWith('[') && !fitsDns(url.hostname)) {
    return recordError(RecordErrorCode.INVALID_URL, `URL's host name is longer than DNS allows (253 characters, 63 a label): ${preview(text)}`);
  }
  // No server listens on port 0: a connect there is refused, and Node's message leaves the port out.
  if (url.port === '0') return recordError(RecordErrorCode.INVALID_URL, `URL's port is 0, which no server listens on: ${preview(text)}`);
  return url;
}

/**
 * What parseAsWritten wrote in place of what the parser would rewrite, for
 * writtenHref() to put back: each `%2E` and `%2e` of a URL, and where this Node
 * percent-encodes it in a path, each `^`. A marker is an escape the parser keeps
 * as it is (it is none), chosen among these so that the URL does not hold it
 * already (a `%2z` of the user's own would otherwise come back as `%2e`).
 */
const hiddenByMarkers = new WeakMap<URL, Hidden>();
interface Marker { upper: string; lower: string; pattern: RegExp }
interface Hidden { dots: Marker | undefined; carets: Marker | undefined }
const markers = (digit: string): readonly Marker[] => ['Z', 'Y', 'X', 'W', 'V', 'U', 'T', 'S', 'R', 'Q', 'P', 'O', 'N', 'M', 'L', 'K', 'J', 'I', 'H', 'G'].map((letter) => ({
  upper: `%${digit}${letter}`,
  lower: `%${digit}${letter.toLowerCase()}`,
  pattern: new RegExp(`%${digit}(${letter}|${letter.toLowerCase()})`, 'g'),
}));
const DOT_MARKERS = markers('2');
const CARET_MARKERS = markers('5');

/**
 * Whether this Node's URL parser percent-encodes `^` in a path: Node 24's does (the WHATWG URL standard added it to
 * the path percent-encode set), Node 20's keeps it, as curl does and the README says. Left to the parser, the
 * request line, the line's `url` and the cache key changed with the Node that ran the list.
 */
const PATH_ENCODES_CARET = new URL('http://a.test/^').pathname !== '/^';

/** A marker `text` does not hold, in either case; undefined when each is taken (20 kinds of bad escape in one URL). */
function freeMarker(choices: readonly Marker[], text: string): Marker | undefined {
  const lower = text.toLowerCase();
  return choices.find((marker) => !lower.includes(marker.lower));
}

/** The markers for what `texts` hold that the parser would rewrite; undefined when there is nothing to hide. */
function markersFor(...texts: string[]): Hidden | undefined {
  const all = texts.join(' ');
  const dots = /%2e/i.test(all) ? freeMarker(DOT_MARKERS, all) : undefined;
  const carets = PATH_ENCODES_CARET && all.includes('^') ? freeMarker(CARET_MARKERS, all) : undefined;
  return dots === undefined && carets === undefined ? undefined : { dots, carets };
}

/**
 * The URL as written, where WHATWG parsing would ask for another resource than
 * the line names and curl does not: it takes `\` for `/` (`/a\b` is `/a/b`,
 * and `http://host:80\x` a URL), and it resolves `%2e` as `.` in dot segments
 * (`/a/%2e%2e/b` is `/b`; a scanner's list asks for exactly those paths). A
 * backslash goes percent-encoded, as a quote does (what a URL cannot carry as it
 * is), so one in the host is refused as curl refuses it; a `%2e` after the host,
 * and a `^` in the path where this Node's parser would encode it, is hidden from
 * the parser behind a marker and put back by writtenHref(). Plain `.` and `..`
 * segments are resolved, as curl does. An href writtenHref gave parses back to
 * the same URL: whatever takes a record's url apart again parses it here, not with URL.
 */
export function parseAsWritten(text: string): URL {
  const written = backslashesEncoded(text);
  const hidden = markersFor(written);
  if (hidden === undefined) return new URL(written);
  const at = pathAfterAuthority(written);
  if (at === undefined || at === written.length) return new URL(written);
  const url = new URL(hiddenFrom(written, at, hidden));
  hiddenByMarkers.set(url, hidden);
  return url;
}

/**
 * A reference (a redirect's Location) resolved against `base` as parseAsWritten
 * reads a URL: a backslash is `%5C` (WHATWG would take `/\host/x` for
 * `//host/x`, another host), `%2e` is no dot segment and a path's `^` stays, in
 * the reference and in the base alike. Throws as URL does. Its href is writtenHref's.
 */
export function resolveAsWritten(reference: string, base: string): URL {
  const written = backslashesEncoded(reference);
  const hidden = markersFor(written, base);
  if (hidden === undefined) return new URL(written, base);
  // Hidden after the authority: the whole of a path reference, past `//host` or `scheme://host` in the others.
  const url = new URL(hiddenFrom(written, pathAfterAuthority(written) ?? 0, hidden), hiddenFrom(base, pathAfterAuthority(base) ?? 0, hidden));
  hiddenByMarkers.set(url, hidden);
  return url;
}

/** A backslash percent-encoded, as what a URL cannot carry as it is: WHATWG would take it for `/`. */
function backslashesEncoded(text: string): string {
  return text.includes('\\') ? text.replaceAll('\\', '%5C') : text;
}

/** Where the path starts after `scheme://authority` or `//authority` (the text's length when nothing follows); undefined without an authority. */
function pathAfterAuthority(text: string): number | undefined {
  const authority = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.exec(text)?.[0].length;
  if (authority === undefined) return undefined;
  const end = text.slice(authority).search(/[/?#]/);
  return end === -1 ? text.length : authority + end;
}

/**
 * `text` with, from `from` on, each `%2E` and `%2e` written as the dots' marker, and each `^` of the path (up
 * to its `?` or `#`) as the carets' marker: escapes the parser keeps as they are.
 */
function hiddenFrom(text: string, from: number, { dots, carets }: Hidden): string {
  let rest = text.slice(from);
  if (dots !== undefined) rest = rest.replace(/%2([Ee])/g, (_, e: string) => (e === 'E' ? dots.upper : dots.lower));
  if (carets !== undefined) {
    const end = rest.search(/[?#]/);
    const path = end === -1 ? rest : rest.slice(0, end);
    rest = path.replaceAll('^', carets.upper) + (end === -1 ? '' : rest.slice(end));
  }
  return text.slice(0, from) + rest;
}

/** A parsed URL's href with what parseAsWritten hid put back (`href`: one derived from it, as with its password masked). */
export function writtenHref(url: URL, href = url.href): string {
  const hidden = hiddenByMarkers.get(url);
  if (hidden === undefined) return href;
  const { dots, carets } = hidden;
  let shown = dots === undefined ? href : href.replace(dots.pattern, (found) => (found === dots.upper ? '%2E' : '%2e'));
  if (carets !== undefined) shown = shown.replaceAll(carets.upper, '^');
  return shown;
}

export function preview(value: unknown): string {
  // Objects and arrays as their JSON (a spec's `{"a":1}`), not "[object Object]" or an empty string for [].
  const shown = typeof value === 'string' || (typeof value === 'object' && value !== null) ? jsonOf(value) : String(value);
  return visibleControls(shown.length > 80 ? `${cutOutsidePassword(shown)}...` : shown);
}

/**
 * The first 77 characters of `shown`, never the start of a URL's password: messages are masked once made
 * (maskPasswords finds a userinfo by its @), and a cut before the @ of a long one (a token as the password,
 * `https://x-access-token:eyJhbGci...@host`) left its first characters in the message while `url` showed ***.
 */
function cutOutsidePassword(shown: string): string {
  const head = shown.slice(0, 77);
  const open = /\/\/[^\s/?#@:"]*:[^\s@"]*$/.exec(head);
  if (open === null || !shown.includes('@', open.index)) return head;
  return `${head.slice(0, open.index)}${open[0].slice(0, open[0].indexOf(':') + 1)}***`;
}

/** A value's JSON, or its outline where it has none: nested past the stack (a 10 KB line can be), circular, holding a BigInt. */
function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? '[...]' : typeof value === 'object' ? '{...}' : String(value);
  }
}
