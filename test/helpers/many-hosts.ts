// One HTTP server answering on every 127.x.y.z address, so a test can fetch from many distinct
// origins (undici pools per origin) and count the connections they make at the server side.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ManyHostServer {
  port: number;
  /** The URL of distinct host number i (0-based): http://127.1.y.z:port/i */
  url(i: number): string;
  /** Connections open now, the most ever open at once, and all accepted. */
  readonly open: number;
  readonly peak: number;
  readonly accepted: number;
  /**
   * For each connection closed so far that served at least one request: how
   * long it stayed open after its last response was sent (ms), in closing order.
   */
  readonly lingers: number[];
  close(): Promise<void>;
}

export function loopbackHost(i: number): string {
  return `127.${1 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
}

/** Answers 200 to everything after `delayMs`, keeping connections alive as long as the client does. */
export async function startManyHostServer(delayMs = 0): Promise<ManyHostServer> {
  const sockets = new Set<Socket>();
  let peak = 0;
  let accepted = 0;
  const lingers: number[] = [];
  /** When each connection last finished a response. */
  const answeredAt = new WeakMap<Socket, number>();
  const server: Server = createServer((req, res) => {
    const { socket } = req;
    const answer = (): void => void res.end('ok', () => answeredAt.set(socket, performance.now()));
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.on('error', () => {});
    socket.once('close', () => {
      sockets.delete(socket);
      const at = answeredAt.get(socket);
      if (at !== undefined) lingers.push(performance.now() - at);
    });
  });
  // 0.0.0.0 answers on every loopback address (traffic stays on 127.0.0.0/8: the tests only connect there).
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (i) => `http://${loopbackHost(i)}:${port}/${i}`,
    get open() {
      return sockets.size;
    },
    get peak() {
      return peak;
    },
    get accepted() {
      return accepted;
    },
    lingers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
