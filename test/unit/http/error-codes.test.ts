import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { blameProxy, classifyError, cutShort, endedByGoaway, headersNeverSent, refusedStream, sessionGoneBeforeSent } from '../../../src/http/error-codes.js';
import { markProxyLeg } from '../../../src/http/proxy-leg.js';

describe('classifyError', () => {
  it('maps an HTTPParserError without a code (invalid status line) to EPROTOCOL by its name', () => {
    // Constructed as undici's parser does for an invalid status line: (message, code undefined, data).
    const HTTPParserError = errors.HTTPParserError as unknown as new (message: string, code?: string) => Error & { code?: string };
    const error = new HTTPParserError('Response does not match the HTTP/1.1 protocol (Invalid status code)');
    expect(error.code).toBeUndefined();
    expect(classifyError(error).code).toBe('EPROTOCOL');
  });

  it("names an HTTP/2 request whose HEADERS could never be sent on the closing session a reset, as the resets beside it, not undici's frameError words as EPROTOCOL", () => {
    const neverSent = new errors.InformationalError('HTTP/2: "frameError" received - type 1, code 2');
    expect(classifyError(neverSent)).toEqual({ code: 'ECONNRESET', message: 'HTTP/2: the request could not be sent: the connection it was queued on was closing (a GOAWAY, from the server, or from this client after the server broke the protocol), each time it was tried' });
    // A HEADERS frame too large to go (FRAME_SIZE_ERROR) is the request's own: sent again, it would fail again.
    const tooLarge = new errors.InformationalError('HTTP/2: "frameError" received - type 1, code 6');
    expect(classifyError(tooLarge)).toMatchObject({ code: 'EINVALIDHEADER', message: expect.stringMatching(/headers could not be sent: .* too large for HTTP\/2 here; without --http2/) });
    expect([headersNeverSent(neverSent), headersNeverSent(tooLarge)]).toEqual([true, false]);
    const broken = Object.assign(new Error('Protocol error'), { code: 'ERR_HTTP2_ERROR' });
    expect(classifyError(broken)).toEqual({ code: 'EPROTOCOL', message: "Protocol error (the server's HTTP/2 frames broke the protocol, and this client's nghttp2 ended the connection)" });
  });

  it('says a write the server cut short was the request being sent, and with a large body what may be why', () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
    expect(classifyError(epipe)).toEqual({ code: 'ECONNRESET', message: 'write EPIPE (the server closed the connection while the request was being sent)' });
    expect(classifyError(epipe, undefined, { largeBody: true }).message).toBe('write EPIPE (the server closed the connection while the request was being sent: it may refuse a request body this large)');
    expect(classifyError(epipe, undefined, { largeBody: true, overTls: true }).message).toMatch(/this large; or it speaks only HTTP\/2, and HTTP\/1.1 alone was offered: --http2 offers it HTTP\/2 from the first request\)$/);
    expect(classifyError(epipe, undefined, { largeBody: true, overTls: true, http2Offered: true }).message).toMatch(/this large\)$/);
    // A reset while reading is the server's answer cut off, not a send failure; with a large body, the same likely reason.
    const readReset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    // Node's bare words name no one: the reset is the server's (curl: "Connection reset by peer").
    expect(classifyError(readReset)).toEqual({ code: 'ECONNRESET', message: 'read ECONNRESET (the server reset the connection)' });
    // A server's close (no reset) before the TLS handshake was done: Node says ECONNRESET, but it is a close, as the
    // same close before or after the handshake is, and the handshake's refusal is its likely cause.
    const tlsClosed = Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' });
    expect(classifyError(tlsClosed)).toEqual({ code: 'ESOCKETCLOSED', message: 'Client network socket disconnected before secure TLS connection was established (the server closed the connection during the TLS handshake: it may want a client certificate, --cert, or refuse this TLS version or server name, or take no TLS connections on this port now)' });
    // A name not found, a resolver that did not answer: what Node's words leave unsaid.
    expect(classifyError(Object.assign(new Error('getaddrinfo ENOTFOUND a.test'), { code: 'ENOTFOUND' })).message).toBe('getaddrinfo ENOTFOUND a.test (the name resolves to no address: is it spelled right?)');
    expect(classifyError(Object.assign(new Error('getaddrinfo EAI_AGAIN a.test'), { code: 'EAI_AGAIN' })).message).toBe('getaddrinfo EAI_AGAIN a.test (a temporary DNS failure: the resolver did not answer, or could not be reached)');
    expect(classifyError(readReset, undefined, { largeBody: true }).message).toBe('read ECONNRESET (the server reset the connection: it may refuse a request body this large)');
    // The same close seen as an empty reply (a race): the same reason first.
    const unanswered = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', socket: { bytesRead: 0 } });
    expect(classifyError(unanswered, undefined, { largeBody: true }).message).toMatch(/without answering; it may refuse a request body this large, and a port that speaks only TLS/);
    expect(classifyError(unanswered, undefined, { largeBody: true, overTls: true, http2Offered: true }).message).toMatch(/without answering; it may refuse a request body this large\)$/);
  });

  it("shows OpenSSL's error as curl does, without the thread id that changed each run or Node's source path", () => {
    const wrongVersion = Object.assign(new Error('800CA83EA87F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(classifyError(wrongVersion).message).toMatch(/^ERR_SSL_WRONG_VERSION_NUMBER: error:0A00010B:SSL routines::wrong version number \(the server's answer was not TLS/);
    // Alert 48 answers the client certificate: --cacert and -k, which its words suggest, cannot help.
    const unknownCa = Object.assign(new Error('40A8F1A9F07F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 48\n'), { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    expect(classifyError(unknownCa)).toEqual({ code: 'ETLS', message: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: error:0A000418:SSL routines::tlsv1 alert unknown ca (SSL alert number 48) (the server does not trust the client certificate --cert gave: it takes one its own CA issued)' });
    // Alerts 112 and 80 refuse the name asked by (SNI), which a URL with an IP address does not send: --resolve is the way on.
    const noSite = Object.assign(new Error('80FC0E03727F0000:error:0A000458:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 112\n'), { code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME' });
    expect(classifyError(noSite)).toEqual({ code: 'ETLS', message: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME: error:0A000458:SSL routines::tlsv1 unrecognized name (SSL alert number 112) (the server serves no site under the name asked; a URL with an IP address asks by no name: put the name the site is served under in the URL, with --resolve NAME:PORT:ADDR to reach this address by it)' });
    const noCert = Object.assign(new Error('80FC0E03727F0000:error:0A000438:SSL routines:ssl3_read_bytes:tlsv1 alert internal error:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 80\n'), { code: 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR' });
    expect(classifyError(noCert).message).toMatch(/\(SSL alert number 80\) \(the server failed its side of the handshake: Go servers, Caddy among them, do this for a name they hold no certificate for; a URL with an IP address asks by no name: /);
    const version = Object.assign(new Error('C0:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 70\n'), { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect(classifyError(version).message).toMatch(/share no TLS version: this client speaks TLS 1\.2 and 1\.3, and the server may stop at TLS 1\.0 or 1\.1\)$/);
  });

  it('names no route to an address EUNREACHABLE, without the local end Node adds, and says what -4 does for an IPv6 one', () => {
    // Its address in brackets, as a URL writes it: `ff02::1:41300` is itself an address, the port a guess.
    const v6 = Object.assign(new Error('connect ENETUNREACH ff02::1:41300 - Local (:::0)'), { code: 'ENETUNREACH', address: 'ff02::1', port: 41300 });
    expect(classifyError(v6)).toEqual({ code: 'EUNREACHABLE', message: 'connect ENETUNREACH [ff02::1]:41300 (no route to this address from here: an IPv6 address without an IPv6 route here does this; where a name has IPv4 addresses too, -4 keeps to them)' });
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:1'), { code: 'ECONNREFUSED', address: '::1', port: 1 });
    expect(classifyError(refused)).toEqual({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED [::1]:1' });
    const host = Object.assign(new Error('connect EHOSTUNREACH 10.9.9.9:80 - Local (10.0.0.2:51000)'), { code: 'EHOSTUNREACH', address: '10.9.9.9' });
    expect(classifyError(host)).toEqual({ code: 'EUNREACHABLE', message: 'connect EHOSTUNREACH 10.9.9.9:80 (no route to this address from here)' });
  });

  it("maps a name's addresses tried in turn, one not connecting in time, to ECONNECTTIMEOUT: it was ETIMEDOUT, read as --timeout run out", () => {
    const timedOut = Object.assign(new Error('connect ETIMEDOUT 127.0.0.1:9'), { code: 'ETIMEDOUT', syscall: 'connect' });
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED', syscall: 'connect' });
    const both = Object.assign(new AggregateError([timedOut, refused], ''), { code: 'ETIMEDOUT' });
    expect(classifyError(both)).toEqual({ code: 'ECONNECTTIMEOUT', message: "connect ETIMEDOUT 127.0.0.1:9; connect ECONNREFUSED ::1:9 (the name's addresses were tried in turn, each but the last for at most 2 s and half of --connect-timeout, and none connected; --resolve HOST:PORT:ADDR keeps to one, which then has the whole of it)" });
    expect(classifyError(Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' })).code).toBe('ETIMEDOUT');
  });

  it('maps an HTTP/2 stream reset to ECONNRESET, and knows a refused stream (never processed) from the rest', () => {
    const refused = Object.assign(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    const internal = Object.assign(new Error('Stream closed with error code NGHTTP2_INTERNAL_ERROR'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    expect(classifyError(refused)).toEqual({ code: 'ECONNRESET', message: "Stream closed with error code NGHTTP2_REFUSED_STREAM (the server reset this request's HTTP/2 stream)" });
    expect(classifyError(internal).code).toBe('ECONNRESET');
    // PROTOCOL_ERROR is what the client's own nghttp2 resets a stream with, for a body its Content-Length belies: not said to be
    // the server's. A response that breaks HTTP/2 comes the same again: EPROTOCOL, not retried, as an invalid HTTP/1.1 one.
    const protocol = Object.assign(new Error('Stream closed with error code NGHTTP2_PROTOCOL_ERROR'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    const http1 = Object.assign(new Error('Stream closed with error code NGHTTP2_HTTP_1_1_REQUIRED'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    expect(classifyError(http1)).toEqual({ code: 'EPROTOCOL', message: 'Stream closed with error code NGHTTP2_HTTP_1_1_REQUIRED (the server wants this request over HTTP/1.1: send it without --http2, or with --http1.1)' });
    expect(cutShort(classifyError(protocol), 200, 0, '2')).toEqual({
      code: 'EPROTOCOL',
      message: 'Stream closed with error code NGHTTP2_PROTOCOL_ERROR (the HTTP/2 stream was reset for a protocol error: by the server, or by this client for a response that breaks HTTP/2, such as a body longer or shorter than its Content-Length): the stream ended after status 200 and 0 of the 2 body bytes its Content-Length declared',
    });
    expect(refusedStream(refused)).toBe(true);
    expect(refusedStream(internal)).toBe(false);
    expect(refusedStream(Object.assign(new Error('NGHTTP2_REFUSED_STREAM'), { code: 'ECONNRESET' }))).toBe(false);
    // A session closed under the request (GOAWAY with an error code) is a reset too, so an idempotent record is retried.
    const goaway = Object.assign(new Error('Session closed with error code 11'), { code: 'ERR_HTTP2_SESSION_ERROR' });
    // node:http2's error for the session's other streams is a GOAWAY's end as much as undici's for the one: each goes again alike.
    expect(endedByGoaway(goaway)).toBe(true);
    expect(endedByGoaway(Object.assign(new Error('HTTP/2: "GOAWAY" frame received with code 2'), { code: 'UND_ERR_SOCKET' }))).toBe(true);
    expect(endedByGoaway(Object.assign(new Error('Session closed with error code 11'), { code: 'ECONNRESET' }))).toBe(false);
    expect(classifyError(goaway)).toEqual({ code: 'ECONNRESET', message: 'Session closed with error code 11 (the server closed the HTTP/2 connection this request was on)' });
    // undici 7's words for the streams of a session a GOAWAY ended: a reset when it carried an error, not when graceful.
    const calm = Object.assign(new Error('HTTP/2: "GOAWAY" frame received with code 11'), { code: 'UND_ERR_SOCKET' });
    expect(classifyError(calm)).toEqual({ code: 'ECONNRESET', message: 'HTTP/2: "GOAWAY" frame received with code 11 (ENHANCE_YOUR_CALM: the server closed the HTTP/2 connection this request was on)' });
    expect(classifyError(Object.assign(new Error('HTTP/2: "GOAWAY" frame received with code 0'), { code: 'UND_ERR_SOCKET' })).code).toBe('ESOCKETCLOSED');
    expect(classifyError(Object.assign(new Error('Protocol error'), { code: 'ERR_HTTP2_ERROR' })).code).toBe('EPROTOCOL');
    // RST_STREAM(CANCEL) before the response: Node closes the stream without an error, undici says so in words.
    const cancelled = Object.assign(new Error('HTTP/2: stream closed before the response was complete'), { code: 'UND_ERR_INFO' });
    expect(classifyError(cancelled)).toEqual({ code: 'ECONNRESET', message: "HTTP/2: stream closed before the response was complete (the server reset this request's HTTP/2 stream, or closed the connection it was on)" });
    expect(classifyError(Object.assign(new Error('HTTP/2: "frameError" received - type 1, code 1'), { code: 'UND_ERR_INFO' })).code).toBe('ECONNRESET');
  });

  it('maps llhttp codes, resets under socket errors, and unknown errors to stable codes', () => {
    expect(classifyError(Object.assign(new Error('x'), { code: 'HPE_INVALID_CONSTANT' })).code).toBe('EPROTOCOL');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET', cause: { code: 'ECONNRESET' } })).code).toBe('ECONNRESET');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' })).code).toBe('ESOCKETCLOSED');
    // Closed before a byte of reply (undici's socket info says bytesRead 0): curl's "Empty reply from server".
    const unanswered = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', socket: { bytesRead: 0 } });
    expect(classifyError(unanswered).message).toMatch(/empty reply/);
    expect(classifyError(unanswered).message).not.toMatch(/--http2/);
    expect(classifyError(unanswered).message).toMatch(/only TLS does this to plain HTTP: if so, use https:\/\//);
    expect(classifyError(unanswered, undefined, { overTls: true }).message).toMatch(/a server that speaks only HTTP\/2 does this when offered HTTP\/1.1 alone: --http2 offers it HTTP\/2 from the first request\)$/);
    // With --cert over TLS, a refused client certificate is among the reasons (TLS 1.3 servers may close with no alert); over plain HTTP it is not.
    expect(classifyError(unanswered, undefined, { overTls: true, http2Offered: true, clientCertificate: true }).message).toMatch(/\(empty reply: the server closed the connection without answering; or it refused the client certificate \(--cert\), which a TLS 1\.3 server may say only by closing\)$/);
    expect(classifyError(unanswered, undefined, { clientCertificate: true }).message).not.toMatch(/--cert/);
    // With h2 offered that is not the reason: the empty reply is said alone.
    expect(classifyError(unanswered, undefined, { overTls: true, http2Offered: true }).message).toMatch(/\(empty reply: the server closed the connection without answering\)$/);
    const noAlpn = Object.assign(new Error('alert'), { code: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' });
    expect(classifyError(noAlpn, undefined, { overTls: true }).message).toMatch(/offered by ALPN, HTTP\/1.1 alone: it may speak only HTTP\/2 \(--http2 offers it HTTP\/2 from the first request\)\)$/);
    // With --http1.1 the way round is to drop it: --http2 beside it is a usage error.
    expect(classifyError(noAlpn, undefined, { overTls: true, http1Only: true }).message).toMatch(/it may speak only HTTP\/2 \(without --http1.1 it is asked again with h2 offered\)\)$/);
    expect(classifyError(unanswered, undefined, { overTls: true, http1Only: true }).message).toMatch(/offered HTTP\/1.1 alone: without --http1.1 it is asked again with h2 offered\)$/);
    const resetUpload = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyError(resetUpload, undefined, { overTls: true, largeBody: true, http1Only: true }).message).toMatch(/HTTP\/1.1 alone was offered: without --http1.1 it is asked again with h2 offered\)$/);
    expect(classifyError(resetUpload, undefined, { overTls: true, largeBody: true }).message).toMatch(/HTTP\/1.1 alone was offered: --http2 offers it HTTP\/2 from the first request\)$/);
    expect(classifyError(noAlpn, undefined, { overTls: true, http2Offered: true }).message).toMatch(/offered by ALPN, HTTP\/2 and HTTP\/1.1\)$/);
    const midway = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', socket: { bytesRead: 120 } });
    expect(classifyError(midway, undefined, { overTls: true }).message).toBe('other side closed');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_OVERFLOW' })).code).toBe('EPROTOCOL');
    expect(classifyError(Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' })).code).toBe('EMFILE');
    expect(classifyError(Object.assign(new Error('x'), { cause: { code: 'ENFILE' } })).code).toBe('EMFILE');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' })).code).toBe('EINVALIDHEADER');
    const untrusted = classifyError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
    expect(untrusted).toEqual({ code: 'ETLS', message: expect.stringMatching(/^DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate \(.*--cacert FILE.*-k/) });
    // Expired (or not yet valid): a trusted issuer changes nothing, so --cacert is not the advice (as curl: "certificate has expired").
    const expired = classifyError(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }));
    expect(expired).toEqual({ code: 'ETLS', message: "CERT_HAS_EXPIRED: certificate has expired (the certificate is outside its validity dates: the server's certificate needs renewing, or this machine's clock is off; -k skips the check)" });
    expect(classifyError(Object.assign(new Error('certificate is not yet valid'), { code: 'CERT_NOT_YET_VALID' })).message).not.toContain('--cacert');
    expect(classifyError(Object.assign(new Error('bad record mac'), { code: 'ERR_SSL_BAD_RECORD_MAC' })).message).not.toMatch(/-k|http:/);
    expect(classifyError(Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }))).toEqual({ code: 'ETLS', message: expect.stringMatching(/not TLS: if this port speaks plain HTTP, use http:\/\//) });
    expect(classifyError(new Error('what')).code).toBe('EUNKNOWN');
    expect(classifyError(new Error('x'), 'shutdown').code).toBe('EABORTED');
  });
});

describe('cutShort', () => {
  const closed = { code: 'ESOCKETCLOSED', message: 'other side closed' } as const;
  it('says how much of the body came, of the length declared or of an open-ended one', () => {
    expect(cutShort(closed, 200, 9, '100').message).toBe('other side closed: the connection ended after status 200 and 9 of the 100 body bytes its Content-Length declared');
    expect(cutShort({ ...closed, code: 'ECONNRESET' }, 206, 0, undefined)).toEqual({ code: 'ECONNRESET', message: "other side closed: the connection ended after status 206 and 0 body bytes, before the body's end" });
    // Two Content-Lengths, or one that is not a number, declare nothing to count against.
    expect(cutShort(closed, 200, 5, ['1', '2']).message).toMatch(/5 body bytes, before the body's end$/);
  });

  it('says how much came before a timeout too', () => {
    const timeout = { code: 'ETIMEDOUT', message: 'Attempt exceeded --timeout' } as const;
    expect(cutShort(timeout, 200, 9, '100')).toEqual({ code: 'ETIMEDOUT', message: 'Attempt exceeded --timeout, with status 200 and 9 of the 100 body bytes its Content-Length declared' });
  });

  it('leaves other errors as they are', () => {
    const tooBig = { code: 'EMAXFILESIZE', message: 'Body larger than --max-filesize' } as const;
    expect(cutShort(tooBig, 200, 9, '100')).toBe(tooBig);
  });
});

describe('classifyError of a certificate for other names', () => {
  it('points to the name, not to --cacert, which would not help', () => {
    const mismatch = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: a.test. is not in the cert's altnames: DNS:b.test"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const classified = classifyError(mismatch);
    expect(classified.code).toBe('ETLS');
    expect(classified.message).toMatch(/\(the certificate is for other names: use one of them in the URL, with --resolve NAME:PORT:ADDR to reach this address by it, or -k to skip the check\)$/);
    expect(classified.message).not.toMatch(/--cacert/);
  });

  it("names the subject's CN when the certificate has no alternative names, where Node's list is empty", () => {
    // As tls.checkServerIdentity gives it for a CN-only certificate asked for by address.
    const cnOnly = Object.assign(new Error("Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: "), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      cert: { subject: { CN: 'test.example' }, subjectaltname: undefined },
    });
    expect(classifyError(cnOnly).message).toMatch(/is not in the cert's list: \(the certificate is for other names \(its subject's CN=test\.example; it has no alternative names\): use one of them in the URL/);
    const withNames = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: a.test. is not in the cert's altnames: DNS:b.test"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      cert: { subject: { CN: 'b.test' }, subjectaltname: 'DNS:b.test' },
    });
    expect(classifyError(withNames).message).toMatch(/\(the certificate is for other names: use one of them/);
  });
});

describe('classifyError of a certificate OpenSSL refused for what it is', () => {
  it('is ETLS over TLS, a key too weak (UNSPECIFIED) too, and UNSPECIFIED elsewhere is no certificate', () => {
    const weak = Object.assign(new Error('EE certificate key too weak'), { code: 'UNSPECIFIED' });
    expect(classifyError(weak, undefined, { overTls: true })).toEqual({ code: 'ETLS', message: "UNSPECIFIED: EE certificate key too weak (the server's certificate failed this client's checks: the server needs another; -k skips the checks)" });
    expect(classifyError(Object.assign(new Error('invalid CA certificate'), { code: 'INVALID_CA' }), undefined, { overTls: true }).code).toBe('ETLS');
    expect(classifyError(weak).code).toBe('EUNKNOWN');
  });
});

describe('classifyError of a request written on a destroyed HTTP/2 session', () => {
  it('is ESOCKETCLOSED, never sent, not EUNKNOWN', () => {
    const gone = Object.assign(new Error('The session has been destroyed'), { code: 'ERR_HTTP2_INVALID_SESSION' });
    expect(classifyError(gone, undefined, { overTls: true })).toEqual({ code: 'ESOCKETCLOSED', message: 'The session has been destroyed (the HTTP/2 connection this request was to go on had closed before it was sent)' });
    expect(sessionGoneBeforeSent(gone)).toBe(true);
    expect(sessionGoneBeforeSent(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe(false);
  });
});

describe('classifyError of a name with several addresses', () => {
  it("says what happened at each address, where Node's AggregateError has no message of its own", () => {
    const each = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:1`), { code: 'ECONNREFUSED', address, port: 1 });
    const aggregate = Object.assign(new AggregateError([each('127.0.0.1'), each('::1')], ''), { code: 'ECONNREFUSED' });
    expect(classifyError(aggregate)).toEqual({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1; connect ECONNREFUSED [::1]:1' });
    expect(blameProxy(classifyError(aggregate), aggregate, 'http://a.test/', [{ hostname: '::1', port: 1, forwardsHttp: true }]).message).toMatch(/\(on the way to the proxy \[::1\]:1\)$/);
  });
});

describe('blameProxy', () => {
  const refused = (address: string, port: number) => Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });
  const classified = (error: Error) => classifyError(error);

  it('says an error met on the way to the proxy was, and keeps its code', () => {
    const error = refused('127.0.0.1', 3128);
    expect(blameProxy(classified(error), error, 'http://a.test/', [{ hostname: '127.0.0.1', port: 3128, forwardsHttp: true }])).toEqual({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:3128 (on the way to the proxy 127.0.0.1:3128)',
    });
    const v6 = refused('::1', 3128);
    expect(blameProxy(classified(v6), v6, 'http://a.test/', [{ hostname: '::1', port: 3128, forwardsHttp: true }]).message).toMatch(/proxy \[::1\]:3128\)$/);
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND proxy.test'), { code: 'ENOTFOUND', hostname: 'proxy.test' });
    expect(blameProxy(classified(dns), dns, 'https://a.test/', [{ hostname: 'proxy.test', port: 1080, forwardsHttp: true }]).message).toMatch(/ENOTFOUND proxy.test \(.*\) \(on the way to the proxy proxy.test:1080\)$/);
    // Unreachable, or a connect that timed out (the proxy's connection is marked), says whose address it was too.
    const unreachable = Object.assign(new Error('connect ENETUNREACH 224.0.0.1:3128'), { code: 'ENETUNREACH', address: '224.0.0.1', port: 3128 });
    expect(blameProxy(classified(unreachable), unreachable, 'http://a.test/', [{ hostname: '224.0.0.1', port: 3128, forwardsHttp: true }]).message).toMatch(/\(on the way to the proxy 224\.0\.0\.1:3128\)$/);
    const timedOut = Object.assign(new Error('Connect Timeout Error (attempted address: 127.0.0.1:3128, timeout: 1000ms)'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    markProxyLeg(timedOut);
    expect(blameProxy(classified(timedOut), timedOut, 'http://a.test/', [{ hostname: '127.0.0.1', port: 3128, forwardsHttp: true }])).toEqual({ code: 'ECONNECTTIMEOUT', message: 'Connect Timeout Error (attempted address: 127.0.0.1:3128, timeout: 1000ms) (on the way to the proxy 127.0.0.1:3128)' });
  });

  it('leaves an error about another endpoint, or of another kind, as it was', () => {
    const proxies = [{ hostname: '127.0.0.1', port: 3128, forwardsHttp: true }];
    const elsewhere = refused('127.0.0.1', 8080);
    expect(blameProxy(classified(elsewhere), elsewhere, 'http://127.0.0.1:8080/', proxies)).toEqual(classified(elsewhere));
    // A proxy behind a name: a refusal on the target's own port is not blamed on it.
    const samePort = refused('10.0.0.9', 3128);
    expect(blameProxy(classified(samePort), samePort, 'http://a.test:3128/', [{ hostname: 'proxy.test', port: 3128, forwardsHttp: true }]).message).not.toMatch(/proxy/);
    expect(blameProxy(classified(samePort), samePort, 'http://a.test/', [{ hostname: 'proxy.test', port: 3128, forwardsHttp: true }]).message).toMatch(/proxy proxy.test:3128/);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', address: '127.0.0.1', port: 3128 });
    expect(blameProxy(classified(reset), reset, 'http://a.test/', proxies)).toEqual(classified(reset));
  });

  it("blames an empty reply on the proxy only where the request went to the proxy itself (plain http to an http:// proxy)", () => {
    // undici's "other side closed" with no byte read; the socket's address is the proxy's, tunnel or not.
    const closed = () => Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', socket: { remoteAddress: '127.0.0.1', remotePort: 3128, bytesRead: 0 } });
    const httpProxy = [{ hostname: '127.0.0.1', port: 3128, forwardsHttp: true }];
    const tunnelling = [{ hostname: '127.0.0.1', port: 3128, forwardsHttp: false }];
    const plain = closed();
    expect(blameProxy(classified(plain), plain, 'http://a.test/', httpProxy).message).toContain('the proxy 127.0.0.1:3128 closed the connection without answering');
    // Before: the same blame and SOCKS advice for the URL's server closing inside a CONNECT or SOCKS tunnel.
    for (const [url, proxies] of [['https://a.test/', httpProxy], ['http://a.test/', tunnelling], ['https://a.test/', tunnelling]] as const) {
      const inTunnel = closed();
      expect(blameProxy(classified(inTunnel), inTunnel, url, proxies), url).toEqual(classified(inTunnel));
    }
  });
});
