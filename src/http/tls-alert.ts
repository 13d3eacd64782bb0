import type { Socket } from 'node:net';

/**
 * Makes a TLS socket's fatal alert the error its request fails with (applied
 * by http1-socket.ts). With TLS 1.3 a server checks a client certificate after
 * the client's handshake has finished, so its refusal (`certificate required`,
 * `unknown ca`, `bad certificate`) comes as an alert on the first read. Node
 * emits it as the socket's error, but undici fails the running request only
 * when the socket closes, with the error of the end that follows: "other side
 * closed", read as an empty reply and retried, where curl says "tlsv13 alert
 * certificate required". Here that later error gives way to the alert.
 */
export function keepTlsAlerts(socket: Socket): void {
  if (!(socket as { encrypted?: boolean }).encrypted) return;
  let alert: Error | undefined;
  socket.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (alert === undefined && error.code?.startsWith('ERR_SSL_')) alert = error;
  });
  const destroy = socket.destroy;
  socket.destroy = function (error?: Error) {
    return destroy.call(this, alert !== undefined && (error as NodeJS.ErrnoException | undefined)?.code === 'UND_ERR_SOCKET' ? alert : error);
  };
}
