// Self-signed certificate for the TLS / HTTP/2 test servers, made at test time
// with the openssl CLI so no key material is ever committed to the repo.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  /** PEM private key (unencrypted). */
  key: string;
  /** PEM certificate; self-signed, so it is also the CA clients must trust. */
  cert: string;
}

// RSA key generation costs ~100 ms; one certificate per test process is plenty.
let cached: TestCert | undefined;

/** Returns a self-signed cert valid for 127.0.0.1 and localhost (generated once per process). */
export function testCert(): TestCert {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'bulkfetch-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
        '-keyout', keyPath, '-out', certPath,
        '-subj', '/CN=localhost',
        // Clients verify the SAN, not the CN: both the IP and the name must be listed.
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-days', '1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    cached = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
