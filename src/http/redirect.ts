import { RecordErrorCode, recordError, type RecordError } from '../errors.js';
import type { AttemptRequest } from './send-request.js';
import { parseAsWritten, resolveAsWritten, writtenHref } from '../input/validate.js';
import { maskQuotedPasswords, urlCredentials } from '../input/credentials.js';
import { onlyScheme } from '../input/allowed-protocols.js';

/** Headers that carry credentials for one origin: never handed to another (as curl and browsers do). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** A URL, absolute or scheme-relative, whose authority holds a userinfo (`http://u:p@host/`, `//u@host/`). */
const AUTHORITY_WITH_USERINFO = /^(?:[a-z][a-z0-9+.-]*:)?\/\/[^/?#]*@/i;
/** Headers that describe a request body: dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * The request a redirect asks for. Like curl -L and fetch: 303 turns any method
 * but HEAD into a body-less GET, 301 and 302 turn POST into GET, 307 and 308
 * repeat the request as it was. Credentials are dropped as soon as the target
 * is another origin (scheme, host or port), a Host header as soon as it is
 * another host name; both stay dropped for later hops.
 * A Location that is not an http(s) URL is an error, never fetched.
 */
export function redirectRequest(request: AttemptRequest, status: number, location: string, { autoReferer = false, protocols = 'http,https' }: { autoReferer?: boolean; protocols?: string } = {}): AttemptRequest | RecordError {
  // WHATWG parsing drops a tab or line break inside a URL without a word: another resource would be asked
  // for (`/a<TAB>b` as `/ab`); curl refuses such a Location ("Bad path"), as an input URL with one is refused.
  if (/[\t\n\r]/.test(location.trim())) {
    return recordError(RecordErrorCode.INVALID_URL, `Redirect to an invalid URL (a tab or line break inside it): ${maskQuotedPasswords(JSON.stringify(location.slice(0, 200)))}`);
  }
  let target: URL;
  try {
    // As an input URL is read: a backslash is no slash (`/\\host` names no other host), `%2e` no dot segment, as curl sends them.
    target = resolveAsWritten(rawBytesEncoded(location), request.url);
  } catch {
    // Its password masked, as a followed redirect's finalUrl is (a Location that does not parse is often one with a /, ? or # in it).
    return recordError(RecordErrorCode.INVALID_URL, `Redirect to an invalid URL: ${maskQuotedPasswords(JSON.stringify(location.slice(0, 200)))}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return recordError(RecordErrorCode.UNSUPPORTED_SCHEME, `Redirect to scheme ${JSON.stringify(target.protocol)} refused`);
  }
  // --proto-redir (and --proto): an https URL's redirect to http, a downgrade, refused as curl refuses it.
  const only = onlyScheme(protocols);
  if (only !== undefined && target.protocol !== only) {
    return recordError(RecordErrorCode.UNSUPPORTED_SCHEME, `Redirect to ${target.protocol.slice(0, -1)} refused: ${only === 'none' ? 'no protocol is' : `${only.slice(0, -1)} alone is`} allowed for redirects (--proto, --proto-redir)`);
  }
  // As an input URL's (validate.ts): a connect there is refused, and Node's message leaves the port out.
  if (target.port === '0') return recordError(RecordErrorCode.INVALID_URL, `Redirect to port 0, which no server listens on: ${maskQuotedPasswords(JSON.stringify(location.slice(0, 200)))}`);
  let { method, headers, body } = request;
  const toGet = status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST';
  if (toGet) {
    method = 'GET';
    body = undefined;
    headers = without(headers, BODY_HEADERS);
  }
  const from = new URL(request.url);
  if (target.origin !== from.origin) headers = without(headers, CREDENTIAL_HEADERS);
  // A Location's own user:password@, written in it, is sent as Basic authorization to the same origin, as an input
  // URL's is and as curl sends it: its hop went without any (a 401), while finalUrl showed them. Not one a relative
  // Location inherits from the URL it is resolved against (the record's, its password shown masked: `u:***` went),
  // nor to another origin, where curl sends none.
  const credentials = AUTHORITY_WITH_USERINFO.test(location.trim()) && target.origin === from.origin ? urlCredentials(target) : undefined;
  if (credentials) headers = { ...headers, authorization: credentials.authorization };
  // A Host header (-H) names the first host's site: another host would be asked for it (curl sends it to the first host name alone).
  if (target.hostname !== from.hostname) headers = without(headers, ['host']);
  if (autoReferer) headers = { ...headers, referer: refererOf(request.url) };
  // The record's origin may be asked once, the target's is another matter: the hop goes through the Agent.
  return { ...request, method, url: writtenHref(target), headers, body, onlyUse: undefined };
}

/** A URL as a Referer: without credentials or fragment, as curl and browsers send it. */
function refererOf(url: string): string {
  // Parsed as the record's url was, or its kept `%2e` segments would be resolved (validate.ts).
  const referer = parseAsWritten(url);
  referer.username = '';
  referer.password = '';
  referer.hash = '';
  return writtenHref(referer);
}

/** A copy without `names` (lower-case); the same object when none is present, since headers are shared. */
function without(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  if (!names.some((name) => name in headers)) return headers;
  const copy = { ...headers };
  for (const name of names) delete copy[name];
  return copy;
}

/**
 * undici hands header values over as latin1 (one character a byte), so a
 * Location with raw UTF-8 bytes (`/été` unencoded) would be encoded twice by
 * URL (`%C3%83%C2%A9`). Each such byte is percent-encoded here, once, as curl does.
 */
function rawBytesEncoded(location: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(location) && !/[^\x00-\xff]/.test(location)
    ? location.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : location;
}
