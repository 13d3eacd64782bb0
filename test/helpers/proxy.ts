// A small forward HTTP proxy: absolute-form requests (plain http targets) and CONNECT tunnels
// (https targets). Counts what went through it so tests can prove the client used the proxy.
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { listen, socketCloser } from './tracking.js';

export interface ProxyServer {
  url: string;
  port: number;
  /** Absolute-form requests plus CONNECT tunnels that were accepted. */
  readonly requests: number;
  /** Absolute-form (GET http://host/path) requests forwarded. */
  readonly forwarded: number;
  /** CONNECT tunnels opened. */
  readonly connects: number;
  /** Connections clients opened to the proxy. */
  readonly connections: number;
  /** 'GET http://127.0.0.1:1234/x' or 'CONNECT 127.0.0.1:1234', in arrival order. */
  targets: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** 'user:pass': require Basic Proxy-Authorization, else answer 407. */
  auth?: string;
  /** The loopback address to listen on: 127.0.0.1 unless given ('::1'). */
  host?: string;
}

// The proxy must never become a way to reach beyond this machine: loopback targets only.
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export async function startProxyServer(opts: ProxyOptions = {}): Promise<ProxyServer> {
  const expectedAuth = opts.auth === undefined ? undefined : `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  let forwarded = 0;
  let connects = 0;
  const targets: string[] = [];
  // Own agent, so upstream keep-alive sockets die with the proxy instead of the global agent.
  const upstreamAgent = new Agent({ keepAlive: true });
  const tunnels = new Set<Socket>();

  const authorized = (req: IncomingMessage) =>
    expectedAuth === undefined || req.headers['proxy-authorization'] === expectedAuth;

  const server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('proxy expects absolute-form request targets');
      return;
    }
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    if (target.protocol !== 'http:' || !isLoopback(target.hostname)) {
      res.writeHead(403).end('test proxy only forwards to http on loopback');
      return;
    }
    forwarded++;
    targets.push(`${req.method} ${target.href}`);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = request(
      {
        agent: upstreamAgent,
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('upstream error');
      else res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => {});
    if (!authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m || !isLoopback(m[1]!)) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    connects++;
    targets.push(`CONNECT ${req.url}`);
    let established = false;
    const upstream = connect(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), () => {
      established = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    tunnels.add(upstream);
    upstream.on('error', () => {
      if (!established) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      else client.destroy();
    });
    upstream.once('close', () => {
      tunnels.delete(upstream);
      // Before establishment the 502 above is still being flushed; end() closes the client then. After
      // it, what the target sent may still sit in the client's buffer (a client reading slowly): the pipe
      // ends the client once that is written, where destroy() dropped it and cut the body.
      if (established) client.end();
    });
    client.once('close', () => upstream.destroy());
  });

  let connections = 0;
  server.on('connection', () => void connections++);
  const closer = socketCloser(server, () => {
    for (const t of tunnels) t.destroy();
    upstreamAgent.destroy();
  });
  const port = await listen(server, opts.host);
  return {
    url: `http://${opts.host?.includes(':') ? `[${opts.host}]` : (opts.host ?? '127.0.0.1')}:${port}`,
    port,
    get requests() {
      return forwarded + connects;
    },
    get forwarded() {
      return forwarded;
    },
    get connects() {
      return connects;
    },
    get connections() {
      return connections;
    },
    targets,
    close: () => closer.close(),
  };
}

export interface SocksServer {
  url: string;
  port: number;
  /** 'name:port' (the client sent the name: socks5h) or 'address:port' (socks5, looked up by the client), in arrival order. */
  targets: string[];
  close(): Promise<void>;
}

/**
 * A SOCKS5 proxy (RFC 1928, CONNECT only; RFC 1929 user/password when `auth`
 * is given): a name it is sent is looked up here ('localhost' only, as the
 * proxy must never reach beyond this machine). Replies 2 (not allowed) to a
 * target off loopback, 5 (refused) when the target refuses.
 */
export async function startSocksServer(opts: ProxyOptions = {}): Promise<SocksServer> {
  const targets: string[] = [];
  const tunnels = new Set<Socket>();
  const server = createNetServer((client) => {
    client.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let step: 'greeting' | 'auth' | 'request' | 'open' = 'greeting';
    const take = (n: number): Buffer | undefined => {
      if (buffered.length < n) return undefined;
      const bytes = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      return bytes;
    };
    const reply = (code: number): void => void client.write(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (step === 'greeting') {
          const nMethods = buffered[1];
          if (nMethods === undefined || buffered.length < 2 + nMethods) return;
          const methods = [...(take(2 + nMethods) as Buffer).subarray(2)];
          const wanted = opts.auth === undefined ? 0 : 2;
          if (!methods.includes(wanted)) {
            client.end(Buffer.from([5, 0xff]));
            return;
          }
          client.write(Buffer.from([5, wanted]));
          step = wanted === 2 ? 'auth' : 'request';
        } else if (step === 'auth') {
          const userLength = buffered[1];
          const passLength = userLength === undefined ? undefined : buffered[2 + userLength];
          if (userLength === undefined || passLength === undefined || buffered.length < 3 + userLength + passLength) return;
          const bytes = take(3 + userLength + passLength) as Buffer;
          const given = `${bytes.subarray(2, 2 + userLength).toString()}:${bytes.subarray(3 + userLength).toString()}`;
          if (given !== opts.auth) {
            client.end(Buffer.from([1, 1]));
            return;
          }
          client.write(Buffer.from([1, 0]));
          step = 'request';
        } else if (step === 'request') {
          const type = buffered[3];
          const length = type === 1 ? 4 : type === 4 ? 16 : type === 3 ? (buffered[4] ?? 255) + 1 : undefined;
          if (length === undefined || buffered.length < 4 + length + 2) return;
          const bytes = take(4 + length + 2) as Buffer;
          const address = bytes.subarray(4, 4 + length);
          const host = type === 1 ? [...address].join('.') : type === 3 ? address.subarray(1).toString() : (address.toString('hex').match(/.{4}/g) ?? []).join(':').replace(/\b0+(?=\w)/g, '');
          const port = bytes.readUInt16BE(4 + length);
          targets.push(`${type === 4 ? `[${host}]` : host}:${port}`);
          const loopbackHost = host === 'localhost' ? '127.0.0.1' : host;
          if (!isLoopback(loopbackHost)) {
            reply(2);
            client.end();
            return;
          }
          step = 'open';
          client.off('data', onData);
          client.pause();
          let established = false;
          const upstream = connect(port, loopbackHost, () => {
            established = true;
            reply(0);
            if (buffered.length) upstream.write(buffered);
            upstream.pipe(client);
            client.pipe(upstream);
            client.resume();
          });
          tunnels.add(upstream);
          upstream.on('error', () => {
            if (!established) {
              reply(5);
              client.end();
            } else client.destroy();
          });
          upstream.once('close', () => {
            tunnels.delete(upstream);
            // Before establishment the refusal above is still being flushed; end() closes the client then.
            if (established) client.destroy();
          });
          client.once('close', () => upstream.destroy());
          return;
        } else return;
      }
    };
    client.on('data', onData);
  });
  const closer = socketCloser(server, () => {
    for (const t of tunnels) t.destroy();
  });
  const port = await listen(server);
  return { url: `socks5://127.0.0.1:${port}`, port, targets, close: () => closer.close() };
}
