// @ts-check
// The "bare undici loop": the Node floor that bulkfetch is measured against (issue 15).
// One process, CONCURRENCY requests in flight through undici's Agent.request, each body read
// as text, one JSON line per response (url, status, headers, body) to stdout, flushed every 20 ms.
//   node bench/bare-undici.js URL_FILE [CONCURRENCY=200] [MAX_SECONDS=600] [--insecure] [--h2] [--procs=N]
// Bounded: it fetches the file's URLs once each, and exits with code 3 after MAX_SECONDS.
// --procs=N runs N such loops at once, each a process of its own on every Nth URL with CONCURRENCY
// in flight, their lines on this one's stdout: bulkfetch's shape (a parent, N children, equal
// shards) with none of its work, the floor of that design where one process is not (the
// latency-bound scenario's 2 x 800 and 8 x 200).
// --insecure accepts any certificate (the bench's self-signed TLS nginx); --h2 offers HTTP/2 by
// ALPN and lets each connection carry 100 streams, as bulkfetch --http2 does (the TLS scenario's
// floor for undici's h2 client).
import fs from 'node:fs';
import { spawn } from 'node:child_process';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [file, concArg = '200', maxArg = '600'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: node bench/bare-undici.js URL_FILE [CONCURRENCY] [MAX_SECONDS] [--insecure] [--h2] [--procs=N]');
const procs = Number(flags.find((a) => a.startsWith('--procs='))?.slice('--procs='.length) ?? 1);
const shard = flags.find((a) => a.startsWith('--shard='))?.slice('--shard='.length);
if (procs > 1) {
  const own = process.argv.slice(1).filter((a) => !a.startsWith('--procs='));
  const codes = await Promise.all(Array.from({ length: procs }, (_, i) => new Promise((resolve) => {
    spawn(process.execPath, [...own, `--shard=${i}/${procs}`], { stdio: ['ignore', 'inherit', 'inherit'] })
      .on('close', (code) => resolve(code ?? 1));
  })));
  process.exit(codes.find((c) => c !== 0) ?? 0);
}
const [shardIndex, shardCount] = shard ? shard.split('/').map(Number) : [0, 1];
const urls = fs.readFileSync(file, 'utf8').split('\n').filter((u, i) => u !== '' && i % /** @type {number} */ (shardCount) === shardIndex);
// loaded here, not at the top: with --procs the first process only starts the others
const { Agent } = await import('undici');
const concurrency = Math.max(1, Number(concArg) || 200);
const h2 = flags.includes('--h2');
const agent = new Agent({
  connections: concurrency,
  pipelining: h2 ? 100 : 1,
  keepAliveTimeout: 10_000,
  ...(h2 ? { allowH2: true } : {}),
  connect: { ...(flags.includes('--insecure') ? { rejectUnauthorized: false } : {}), ...(h2 ? { allowH2: true } : {}) },
});

/** @type {string[]} */
let out = [];
const flush = () => { if (out.length) { process.stdout.write(out.join('')); out = []; } };
const flusher = setInterval(flush, 20);
setTimeout(() => { flush(); console.error(`bare-undici: ${maxArg} s limit`); process.exit(3); }, Number(maxArg) * 1000).unref();

let next = 0;
async function worker() {
  while (next < urls.length) {
    const url = /** @type {string} */ (urls[next++]);
    const { origin, pathname, search } = new URL(url);
    try {
      const res = await agent.request({ origin, path: pathname + search, method: 'GET', headers: { 'user-agent': 'bare-undici' } });
      const body = await res.body.text();
      out.push(`${JSON.stringify({ url, status: res.statusCode, headers: res.headers, body })}\n`);
    } catch (err) {
      out.push(`${JSON.stringify({ url, status: null, error: String(/** @type {Error} */ (err).message) })}\n`);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
clearInterval(flusher);
flush();
await agent.close();
