import { describe, expect, it } from 'vitest';
import { RecordErrorCode } from '../../../src/errors.js';
import { redirectRequest } from '../../../src/http/redirect.js';
import type { AttemptRequest } from '../../../src/http/send-request.js';

const post: AttemptRequest = {
  method: 'POST',
  url: 'http://a.test/form?x=1',
  headers: { 'content-type': 'application/json', authorization: 'Bearer t', cookie: 'c=1', 'x-keep': 'k' },
  body: '{"a":1}',
};

describe('redirectRequest', () => {
  it('resolves a relative Location against the current URL', () => {
    expect(redirectRequest(post, 307, '../next')).toMatchObject({ url: 'http://a.test/next' });
  });

  it('307 and 308 repeat the method and body', () => {
    for (const status of [307, 308]) {
      expect(redirectRequest(post, status, '/b')).toEqual({ ...post, url: 'http://a.test/b' });
    }
  });

  it('301, 302 and 303 turn POST into a GET without body or body headers', () => {
    for (const status of [301, 302, 303]) {
      const next = redirectRequest(post, status, '/b') as AttemptRequest;
      expect(next.method).toBe('GET');
      expect(next.body).toBeUndefined();
      expect(next.headers).not.toHaveProperty('content-type');
      expect(next.headers).toMatchObject({ authorization: 'Bearer t', cookie: 'c=1', 'x-keep': 'k' });
    }
  });

  it('303 turns PUT into GET; 301 keeps PUT; HEAD stays HEAD', () => {
    const put = { ...post, method: 'PUT' };
    expect(redirectRequest(put, 303, '/b')).toMatchObject({ method: 'GET' });
    expect(redirectRequest(put, 301, '/b')).toMatchObject({ method: 'PUT', body: post.body });
    expect(redirectRequest({ ...post, method: 'HEAD', body: undefined }, 303, '/b')).toMatchObject({ method: 'HEAD' });
  });

  it('drops Authorization and Cookie for another origin (host, port or scheme), keeps them for the same', () => {
    for (const location of ['http://b.test/', 'http://a.test:8080/', 'https://a.test/']) {
      const next = redirectRequest(post, 307, location) as AttemptRequest;
      expect(next.headers, location).not.toHaveProperty('authorization');
      expect(next.headers, location).not.toHaveProperty('cookie');
      expect(next.headers['x-keep']).toBe('k');
    }
    expect((redirectRequest(post, 307, 'http://A.test:80/z') as AttemptRequest).headers).toHaveProperty('authorization');
  });

  it('drops a Host header for another host name, keeps it for the same one on another port or scheme, as curl', () => {
    const withHost = { ...post, headers: { ...post.headers, host: 'site.test' } };
    expect((redirectRequest(withHost, 302, 'http://b.test/') as AttemptRequest).headers).not.toHaveProperty('host');
    for (const location of ['/next', 'https://A.test:8443/']) {
      expect((redirectRequest(withHost, 302, location) as AttemptRequest).headers, location).toHaveProperty('host', 'site.test');
    }
  });

  it('refuses non-http schemes and unparsable targets', () => {
    expect(redirectRequest(post, 302, 'file:///etc/passwd')).toMatchObject({ code: RecordErrorCode.UNSUPPORTED_SCHEME });
    // Port 0, as in an input line: EINVALIDURL, where the connect was refused with a message that left the port out.
    expect(redirectRequest(post, 302, 'http://127.0.0.1:0/x')).toEqual({ code: RecordErrorCode.INVALID_URL, message: 'Redirect to port 0, which no server listens on: "http://127.0.0.1:0/x"' });
    expect(redirectRequest(post, 302, 'http://[bad')).toMatchObject({ code: RecordErrorCode.INVALID_URL });
  });

  it("masks a password in the port-0 refusal, as in the other refusals (a server's Location)", () => {
    expect(redirectRequest(post, 302, 'http://u:secret@127.0.0.1:0/x')).toEqual({ code: RecordErrorCode.INVALID_URL, message: 'Redirect to port 0, which no server listens on: "http://u:***@127.0.0.1:0/x"' });
  });

  it('refuses a tab or line break inside a Location, which URL parsing would drop (curl: "Bad path")', () => {
    expect(redirectRequest(post, 302, '/tab\tx')).toEqual({ code: RecordErrorCode.INVALID_URL, message: 'Redirect to an invalid URL (a tab or line break inside it): "/tab\\tx"' });
    expect(redirectRequest(post, 302, 'http://a.test/a\nb')).toMatchObject({ code: RecordErrorCode.INVALID_URL });
    // Around it, whitespace is no part of the URL.
    expect(redirectRequest(post, 302, ' /ok\t')).toMatchObject({ url: 'http://a.test/ok' });
  });

  it('never mutates the shared headers object', () => {
    const headers = { ...post.headers };
    redirectRequest({ ...post, headers }, 303, 'http://other.test/');
    expect(headers).toEqual(post.headers);
  });
});
