// Self-signed certificate for the TLS / HTTP/2 test servers, made at test time
// with the openssl CLI so no key material is ever committed to the repo.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export interface CaSignedCert extends TestCert {
  /** PEM of the CA that signed `cert` (a leaf, CA:FALSE, for 127.0.0.1 and localhost). */
  ca: string;
}

let cachedSigned: CaSignedCert | undefined;

/** A private CA and a leaf it signed, as real servers have them (generated once per process). */
export function caSignedCert(): CaSignedCert {
  if (cachedSigned) return cachedSigned;
  const dir = mkdtempSync(join(tmpdir(), 'bulkfetch-ca-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=bulkfetch test CA', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
    writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'leaf.ext');
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    cachedSigned = { ca: read('ca.pem'), key: read('leaf.key'), cert: read('leaf.pem') };
    return cachedSigned;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
