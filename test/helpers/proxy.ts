// A small forward HTTP proxy: absolute-form requests (plain http targets) and CONNECT tunnels
// (https targets). Counts what went through it so tests can prove the client used the proxy.
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
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
  /** 'GET http://127.0.0.1:1234/x' or 'CONNECT 127.0.0.1:1234', in arrival order. */
  targets: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** 'user:pass': require Basic Proxy-Authorization, else answer 407. */
  auth?: string;
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
      // Before establishment the 502 above is still being flushed; end() closes the client then.
      if (established) client.destroy();
    });
    client.once('close', () => upstream.destroy());
  });

  const closer = socketCloser(server, () => {
    for (const t of tunnels) t.destroy();
    upstreamAgent.destroy();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
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
    targets,
    close: () => closer.close(),
  };
}
