import { describe, expect, it } from 'vitest';
import { ProxyConnectTimeout } from '../../../src/http/proxy-tunnel-client.js';

describe('ProxyConnectTimeout', () => {
  it('says whether the CONNECT went unanswered or was never sent (the proxy took no TCP connection)', () => {
    expect(new ProxyConnectTimeout('127.0.0.1:3128', 'a.test:443', 1000).message).toBe('The proxy 127.0.0.1:3128 did not answer the CONNECT to a.test:443 within --connect-timeout (1000 ms)');
    // It said "did not answer the CONNECT" of a proxy whose TCP connect never completed: no CONNECT had gone.
    expect(new ProxyConnectTimeout('127.0.0.1:3128', 'a.test:443', 1000, false, true).message).toBe('The proxy 127.0.0.1:3128 did not take the connection within --connect-timeout (1000 ms): its TCP connect got no answer, so no CONNECT to a.test:443 was sent');
    expect(new ProxyConnectTimeout('p.test:443', 'a.test:443', 500, true).message).toMatch(/\(or the TLS handshake with it: if it speaks plain HTTP, give it as http:\/\/p\.test:443\)$/);
  });
});
