// @ts-check
// The Node floor for HTTP/2 (issue 15): node:http2 with no HTTP client library above it. One
// process, CONCURRENCY streams in flight over ceil(CONCURRENCY / 100) sessions to the list's
// origin (nginx allows 128 streams a connection), each body read as text, one JSON line per
// response (url, status, headers, body) to stdout, flushed every 20 ms, as bench/bare-undici.js.
//   node bench/bare-http2.js URL_FILE [CONCURRENCY=200] [MAX_SECONDS=600]
// Certificates are not checked (the bench's self-signed TLS nginx). Every URL must share the
// first one's origin. Bounded: it fetches each URL once, and exits with code 3 after MAX_SECONDS.
import fs from 'node:fs';
import http2 from 'node:http2';

const [file, concArg = '200', maxArg = '600'] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/bare-http2.js URL_FILE [CONCURRENCY] [MAX_SECONDS]');
const urls = fs.readFileSync(file, 'utf8').split('\n').filter((u) => u !== '');
const concurrency = Math.max(1, Number(concArg) || 200);
const origin = new URL(/** @type {string} */ (urls[0])).origin;
const sessions = Array.from({ length: Math.ceil(concurrency / 100) }, () => http2.connect(origin, { rejectUnauthorized: false }));

/** @type {string[]} */
let out = [];
const flush = () => { if (out.length) { process.stdout.write(out.join('')); out = []; } };
const flusher = setInterval(flush, 20);
setTimeout(() => { flush(); console.error(`bare-http2: ${maxArg} s limit`); process.exit(3); }, Number(maxArg) * 1000).unref();

/** @param {http2.ClientHttp2Session} session @param {string} url @returns {Promise<void>} */
function fetchOne(session, url) {
  return new Promise((resolve) => {
    const { pathname, search } = new URL(url);
    const stream = session.request({ ':path': pathname + search, 'user-agent': 'bare-http2' });
    /** @type {http2.IncomingHttpHeaders} */
    let headers = {};
    /** @type {Buffer[]} */
    const chunks = [];
    stream.on('response', (h) => { headers = h; });
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      out.push(`${JSON.stringify({ url, status: headers[':status'], headers, body: Buffer.concat(chunks).toString() })}\n`);
      resolve();
    });
    stream.on('error', (err) => {
      out.push(`${JSON.stringify({ url, status: null, error: err.message })}\n`);
      resolve();
    });
  });
}

let next = 0;
/** @param {number} slot */
async function worker(slot) {
  const session = /** @type {http2.ClientHttp2Session} */ (sessions[slot % sessions.length]);
  while (next < urls.length) await fetchOne(session, /** @type {string} */ (urls[next++]));
}

await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, (_, slot) => worker(slot)));
clearInterval(flusher);
flush();
for (const session of sessions) session.close();
