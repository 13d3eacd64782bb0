import type * as Undici from 'undici';

/**
 * Errors met on the connection to a proxy itself, not to the URL's host: an
 * HTTPS proxy's TLS handshake, a plain-http request's connection reset. Node's certificate errors do not say whose
 * certificate failed, and through an HTTPS proxy to an https URL there are two
 * handshakes; the record's message names the proxy's (blameProxy). Kept aside
 * rather than written onto Node's error objects.
 */
const proxyLegErrors = new WeakSet<object>();

/** Marks an error as met on the way to the proxy. */
export function markProxyLeg(error: unknown): void {
  if (typeof error === 'object' && error !== null) proxyLegErrors.add(error);
}

/** Whether an error, or the one undici wrapped it in (its UND_ERR_PRX_TLS), was met on the way to the proxy. */
export function fromProxyLeg(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return proxyLegErrors.has(error) || proxyLegErrors.has((error as { cause?: object }).cause ?? {});
}

/**
 * A connector to the proxy whose failures are marked as the proxy's: its connect's, and its connection's later
 * (a reset while a plain-http request waits on it is the proxy's doing, whatever it met on the way on). The
 * listener comes before undici's, so an error is marked before undici hands it to the request.
 */
export function markingProxyLeg(connect: Undici.buildConnector.connector): Undici.buildConnector.connector {
  return (opts, callback) =>
    connect(opts, (error, socket) => {
      if (error) markProxyLeg(error);
      else (socket as { on?: (event: string, listener: (error: Error) => void) => void } | null)?.on?.('error', markProxyLeg);
      (callback as (e: Error | null, s: unknown) => void)(error, socket);
    });
}
