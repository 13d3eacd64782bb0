import { describe, expect, it } from 'vitest';
import { RecordErrorCode } from '../../../src/errors.js';
import type { FetchOutcome } from '../../../src/http/outcome.js';
import { parseRetryAfter, retryDelay, type RetryOptions } from '../../../src/http/retry-policy.js';

const options: RetryOptions = { retries: 2, retryDelay: 100, retryMaxDelay: 1000, retryAllMethods: false };
const response = (status: number, retryAfterMs?: number): FetchOutcome => ({
  status, body: null, bytes: 0, attempts: 1, ms: 1, error: null, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});
const failure = (code: RecordErrorCode): FetchOutcome => ({ status: null, body: null, bytes: 0, attempts: 1, ms: 1, error: { code, message: '' } });
const top = () => 0.999999;

describe('retryDelay', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('retries status %i', (status) => {
    expect(retryDelay(response(status), 'GET', 1, options)).toBeTypeOf('number');
  });

  it.each([200, 301, 400, 401, 404, 501])('never retries status %i', (status) => {
    expect(retryDelay(response(status), 'GET', 1, options)).toBeUndefined();
  });

  it('retries connection errors and timeouts, not DNS misses, TLS or protocol errors', () => {
    for (const code of [RecordErrorCode.CONNECTION_REFUSED, RecordErrorCode.CONNECTION_RESET, RecordErrorCode.SOCKET_CLOSED, RecordErrorCode.CONNECT_TIMEOUT, RecordErrorCode.TIMEOUT]) {
      expect(retryDelay(failure(code), 'GET', 1, options), code).toBeTypeOf('number');
    }
    for (const code of [RecordErrorCode.DNS_NOT_FOUND, RecordErrorCode.TLS, RecordErrorCode.PROTOCOL, RecordErrorCode.ABORTED]) {
      expect(retryDelay(failure(code), 'GET', 1, options), code).toBeUndefined();
    }
  });

  it('retries only idempotent methods unless retryAllMethods', () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) expect(retryDelay(response(503), method, 1, options)).toBeTypeOf('number');
    for (const method of ['POST', 'PATCH', 'PURGE']) {
      expect(retryDelay(response(503), method, 1, options)).toBeUndefined();
      expect(retryDelay(response(503), method, 1, { ...options, retryAllMethods: true })).toBeTypeOf('number');
    }
  });

  it('retries any method whose connection was never made: refused, timed out, or its name not found for now', () => {
    for (const code of [RecordErrorCode.CONNECTION_REFUSED, RecordErrorCode.CONNECT_TIMEOUT, RecordErrorCode.DNS_TEMPORARY]) {
      expect(retryDelay(failure(code), 'POST', 1, options), code).toBeTypeOf('number');
    }
    // Reset, closed or timed out after the request went: the server may have acted on it.
    for (const code of [RecordErrorCode.CONNECTION_RESET, RecordErrorCode.SOCKET_CLOSED, RecordErrorCode.TIMEOUT]) {
      expect(retryDelay(failure(code), 'POST', 1, options), code).toBeUndefined();
    }
  });

  it('stops after `retries` retries', () => {
    expect(retryDelay(response(503), 'GET', 2, options)).toBeTypeOf('number');
    expect(retryDelay(response(503), 'GET', 3, options)).toBeUndefined();
    expect(retryDelay(response(503), 'GET', 1, { ...options, retries: 0 })).toBeUndefined();
  });

  it('backs off exponentially with full jitter, capped', () => {
    const big = { ...options, retries: 10 };
    expect(retryDelay(response(503), 'GET', 1, big, top)).toBe(99);
    expect(retryDelay(response(503), 'GET', 2, big, top)).toBe(199);
    expect(retryDelay(response(503), 'GET', 3, big, top)).toBe(399);
    expect(retryDelay(response(503), 'GET', 8, big, top)).toBe(999);
    expect(retryDelay(response(503), 'GET', 3, big, () => 0)).toBe(0);
    expect(retryDelay(response(503), 'GET', 3, big, () => 0.5)).toBe(200);
  });

  it('waits what Retry-After says, up to the cap', () => {
    expect(retryDelay(response(429, 700), 'GET', 1, options, () => 0)).toBe(700);
    expect(retryDelay(response(429, 60_000), 'GET', 1, options)).toBe(1000);
    expect(retryDelay(response(429, 0), 'GET', 1, options, top)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(['2', '9'], now)).toBe(2000);
  });
  it('reads an HTTP date, in the past as 0', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('reads the obsolete RFC 850 and asctime forms as GMT too, whatever the local time zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      expect(parseRetryAfter('Wed Jan  1 00:00:05 2025', now)).toBe(5000);
      expect(parseRetryAfter('Wednesday, 01-Jan-25 00:00:05 GMT', now)).toBe(5000);
      expect(parseRetryAfter('wed, 1 jan 2025 00:00:07 UTC', now)).toBe(7000);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
  it('ignores absent or unreadable values, dates that are no HTTP-date among them', () => {
    expect(parseRetryAfter('Dec 25 2099', now)).toBeUndefined();
    expect(parseRetryAfter('2025-01-01T00:00:05Z', now)).toBeUndefined();
    expect(parseRetryAfter('Fri, 31 Feb 2025 00:00:05 GMT', now)).toBeUndefined();
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 CET', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
