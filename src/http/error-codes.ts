import { isIP } from 'node:net';
import { hostAndPort } from './address-family.js';
import { CONTENT_LENGTH_MISMATCH, RecordErrorCode, STOPPED_IN_FLIGHT, type RecordError } from '../errors.js';
import { fromProxyLeg } from './proxy-leg.js';
import { portOf } from './split-url.js';


/**
 * The most bytes of a response's status line and headers taken: Node's 16 KiB
 * refused a head with one big cookie or policy, which curl (100 KB a header,
 * 300 KB in all) and browsers take. Still a bound on every response's head.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

/** Why an attempt was aborted by us rather than failing on its own. */
export type AbortReason = 'timeout' | 'shutdown';

/** Node's words (tls.js) for a TLS socket that ended before its handshake was done. */
const TLS_CLOSED_IN_HANDSHAKE = 'Client network socket disconnected before secure TLS connection was established';

/** Said where an https URL met a server that may speak plain HTTP on that port. */
const PLAIN_HTTP_PORT = ': if this port speaks plain HTTP, use http://';

/**
 * Said where an HTTP proxy closed the connection unanswered: a SOCKS proxy does that to what is not SOCKS, and a
 * proxy that speaks only TLS (nghttpd's port, given as -x http://) to plain HTTP.
 */
const SOCKS_PROXY_ADVICE = 'a SOCKS proxy, or one that speaks only TLS, does this to plain HTTP: if it is one, give it as socks5:// or https://';

/** Said of a request whose HTTP/2 stream the server reset or closed before its response was whole. */
const STREAM_RESET = " (the server reset this request's HTTP/2 stream)";
/**
 * Said of a stream reset with PROTOCOL_ERROR, which the client's own nghttp2 sends too, for a response
 * that breaks HTTP/2: a body longer or shorter than its Content-Length says is its commonest cause.
 */
const STREAM_PROTOCOL_ERROR = " (the HTTP/2 stream was reset for a protocol error: by the server, or by this client for a response that breaks HTTP/2, such as a body longer or shorter than its Content-Length)";
/** Said of an HTTP/2 stream undici saw end early without saying how: a reset of the stream, or its connection's close. */
const STREAM_ENDED = " (the server reset this request's HTTP/2 stream, or closed the connection it was on)";
/** undici's InformationalError messages for an HTTP/2 stream the server ended before its response was whole. */
const H2_STREAM_CLOSED: ReadonlySet<string> = new Set(['HTTP/2: stream closed before the response was complete', 'HTTP/2: stream half-closed (remote)']);

/** The server's certificate failed verification (curl: "SSL certificate problem"); -k or --cacert is the way on. */
const UNVERIFIED = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;
/** A certificate whose issuer may well be trusted, used outside its dates (curl: "certificate has expired"): --cacert would not help. */
const OUT_OF_DATE = /^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID)$/;
const OUT_OF_DATE_ADVICE = "outside its validity dates: the server's certificate needs renewing, or this machine's clock is off; -k skips the check";
/**
 * Said where a server refused the handshake for the name it was asked by (SNI): nginx's `ssl_reject_handshake`
 * answers a name it serves no site under with alert 112, and Go servers (Caddy among them) one they hold no
 * certificate for with alert 80. A URL with an IP address sends no name (Node, as curl), which such servers refuse.
 */
const ASK_BY_NAME = 'a URL with an IP address asks by no name: put the name the site is served under in the URL, with --resolve NAME:PORT:ADDR to reach this address by it';
/** The certificate is trusted but names other hosts (curl: "SSL: no alternative certificate subject name matches"): --cacert would not help. */
const OTHER_NAME = /^(ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)$/;
/**
 * OpenSSL's other verdicts on the server's chain, by Node's names for them: a key or a signature digest too weak
 * (UNSPECIFIED, "EE certificate key too weak": Node 24 says it of an RSA key of 1024 bits that Node 20 took), a
 * certificate not made for a server (INVALID_PURPOSE), an issuer that is no CA (INVALID_CA), a chain too long.
 * curl calls each "SSL certificate problem"; --cacert cannot help them.
 */
const CHAIN_REFUSED = /^(UNSPECIFIED|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|CERT_CHAIN_TOO_LONG|CERT_REJECTED|CERT_REVOKED|INVALID_CALLCHAIN|ERROR_IN_CERT_NOT_(BEFORE|AFTER)_FIELD|UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY|UNABLE_TO_DECRYPT_CERT_SIGNATURE)$/;
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|ERR_OSSL_|HOSTNAME_MISMATCH$)/;

/**
 * Maps whatever undici or Node threw to one stable record code.
 * The original code stays visible in the message, so nothing is hidden from a
 * user who needs the detail, but filters only ever see the codes we document.
 */
export function classifyError(error: unknown, abortReason?: AbortReason, attempt: Partial<AttemptContext> = {}): RecordError {
  const context: AttemptContext = { overTls: false, http2Offered: false, largeBody: false, http1Only: false, clientCertificate: false, ...attempt };
  const { overTls, http2Offered, largeBody } = context;
  if (abortReason === 'timeout') return { code: RecordErrorCode.TIMEOUT, message: 'Attempt exceeded --timeout' };
  if (abortReason === 'shutdown') return STOPPED_IN_FLIGHT;
  const err = error as { code?: unknown; message?: unknown; cause?: unknown; socket?: unknown } | null;
  const rawCode = typeof err?.code === 'string' ? err.code : undefined;
  // undici wraps a proxy's certificate that names other hosts (its UND_ERR_PRX_TLS): what is wrong is its cause.
  if (rawCode === 'UND_ERR_PRX_TLS' && err?.cause !== undefined) return classifyError(err.cause, abortReason, context);
  const causeCode = typeof (err?.cause as { code?: unknown } | undefined)?.code === 'string' ? ((err?.cause as { code: string }).code) : undefined;
  const message = describe(error);
  const code = rawCode ?? causeCode;
  // undici's ProxyAgent reports a refused CONNECT only in its message.
  const proxyStatus = /^Proxy response \((\d+)\) !== 200/.exec(typeof err?.message === 'string' ? err.message : '')?.[1];
  if (proxyStatus !== undefined) return { code: RecordErrorCode.PROXY, message: `The proxy refused the CONNECT tunnel with status ${proxyStatus}${proxyStatus === '407' ? PROXY_AUTH_ADVICE : ''}` };
  // Its wrapper for plain http through an HTTP proxy turns the proxy's 407 into an invalid-argument error.
  if (rawCode === 'UND_ERR_INVALID_ARG' && err?.message === 'Proxy Authentication Required (407)') {
    return { code: RecordErrorCode.PROXY, message: `The proxy answered status 407 Proxy Authentication Required${PROXY_AUTH_ADVICE}` };
  }
  // undici's ProxyAgent takes a proxy's credentials from its URL alone, and refuses the header on a request.
  if (rawCode === 'UND_ERR_INVALID_ARG' && err?.message === 'Proxy-Authorization should be sent in ProxyAgent constructor') {
    return { code: RecordErrorCode.INVALID_HEADER, message: `A Proxy-Authorization header is not sent through the proxy: give the proxy's credentials in its URL (-x http://user:password@host:port, or the proxy variable's)` };
  }
  // A SOCKS proxy's refusal (socks-tunnel.ts): its message says which and why.
  if (rawCode === 'ERR_SOCKS') return { code: RecordErrorCode.PROXY, message: typeof err?.message === 'string' ? err.message : 'SOCKS proxy error' };
  const mapped = (c: RecordErrorCode): RecordError => ({ code: c, message });
  switch (code) {
    case 'ERR_PROXY_TUNNEL_CLOSED':
      // proxy-tunnel-client.ts: its message names the proxy and the target; retried as any closed or reset connection.
      return { code: (err as { reset?: unknown }).reset === true ? RecordErrorCode.CONNECTION_RESET : RecordErrorCode.SOCKET_CLOSED, message: `${String(err?.message)} (${SOCKS_PROXY_ADVICE})` };
    case 'UND_ERR_CONNECT_TIMEOUT':
      // Marked by the https connector (agent.ts) when TCP had connected.
      if ((err as { handshakeStalled?: unknown }).handshakeStalled === true) {
        // On a proxy's tunnel (an HTTP proxy's CONNECT, a SOCKS5 proxy's), marked so where it was made.
        const opened = (err as { tunnelled?: unknown }).tunnelled === true ? "the proxy's tunnel" : 'the TCP connection';
        return { code: RecordErrorCode.CONNECT_TIMEOUT, message: `${message} (${opened} opened, but the TLS handshake did not finish in time: a plain-HTTP port never answers it, so if this one speaks plain HTTP, use http://)` };
      }
      return mapped(RecordErrorCode.CONNECT_TIMEOUT);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      // Node's connect to a name's addresses in turn, one of them not answering in time: a connect that
      // timed out (nothing went out), not --timeout run out.
      if (error instanceof AggregateError && error.errors.some((each: { code?: unknown; syscall?: unknown }) => each?.code === 'ETIMEDOUT' && each.syscall === 'connect')) {
        return { code: RecordErrorCode.CONNECT_TIMEOUT, message: `${message} (the name's addresses were tried in turn, each but the last for at most 2 s and half of --connect-timeout, and none connected; --resolve HOST:PORT:ADDR keeps to one, which then has the whole of it)` };
      }
      return mapped(RecordErrorCode.TIMEOUT);
    case 'ECONNREFUSED':
      return mapped(RecordErrorCode.CONNECTION_REFUSED);
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      // curl: "Couldn't connect to server". An IPv6 address on a machine without an IPv6 route is the usual one.
      return { code: RecordErrorCode.UNREACHABLE, message: `${message} (no route to this address from here${isIP(String((err as { address?: unknown }).address)) === 6 ? ': an IPv6 address without an IPv6 route here does this; where a name has IPv4 addresses too, -4 keeps to them' : ''})` };
    case 'ERR_HTTP2_STREAM_ERROR':
      // A response that breaks HTTP/2 (two :status, an upper-case name, a connection header ...), refused by
      // this client's nghttp2 or the server's: the same bytes come again, so it is not retried, as an
      // invalid HTTP/1.1 response is not (it was ECONNRESET, each GET sent three times).
      if (message.endsWith('NGHTTP2_PROTOCOL_ERROR')) return { code: RecordErrorCode.PROTOCOL, message: `${message}${STREAM_PROTOCOL_ERROR}` };
      if (message.endsWith('NGHTTP2_HTTP_1_1_REQUIRED')) return { code: RecordErrorCode.PROTOCOL, message: `${message} (the server wants this request over HTTP/1.1: send it without --http2, or with --http1.1)` };
      // RST_STREAM: this request's stream reset by the server (curl: "HTTP/2 stream was not closed cleanly").
      return { code: RecordErrorCode.CONNECTION_RESET, message: `${message}${STREAM_RESET}` };
    case 'ERR_HTTP2_SESSION_ERROR':
    case 'ERR_HTTP2_GOAWAY_SESSION':
    case 'ERR_HTTP2_STREAM_CANCEL':
      // The whole session went under the request: a GOAWAY with an error code (ENHANCE_YOUR_CALM, a server restarting).
      return { code: RecordErrorCode.CONNECTION_RESET, message: `${message} (the server closed the HTTP/2 connection this request was on)` };
    case 'ERR_HTTP2_INVALID_SESSION':
      // undici wrote the request on a session destroyed a moment before (sessionGoneBeforeSent): nothing went out.
      return { code: RecordErrorCode.SOCKET_CLOSED, message: `${message} (the HTTP/2 connection this request was to go on had closed before it was sent)` };
    case 'ERR_HTTP2_ERROR':
      // nghttp2 found the server's frames invalid: its words ("Protocol error") say no more.
      return { code: RecordErrorCode.PROTOCOL, message: `${message} (the server's HTTP/2 frames broke the protocol, and this client's nghttp2 ended the connection)` };
    case 'ECONNRESET':
    case 'EPIPE':
      if ((err as { syscall?: unknown }).syscall === 'write') return { code: RecordErrorCode.CONNECTION_RESET, message: `${message}${sendFailureHint(context)}` };
      // The same reset seen by a read first (a race with the write): with a large body, the same likely reason.
      if (largeBody) return { code: RecordErrorCode.CONNECTION_RESET, message: `${message} (the server reset the connection: ${REFUSES_LARGE_BODY}${http2OnlyHint(context)})` };
      // Node's ECONNRESET for a TLS socket whose server closed (a FIN, no reset) before the handshake was done: a
      // close, as the same close before or after the handshake is, and most often a refusal of the handshake.
      if (err?.message === TLS_CLOSED_IN_HANDSHAKE) return { code: RecordErrorCode.SOCKET_CLOSED, message: `${TLS_CLOSED_IN_HANDSHAKE} (the server closed the connection during the TLS handshake: it may want a client certificate, --cert, or refuse this TLS version or server name, or take no TLS connections on this port now)` };
      // Node's bare words name no one (curl: "Connection reset by peer").
      return { code: RecordErrorCode.CONNECTION_RESET, message: message === 'read ECONNRESET' ? `${message} (the server reset the connection)` : message };
    case 'EMFILE':
    case 'ENFILE':
      return mapped(RecordErrorCode.NO_DESCRIPTORS);
    case 'ENOTFOUND':
      // Node's bare words (curl: "Could not resolve host"); the -4 / -6 and --resolve ones say more already.
      return { code: RecordErrorCode.DNS_NOT_FOUND, message: /^getaddrinfo ENOTFOUND \S+$/.test(message) ? `${message} (the name resolves to no address: is it spelled right?)` : message };
    case 'EAI_AGAIN':
      return { code: RecordErrorCode.DNS_TEMPORARY, message: /^getaddrinfo EAI_AGAIN \S+$/.test(message) ? `${message} (a temporary DNS failure: the resolver did not answer, or could not be reached)` : message };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      // undici reports a reset seen mid-response as a socket error whose cause is ECONNRESET.
      if (causeCode === 'ECONNRESET') return mapped(RecordErrorCode.CONNECTION_RESET);
      if (goawayErrorName(err) !== undefined) return { code: RecordErrorCode.CONNECTION_RESET, message: `${message} (${goawayErrorName(err) as string}: the server closed the HTTP/2 connection this request was on)` };
      if (answerRefused(err)) return { code: RecordErrorCode.PROTOCOL, message: `${message} (the server sent a response no request was waiting for, or an upgrade none asked for)` };
      return { code: RecordErrorCode.SOCKET_CLOSED, message: closedUnanswered(err) ? `${message}${emptyReplyHint(context)}` : message };
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      // A Content-Length given with -H or in a spec that the body does not have: the request's fault, not the server's.
      return CONTENT_LENGTH_MISMATCH;
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { code: RecordErrorCode.PROTOCOL, message: `${message}: the response's status line and headers are over ${MAX_HEADER_BYTES / 1024} KiB` };
    case 'UND_ERR_INFO':
      // A stream the server closed or reset (CANCEL) before its response came whole: undici's words for it.
      // undici says so of a RST_STREAM (CANCEL) and of a connection ended under the stream alike (a GOAWAY naming it, then a close).
      if (typeof err?.message === 'string' && H2_STREAM_CLOSED.has(err.message)) return { code: RecordErrorCode.CONNECTION_RESET, message: `${message}${STREAM_ENDED}` };
      // Its HEADERS refused by this client's nghttp2 as too large: the request's own doing, sent once.
      if (headersTooLarge(error)) return { code: RecordErrorCode.INVALID_HEADER, message: "HTTP/2: the request's headers could not be sent: nghttp2 refused their HEADERS frame (FRAME_SIZE_ERROR), a header block too large for HTTP/2 here; without --http2 they go over HTTP/1.1" };
      // Its HEADERS not sent on a session that was closing, each time it was tried (send-request.ts sends it again up
      // to twice). Not always the server's GOAWAY: our nghttp2 sends one of its own on a frame it cannot take, and
      // the message blamed the server for that too; the error does not say which side sent it.
      if (headersNeverSent(error)) return { code: RecordErrorCode.CONNECTION_RESET, message: 'HTTP/2: the request could not be sent: the connection it was queued on was closing (a GOAWAY, from the server, or from this client after the server broke the protocol), each time it was tried' };
      return mapped(RecordErrorCode.PROTOCOL);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return mapped(RecordErrorCode.PROTOCOL);
    case 'ERR_ASSERTION':
      // undici's HTTP/1.1 parser asserts on what llhttp lets through: a status below 100, or a 101 without an
      // Upgrade header (httpbin's /status/101), whose status line is valid: the words name both.
      return { code: RecordErrorCode.PROTOCOL, message: 'Response does not match the HTTP protocol (a status this client cannot take: below 100, or 101 Switching Protocols where no request asked to switch)' };
    default:
      break;
  }
  // undici's HTTPParserError carries code HPE_* only when llhttp names one; an
  // invalid status line gives code undefined, so the name is what is stable.
  const name = error instanceof Error ? error.name : undefined;
  if (code?.startsWith('HPE_') || name === 'HTTPParserError') {
    const said = LLHTTP_MEANING.find(([reason]) => message.includes(reason))?.[1];
    return { code: RecordErrorCode.PROTOCOL, message: said === undefined ? message : `${message}: ${said}` };
  }
  if (code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') return { code: RecordErrorCode.TLS, message: `${message} (the server takes none of the protocols offered by ALPN${!overTls ? '' : http2Offered ? ', HTTP/2 and HTTP/1.1' : `, HTTP/1.1 alone: it may speak only HTTP/2 (${http2Way(context.http1Only)})`})` };
  // OpenSSL read a record that is not TLS: most often a plain-HTTP server's answer (curl says no more than "wrong version number").
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return { code: RecordErrorCode.TLS, message: `${message} (the server's answer was not TLS${PLAIN_HTTP_PORT})` };
  if (code && UNVERIFIED.test(code)) return { code: RecordErrorCode.TLS, message: `${message} (the certificate was not verified: --cacert FILE trusts its issuer, -k skips the check)` };
  if (code && OUT_OF_DATE.test(code)) return { code: RecordErrorCode.TLS, message: `${message} (the certificate is ${OUT_OF_DATE_ADVICE})` };
  if (code && OTHER_NAME.test(code)) return { code: RecordErrorCode.TLS, message: `${message} (the certificate is for other names${certificateNames(error)}: use one of them in the URL, with --resolve NAME:PORT:ADDR to reach this address by it, or -k to skip the check)` };
  // UNSPECIFIED is no name of its own: over TLS alone is it the verdict on a certificate.
  if (code && overTls && CHAIN_REFUSED.test(code)) return { code: RecordErrorCode.TLS, message: `${message} (the server's certificate failed this client's checks: the server needs another; -k skips the checks)` };
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return { code: RecordErrorCode.TLS, message: `${message} (the server asks for a client certificate: give one with --cert FILE, and --key FILE unless the file holds the key)` };
  // TLS 1.2 has no alert of its own for a missing client certificate: OpenSSL servers end the handshake with alert 40
  // (named SSLV3_ALERT_... by Node 20's OpenSSL, SSL/TLS_ALERT_... by Node 24's).
  // Alert 48 answers the client certificate --cert gave, not the server's own: --cacert and -k cannot help.
  if (code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') return { code: RecordErrorCode.TLS, message: `${message} (the server does not trust the client certificate --cert gave: it takes one its own CA issued)` };
  // Alert 70: no TLS version both speak; Node's OpenSSL refuses TLS 1.0 and 1.1, which old servers may still stop at.
  if (code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' || code === 'ERR_SSL_UNSUPPORTED_PROTOCOL') return { code: RecordErrorCode.TLS, message: `${message} (the server and this client share no TLS version: this client speaks TLS 1.2 and 1.3, and the server may stop at TLS 1.0 or 1.1)` };
  if (code === 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME') return { code: RecordErrorCode.TLS, message: `${message} (the server serves no site under the name asked; ${ASK_BY_NAME})` };
  if (code === 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR') return { code: RecordErrorCode.TLS, message: `${message} (the server failed its side of the handshake: Go servers, Caddy among them, do this for a name they hold no certificate for; ${ASK_BY_NAME})` };
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' || code === 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE') return { code: RecordErrorCode.TLS, message: `${message} (the server ended the handshake: over TLS 1.2 a server that asks for a client certificate does this when none is given, --cert FILE gives one; so does a server that shares no cipher or TLS version with this client)` };
  if (code && TLS_CODES.test(code)) return mapped(RecordErrorCode.TLS);
  return mapped(RecordErrorCode.UNKNOWN);
}

/** The body length a response's Content-Length declares, when it is one plain number. */
export function declaredLength(contentLength: string | string[] | undefined): number | undefined {
  return typeof contentLength === 'string' && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
}

/**
 * A connection closed or reset, or the attempt timed out, after the response's
 * status line: the message says how much of the body came (of how much its
 * Content-Length declared), where undici's says only "other side closed" (curl:
 * "transfer closed with 91 bytes remaining", "with 1 out of 3 bytes received").
 * The code stays, as retries and filters know it.
 */
export function cutShort(error: RecordError, status: number, received: number, contentLength: string | string[] | undefined): RecordError {
  const timedOut = error.code === RecordErrorCode.TIMEOUT;
  const streamRefused = error.code === RecordErrorCode.PROTOCOL && error.message.endsWith(STREAM_PROTOCOL_ERROR);
  if (!timedOut && !streamRefused && error.code !== RecordErrorCode.SOCKET_CLOSED && error.code !== RecordErrorCode.CONNECTION_RESET) return error;
  const declared = declaredLength(contentLength);
  // The header's own digits: past 2^53 the number read from them is not the one the server sent (9007199254740993 read 9007199254740992).
  const body = declared !== undefined ? `${received} of the ${(contentLength as string).replace(/^0+(?=\d)/, '')} body bytes its Content-Length declared` : `${received} body bytes, before the body's end`;
  const ended = error.message.includes('HTTP/2 stream') ? ': the stream ended after' : ': the connection ended after';
  return { code: error.code, message: `${error.message}${timedOut ? ', with' : ended} status ${status} and ${body}` };
}

/**
 * A body the server's close cut short, which undici's parser reports as a
 * wrong length (`Connection: close` or HTTP/1.0 with a Content-Length: llhttp
 * reads such a message to the close) or as an "Invalid EOF state" (chunks
 * unfinished at the close), where the same cut on a kept-alive connection is
 * "other side closed". Both are the connection closed mid-body: the same
 * code, the same retries, the same message (cutShort then says how much came).
 */
export function closedMidBody(error: unknown, received: number, contentLength: string | string[] | undefined): RecordError | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const declared = declaredLength(contentLength);
  const short = code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' && declared !== undefined && received < declared;
  // undici gives llhttp's errors no code (it looks the number up in a map of names), only llhttp's words.
  const unfinished = error instanceof Error && error.name === 'HTTPParserError' && typeof message === 'string' && message.endsWith('(Invalid EOF state)');
  return short || unfinished ? { code: RecordErrorCode.SOCKET_CLOSED, message: 'other side closed' } : undefined;
}

/**
 * undici's word for a body that does not match its Content-Length, met before
 * the response's head was taken (no status yet): llhttp refused the head's
 * Content-Length itself, given twice (`5` and `5`, or `5, 5`), not one number,
 * too large for its 64 bits, or beside Transfer-Encoding, and undici named it by the mismatch. RFC 9112
 * (6.3) has a client refuse such a message; the record says that is why.
 */
export function unframedLength(error: unknown): RecordError | undefined {
  if ((error as { code?: unknown } | null)?.code !== 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return undefined;
  return { code: RecordErrorCode.PROTOCOL, message: "The response's Content-Length is given more than once, is not one number (or one past 2^64 - 1, the largest llhttp reads), or comes with Transfer-Encoding, so its body cannot be framed and the response is refused (RFC 9112, 6.3)" };
}

/**
 * What llhttp's words for the framings curl reads and RFC 9112 lets a client refuse (README: EPROTOCOL) point
 * at in the bytes, as its reason alone ("Unexpected whitespace after header value") does not name the fold.
 */
const LLHTTP_MEANING: ReadonlyArray<[reason: string, meaning: string]> = [
  ['Unexpected whitespace after header value', 'a header folded onto a next line (obs-fold)'],
  ['Missing expected CR after', 'lines ended by a bare LF, not CRLF'],
  ['Invalid header token', "a header name with a character a name may not have, such as a space before its colon"],
  // httpbin's /status/100 and /status/199 send a chunked body after the 1xx, which has none: its bytes come where the final answer's status line should.
  ['Expected HTTP/', 'the answer does not begin with a status line such as "HTTP/1.1 200 OK": a server that does not speak HTTP, or bytes past the end of an answer before it, such as a body sent after a 1xx interim answer, which has none'],
];

/** A proxy a request goes through: its host as written (a name or an address) and its port. */
export interface ProxyEndpoint {
  hostname: string;
  port: number;
  /** Whether a plain http request goes to the proxy itself (an http:// proxy), not through a tunnel it opened (CONNECT to an https:// one, SOCKS). */
  forwardsHttp: boolean;
}

const PROXY_AUTH_ADVICE = ': it wants credentials, or others than were given (-x http://user:password@host:port, percent-encoded)';

/**
 * A connection refused, or a name not found, on the way to the proxy rather than
 * the URL's host: the message says so (curl tells "Could not resolve proxy"
 * apart), as the address in Node's message is not the one in the record's URL.
 * The code stays. Only an error that names the proxy's own endpoint is blamed.
 */
export function blameProxy(error: RecordError, raw: unknown, url: string, proxies: readonly ProxyEndpoint[]): RecordError {
  if (error.code === RecordErrorCode.TLS && fromProxyLeg(raw)) return proxyTlsError(raw, proxies);
  // A proxy's refusal names it, as every other proxy error does ("The proxy refused ..." named none), when one proxy serves the run.
  const distinct = new Set(proxies.map(endpointText));
  if (error.code === RecordErrorCode.PROXY && distinct.size === 1 && error.message.startsWith('The proxy ')) {
    // A message that names it already (a SOCKS proxy's) is left as it is, not given its name twice.
    if (error.message.startsWith(`The proxy ${[...distinct][0]} `)) return error;
    const target = new URL(url);
    return { code: error.code, message: `The proxy ${[...distinct][0]} ${error.message.slice('The proxy '.length).replace(/^refused the CONNECT tunnel/, `refused the CONNECT tunnel to ${target.hostname}:${portOf(target)}`)}` };
  }
  const targetPort = portOf(new URL(url));
  // An address is matched in full; behind a name, the port tells the proxy from a target on another port.
  const isProxy = (proxy: ProxyEndpoint, address: unknown, port: unknown): boolean =>
    port === proxy.port && (address === proxy.hostname || (!isIP(proxy.hostname) && targetPort !== proxy.port));
  if (error.code === RecordErrorCode.SOCKET_CLOSED && closedUnanswered(raw)) {
    // A plain http request goes to an http:// proxy itself: its empty reply is the proxy's, and the https hint is not
    // the likely one. Inside a tunnel (https, SOCKS) the proxy had answered and the URL's server closed (the socket's
    // address is still the proxy's): blamed on the proxy, with advice to give a SOCKS proxy as one already given so.
    const socket = (raw as { socket?: { remoteAddress?: unknown; remotePort?: unknown } }).socket;
    const plainHttp = url.startsWith('http:');
    const blamed = proxies.find((proxy) => plainHttp && proxy.forwardsHttp && isProxy(proxy, socket?.remoteAddress, socket?.remotePort));
    if (blamed !== undefined) return { code: error.code, message: `${describe(raw)} (empty reply: the proxy ${endpointText(blamed)} closed the connection without answering; ${SOCKS_PROXY_ADVICE})` };
    // Closed before its peer's address was read (a TLS port closes at once on plain bytes): the request may have gone to
    // the proxy, unless --noproxy sent it direct, so both are named rather than only "use https://" for a URL that is right.
    const forwarding = new Set(proxies.filter((proxy) => proxy.forwardsHttp).map(endpointText));
    if (plainHttp && socket?.remoteAddress === undefined && forwarding.size === 1) {
      return { code: error.code, message: `${describe(raw)} (empty reply: the proxy ${[...forwarding][0] as string}, or the server if the record went direct, closed the connection without answering; ${SOCKS_PROXY_ADVICE}, and a server's port that speaks only TLS wants https://)` };
    }
    return error;
  }
  // A reset of the connection a plain-http request went on to the proxy is the proxy's (the server's was said).
  if (error.code === RecordErrorCode.CONNECTION_RESET && url.startsWith('http:') && fromProxyLeg(raw)) {
    const named = new Set(proxies.filter((proxy) => proxy.forwardsHttp).map(endpointText));
    return { code: error.code, message: `${describe(raw)} (the proxy${named.size === 1 ? ` ${[...named][0] as string}` : ''} reset the connection)` };
  }
  // A connect to the proxy that timed out (its connection is marked: proxy-router.ts) says whose it was: its words
  // name the proxy's address, which is not the URL's.
  if (error.code === RecordErrorCode.CONNECT_TIMEOUT && fromProxyLeg(raw)) {
    const named = new Set(proxies.map(endpointText));
    return { code: error.code, message: `${error.message} (on the way to the proxy${named.size === 1 ? ` ${[...named][0] as string}` : ''})` };
  }
  // An unreachable proxy is known by its address, as a refusing one is.
  const refused = error.code === RecordErrorCode.CONNECTION_REFUSED || error.code === RecordErrorCode.UNREACHABLE;
  if (!refused && error.code !== RecordErrorCode.DNS_NOT_FOUND && error.code !== RecordErrorCode.DNS_TEMPORARY) return error;
  // A name with several addresses fails with one error for each (AggregateError).
  const errors = (raw instanceof AggregateError ? raw.errors : [raw]) as Array<{ hostname?: unknown; address?: unknown; port?: unknown } | null>;
  const blamed = proxies.find((proxy) => errors.some((err) => (refused ? isProxy(proxy, err?.address, err?.port) : err?.hostname === proxy.hostname)));
  return blamed === undefined ? error : { code: error.code, message: `${error.message} (on the way to the proxy ${endpointText(blamed)})` };
}

/**
 * The TLS handshake with an HTTPS proxy failed: the message says it was the
 * proxy's (curl: "SSL certificate problem" with --proxy-cacert and
 * --proxy-insecure as the ways on; here --cacert and -k cover the proxy too).
 */
function proxyTlsError(raw: unknown, proxies: readonly ProxyEndpoint[]): RecordError {
  const inner = (raw as { code?: unknown; cause?: unknown } | null)?.code === 'UND_ERR_PRX_TLS' ? (raw as { cause: unknown }).cause : raw;
  const code = (inner as { code?: unknown } | null)?.code;
  const https = proxies.length === 1 ? `the HTTPS proxy ${endpointText(proxies[0] as ProxyEndpoint)}` : 'the HTTPS proxy';
  // No certificate came: its answer to the handshake was not TLS, as a plain-HTTP proxy given as https:// answers.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    const plain = proxies.length === 1 ? `http://${endpointText(proxies[0] as ProxyEndpoint)}` : 'http://';
    return { code: RecordErrorCode.TLS, message: `${describe(inner)} (${https} answered the TLS handshake with what is not TLS: if it speaks plain HTTP, give it as ${plain})` };
  }
  const advice = typeof code !== 'string' ? '' : UNVERIFIED.test(code) ? ': --cacert FILE trusts its issuer, -k skips the check' : OUT_OF_DATE.test(code) ? `: it is ${OUT_OF_DATE_ADVICE}` : OTHER_NAME.test(code) ? ': it is for other names; give the proxy by one of them in -x, or -k to skip the check' : '';
  return { code: RecordErrorCode.TLS, message: `${describe(inner)} (the certificate of ${https}, not of the URL's host${advice})` };
}

function endpointText(proxy: ProxyEndpoint): string {
  return hostAndPort(proxy.hostname, proxy.port);
}

/**
 * How an https server turned away a connection whose ALPN offered HTTP/1.1
 * alone, or undefined: the handshake refused (no request went out), or the
 * connection closed before a byte of answer (the request went out unread).
 */
export function http1Refusal(error: unknown): 'unsent' | 'unanswered' | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') return 'unsent';
  return code === 'UND_ERR_SOCKET' && closedUnanswered(error) ? 'unanswered' : undefined;
}

/**
 * A connection closed before the response's status line and headers were whole, when some bytes had come
 * (part of a head, or answers to earlier requests on it): undici's "other side closed" said nothing of where.
 * curl says "Empty reply" or "transfer closed" by what came; this says the head never came whole.
 */
export function closedBeforeHead(error: unknown, found: RecordError): RecordError {
  if (found.code !== RecordErrorCode.SOCKET_CLOSED || closedUnanswered(error) || bytesReadBeforeClose(error) === undefined) return found;
  return { code: found.code, message: `${found.message} (the server closed the connection before the response's status line and headers were whole)` };
}

/** Closed before a byte of reply came back: curl's "Empty reply from server". */
function closedUnanswered(error: unknown): boolean {
  return bytesReadBeforeClose(error) === 0;
}


/** HTTP/2 error codes by number (RFC 9113, 7). */
const HTTP2_ERROR_NAMES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

/** undici 7's error for the streams of an HTTP/2 session a GOAWAY ended: `HTTP/2: "GOAWAY" frame received with code 11`. */
const GOAWAY_ENDED = /"GOAWAY" frame received with code (\d+)$/;

/** Whether a GOAWAY ended the HTTP/2 session under this request, graceful or not. */
export function endedByGoaway(error: unknown): boolean {
  return goawayCode(error) !== undefined;
}

/**
 * The name of the error a GOAWAY that ended this request's session carried,
 * or undefined for a graceful one (NO_ERROR) or another error: a session ended
 * for an error is a reset, as RST_STREAM is for one stream.
 */
function goawayErrorName(error: unknown): string | undefined {
  const code = goawayCode(error);
  if (code === undefined || code === '0') return undefined;
  return http2ErrorName(Number(code));
}

/** An HTTP/2 error code's name (RFC 9113, 7): `CANCEL` for 8. */
export function http2ErrorName(code: number): string {
  return HTTP2_ERROR_NAMES[code] ?? `error ${code}`;
}

function goawayCode(error: unknown): string | undefined {
  const err = error as { code?: unknown; message?: unknown } | null;
  const message = err?.message;
  if (typeof message !== 'string') return undefined;
  // node:http2's own words for the other streams of a session a GOAWAY with an error code ended: undici's
  // error reaches one stream, Node's the rest, which were not sent again while the one was.
  if (err?.code === 'ERR_HTTP2_SESSION_ERROR') return SESSION_CLOSED.exec(message)?.[1];
  return GOAWAY_ENDED.exec(message)?.[1];
}

/** node:http2's ERR_HTTP2_SESSION_ERROR, raised for a GOAWAY with an error code: `Session closed with error code 2`. */
const SESSION_CLOSED = /^Session closed with error code (\d+)$/;

/**
 * undici's "bad response" or "bad upgrade": the socket is closed by undici for
 * what the server sent (an answer no request was waiting for, a 101 none asked
 * for), not by the server: EPROTOCOL, where it read as a connection closed.
 */
function answerRefused(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return message === 'bad response' || message === 'bad upgrade';
}

/**
 * An HTTP/2 stream the server reset with REFUSED_STREAM: by RFC 9113 (8.7) it
 * was not processed, so it may be sent again, whatever its method. A server
 * whose SETTINGS allow fewer streams than a client opened before they came
 * (a Node server with maxConcurrentStreams 5, against the 100 assumed until
 * then) refuses the rest this way.
 */
export function refusedStream(error: unknown): boolean {
  const err = error as { code?: unknown; message?: unknown } | null;
  return err?.code === 'ERR_HTTP2_STREAM_ERROR' && typeof err.message === 'string' && err.message.endsWith('NGHTTP2_REFUSED_STREAM');
}

/**
 * An HTTP/2 request whose HEADERS frame (type 1) node:http2 could not send:
 * undici's error for the stream's 'frameError', which Node emits for a frame
 * that failed to go out (a session that a GOAWAY closed to new streams before
 * this one's turn came). The server never saw it, so it may be sent again.
 */
export function headersNeverSent(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /^HTTP\/2: "frameError" received - type 1, code -?\d+$/.test(message) && !headersTooLarge(error);
}

/**
 * An HTTP/2 request undici handed to a session already destroyed (node:http2's "The session has been destroyed"):
 * the server never saw it, so it may be sent again whatever its method. It was EUNKNOWN, sent once.
 */
export function sessionGoneBeforeSent(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_HTTP2_INVALID_SESSION';
}

/**
 * The same 'frameError' for a HEADERS frame too large to go (code 6, FRAME_SIZE_ERROR: a header block of
 * tens of KiB): the request's own, so sent again it fails again, and node:http2 closes the session each time.
 */
function headersTooLarge(error: unknown): boolean {
  return (error as { message?: unknown } | null)?.message === 'HTTP/2: "frameError" received - type 1, code 6';
}

/** What the connection had read in all when undici reported it closed (its SocketError's socket info). */
function bytesReadBeforeClose(error: unknown): number | undefined {
  const bytesRead = (error as { socket?: { bytesRead?: unknown } } | null)?.socket?.bytesRead;
  return typeof bytesRead === 'number' ? bytesRead : undefined;
}

/** What an error's hint may say of the attempt it ended. */
export interface AttemptContext {
  overTls: boolean;
  /** TLS offered h2 in ALPN (--http2, or an origin Http2Fallback moved). */
  http2Offered: boolean;
  /** The request body was at least LARGE_BODY_BYTES. */
  largeBody: boolean;
  /** --http1.1: the way to h2 is to drop it, not --http2. */
  http1Only: boolean;
  /** --cert: a client certificate was presented. */
  clientCertificate: boolean;
}

/**
 * A request body at least this large may still be going out when the server
 * answers by closing (socket buffers take a smaller one at once): a server
 * that refuses an upload that large before reading it does that.
 */
export const LARGE_BODY_BYTES = 64 * 1024;
const REFUSES_LARGE_BODY = 'it may refuse a request body this large';

/**
 * Said of a connection the server closed without replying. Over TLS, a server
 * that speaks only HTTP/2 (nghttpd, some gRPC front ends) does that to a client
 * whose ALPN offered only HTTP/1.1, as bulkfetch's does at first (Http2Fallback
 * then offers h2 too) and always with --http1.1. Over plain HTTP, a TLS-only
 * port (Node's https server, nghttpd) does it too.
 */
function emptyReplyHint({ overTls, http2Offered, largeBody, http1Only, clientCertificate }: AttemptContext): string {
  const empty = 'empty reply: the server closed the connection without answering';
  // Under TLS 1.3 the server checks a client certificate after the client's handshake is done: Node's mTLS
  // servers refuse one by closing, with no alert (an alert is ETLS, named so).
  const refusedCertificate = overTls && clientCertificate ? `; or it refused the client certificate (--cert), which a TLS 1.3 server may say only by closing` : '';
  if (overTls && http2Offered) return ` (${empty}${largeBody ? `; ${REFUSES_LARGE_BODY}` : ''}${refusedCertificate})`;
  const likely = overTls ? `a server that speaks only HTTP/2 does this when offered HTTP/1.1 alone: ${http2Way(http1Only)}` : 'a port that speaks only TLS does this to plain HTTP: if so, use https://';
  return ` (${empty}; ${largeBody ? `${REFUSES_LARGE_BODY}, and ` : ''}${likely}${refusedCertificate})`;
}

/**
 * Said of a connection the server closed or reset while the request was being
 * written (Node's bare "write EPIPE" names no cause; curl says "Send failure").
 * Which of this and the empty reply a server's close gives is a race: the same
 * reasons are given, shorter.
 */
function sendFailureHint(context: AttemptContext): string {
  const closed = 'the server closed the connection while the request was being sent';
  if (!context.largeBody) return ` (${closed})`;
  return ` (${closed}: ${REFUSES_LARGE_BODY}${http2OnlyHint(context)})`;
}

/** Over TLS with HTTP/1.1 alone offered, a server that speaks only HTTP/2 drops a request's bytes unread too. */
function http2OnlyHint({ overTls, http2Offered, http1Only }: AttemptContext): string {
  return overTls && !http2Offered ? `; or it speaks only HTTP/2, and HTTP/1.1 alone was offered: ${http2Way(http1Only)}` : '';
}

/**
 * The way to HTTP/2 for a server that may speak only it. With --http1.1 that is to drop it (the fallback then asks
 * such a server again with h2 offered): --http2 beside it, as the hint said, is a usage error.
 */
function http2Way(http1Only: boolean): string {
  return http1Only ? 'without --http1.1 it is asked again with h2 offered' : '--http2 offers it HTTP/2 from the first request';
}

const NODE_SYSTEM_CA_HINT = '; if the root CA is installed locally, try running Node.js with --use-system-ca';

/**
 * OpenSSL's error line as Node gives it: a thread id that changes every run, the function, and the
 * source file and line of Node's own build (`800CA83EA87F0000:error:0A00010B:SSL routines:
 * ssl3_get_record:wrong version number:../deps/openssl/.../ssl3_record.c:350:`). One failure read as a
 * new message each run; curl shows `error:0A00010B:SSL routines::wrong version number`, as this does.
 */
const OPENSSL_ERROR_LINE = /\b[0-9A-F]{8,16}:error:([0-9A-F]{8}):([^:\n]*):[^:\n]*:([^:\n]*):[^\n]*?\.c:\d+:([^\n]*)/g;

function opensslAsCurlShowsIt(_line: string, code: string, library: string, reason: string, rest: string): string {
  return `error:${code}:${library}::${reason}${rest.trim() === '' ? '' : ` (${rest.trim()})`}`;
}

/**
 * Node writes a connect error's IPv6 address and port as `::1:1`, `2001:db8::1:80`: itself an address, so
 * where the port begins is a guess. Written as a URL writes it, `[::1]:1`, as bulkfetch's other messages do.
 */
function bracketingIpv6(error: Error, text: string): string {
  const { address, port } = error as { address?: unknown; port?: unknown };
  if (typeof address !== 'string' || typeof port !== 'number' || isIP(address) !== 6) return text;
  return text.replace(`${address}:${port}`, hostAndPort(address, port));
}

/** Node's connect error names the local end too (` - Local (0.0.0.0:0)`), which says nothing of the failure. */
const NODE_LOCAL_ADDRESS = / - Local \([^)]*\)/;

/** Codes of the HTTP client's own errors, left out of a message (describe). */
const INTERNAL_CODE = /^(UND_ERR_|ERR_HTTP2_)/;

function describe(error: unknown): string {
  // Node's connect to each address of a name in turn (autoSelectFamily) fails with an
  // AggregateError whose own message is empty: its errors say what happened at each.
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) {
    return error.errors.map((each: unknown) => describe(each)).join('; ').slice(0, 500);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    // A system's or OpenSSL's code is worth its words (ECONNRESET, DEPTH_ZERO_SELF_SIGNED_CERT); undici's and
    // node:http2's own (UND_ERR_SOCKET, ERR_HTTP2_STREAM_ERROR) are library internals, which the message and its
    // record's code say better.
    const prefix = typeof code === 'string' && !error.message.includes(code) && !INTERNAL_CODE.test(code) ? `${code}: ` : '';
    // OpenSSL's messages end in a newline. Node 24 adds to a certificate's a hint about its own flag, where
    // the line goes on with bulkfetch's (--cacert, -k): the same words on every Node.
    const text = bracketingIpv6(error, error.message.replace(NODE_SYSTEM_CA_HINT, '').replace(OPENSSL_ERROR_LINE, opensslAsCurlShowsIt).replace(NODE_LOCAL_ADDRESS, ''));
    return `${prefix}${text}${cause}`.trim().slice(0, 500);
  }
  return String(error).slice(0, 500);
}

/**
 * The names a certificate that did not match is for, when Node's message lists none: a certificate with
 * no alternative names (CN only), asked for by address, read "is not in the cert's list: " and its
 * hint said to use one of them. curl names the subject's.
 */
function certificateNames(error: unknown): string {
  const cert = (error as { cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } } } | null)?.cert;
  if (typeof cert?.subjectaltname === 'string' && cert.subjectaltname !== '') return '';
  const cn = cert?.subject?.CN;
  return typeof cn === 'string' && cn !== '' ? ` (its subject's CN=${cn}; it has no alternative names)` : '';
}
