import type * as Undici from 'undici';

/**
 * Marks a connect timeout that came after the TCP connection had opened: the
 * TLS handshake did not finish, as with a plain-HTTP server that waits for a
 * request line and never answers it (curl: "SSL connection timeout"), or a
 * TLS server stuck in it (Node tells neither from the other before the
 * handshake ends: a TLS socket counts no byte read till then), so the message can say so
 * (classifyError). One listener a connection, none a request.
 */
export function markingStalledHandshakes(connect: Undici.buildConnector.connector): Undici.buildConnector.connector {
  return (opts, callback) => {
    // TLS started on a connection already open (a SOCKS proxy's tunnel: undici's httpSocket): open from the start.
    const tunnelled = (opts as { httpSocket?: unknown }).httpSocket != null;
    let tcpOpen = tunnelled;
    // undici's buildConnector returns the socket it made (its types say void).
    const socket = (connect as (o: typeof opts, c: typeof callback) => unknown)(opts, ((error: Error | null, made: unknown) => {
      if (error && tcpOpen && (error as { code?: unknown }).code === 'UND_ERR_CONNECT_TIMEOUT') Object.assign(error, { handshakeStalled: true, ...(tunnelled ? { tunnelled } : {}) });
      (callback as (e: Error | null, s: unknown) => void)(error, made);
    }) as typeof callback) as { once?: (event: string, listener: () => void) => unknown } | undefined;
    socket?.once?.('connect', () => {
      tcpOpen = true;
    });
    return socket;
  };
}
