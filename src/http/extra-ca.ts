import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * A child's trust for NODE_EXTRA_CA_CERTS, which it is started without (see
 * src/wire/child-env.ts): Node's bundled roots plus the file's certificates,
 * what Node would have made the default, as one SecureContext built at the
 * first verified TLS connection (never, in most runs).
 */

export interface ClientCredentials {
  cert?: string | undefined;
  key?: string | undefined;
}

/**
 * The context, built on the first call, with the client certificate if one is
 * given (tls.connect ignores cert, key and ca when handed a context).
 * Undefined when it cannot be built: for a file that cannot be read or
 * parsed Node warns (the parent did, as it started) and trusts the bundled
 * roots alone, which is what a connection without the context gets; a bad
 * client certificate then fails that connection as it always did.
 */
export function lazyExtraCaContext(file: string, credentials: ClientCredentials): () => SecureContext | undefined {
  let built: { context: SecureContext | undefined } | undefined;
  return () => {
    built ??= { context: extraCaContext(file, credentials) };
    return built.context;
  };
}

function extraCaContext(file: string, { cert, key }: ClientCredentials): SecureContext | undefined {
  try {
    return createSecureContext({
      ca: [...rootCertificates, readFileSync(file, 'latin1')],
      ...(cert !== undefined ? { cert, key: key ?? cert } : {}),
    });
  } catch {
    return undefined;
  }
}
