import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * One SecureContext for all of a child's TLS connections.
 *
 * Handed none, tls.connect builds a context for every connection from the
 * options it gets (Node's own https.Agent does the same). On this machine that
 * costs about 0.2 ms of CPU with the default trust, 0.5 ms with a one-CA
 * --cacert, and 28 ms with a --cacert of the system bundle (140 CAs, a
 * habit from curl), against ~0.1 ms for a whole request. A list of distinct
 * https hosts opens a connection for nearly every record, so that cost is paid
 * per record (bench/CHANGELOG.md, entry 20). A context holds the trust and the
 * client certificate only; what differs per connection (server name, ALPN,
 * session, rejectUnauthorized) stays in tls.connect's own options.
 */

export interface TlsTrust {
  /** --cacert's PEM text: trusted instead of the default CAs. */
  ca?: string | undefined;
  /** The client certificate and its key (--cert, --key). */
  cert?: string | undefined;
  key?: string | undefined;
  /**
   * NODE_EXTRA_CA_CERTS's file, which this process was started without
   * (src/wire/child-env.ts): the bundled roots plus its certificates are the
   * default trust Node would have made. Ignored with `ca` (which replaces the
   * default trust, as Node then ignores the variable too) or `insecure`.
   */
  extraCaFile?: string | undefined;
  insecure: boolean;
}

/**
 * The context, built on the first call (a run over plain http never builds
 * one). Undefined when the options cannot make one (a bad PEM): connections
 * then go without it, and tls.connect fails each one with its own error, as
 * it always did. An extra-CA file that cannot be read or parsed adds nothing,
 * as with Node, which warns (the parent did, as it started).
 */
export function lazyTlsContext(trust: TlsTrust): () => SecureContext | undefined {
  let built: { context: SecureContext | undefined } | undefined;
  return () => {
    built ??= { context: buildContext(trust) };
    return built.context;
  };
}

function buildContext({ ca, cert, key, extraCaFile, insecure }: TlsTrust): SecureContext | undefined {
  const credentials = cert !== undefined ? { cert, key: key ?? cert } : {};
  if (ca === undefined && extraCaFile !== undefined && !insecure) {
    const withExtra = attempt(() => createSecureContext({ ca: [...rootCertificates, readFileSync(extraCaFile, 'latin1')], ...credentials }));
    if (withExtra) return withExtra;
  }
  // As curl (7.68+) has OpenSSL take a --cacert certificate as a trust anchor whether or not it is a CA's:
  // pinning a server by its own certificate (`--cacert server.pem`) was refused as an unknown issuer.
  return attempt(() => createSecureContext({ ...(ca !== undefined ? { ca, allowPartialTrustChain: true } : {}), ...credentials }));
}

function attempt(build: () => SecureContext): SecureContext | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}
