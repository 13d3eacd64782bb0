import { EventEmitter } from 'node:events';
import type * as Undici from 'undici';
import { describe, expect, it } from 'vitest';
import { markingStalledHandshakes } from '../../../src/http/stalled-handshake.js';
import { classifyError } from '../../../src/http/error-codes.js';

/** A connector whose socket reaches TCP 'connect' or not, then times out as undici's does. */
function timingOut(tcpConnects: boolean): Undici.buildConnector.connector {
  return ((_opts: unknown, callback: (error: Error | null, socket: null) => void) => {
    const socket = new EventEmitter();
    setImmediate(() => {
      if (tcpConnects) socket.emit('connect');
      callback(Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), null);
    });
    return socket;
  }) as unknown as Undici.buildConnector.connector;
}

function connectWith(connector: Undici.buildConnector.connector): Promise<Error> {
  return new Promise((resolve) => {
    connector({ hostname: '127.0.0.1', host: '127.0.0.1', protocol: 'https:', port: '1', servername: '' }, ((error: Error) => resolve(error)) as never);
  });
}

describe('markingStalledHandshakes', () => {
  it('marks a connect timeout after TCP connected, and the message then speaks of the TLS handshake', async () => {
    const error = await connectWith(markingStalledHandshakes(timingOut(true)));
    expect(error).toMatchObject({ handshakeStalled: true });
    expect(classifyError(error)).toEqual({ code: 'ECONNECTTIMEOUT', message: expect.stringMatching(/TCP connection opened, but the TLS handshake did not finish in time: a plain-HTTP port never answers it, so if this one speaks plain HTTP, use http:\/\//) });
  });

  it('leaves a timeout before TCP connected as it was: nothing about TLS', async () => {
    const error = await connectWith(markingStalledHandshakes(timingOut(false)));
    expect(error).not.toHaveProperty('handshakeStalled');
    expect(classifyError(error).message).not.toMatch(/TLS/);
  });
});
