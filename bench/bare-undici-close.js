// @ts-check
// Peer for the many-hosts scenario: the plainest undici loop a user would write for a list of
// distinct hosts. One process, one Agent, `concurrency` requests in flight, every connection
// closed after its response (reset: true), so nothing is kept per host; one JSON line per URL.
//
//   node bench/bare-undici-close.js FILE [concurrency]
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** @type {typeof import('undici')} */
const undici = require('undici');

const [file, concArg = '200'] = process.argv.slice(2);
if (!file) throw new Error('usage: bare-undici-close.js FILE [concurrency]');
const urls = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const agent = new undici.Agent({ connections: 1, pipelining: 0 });
let next = 0;
let out = '';
const flush = () => { if (out) { fs.writeSync(1, out); out = ''; } };

async function worker() {
  while (next < urls.length) {
    const line = next++;
    let status = null, error = null;
    try {
      const res = await undici.request(/** @type {string} */ (urls[line]), { dispatcher: agent, reset: true });
      status = res.statusCode;
      await res.body.text();
    } catch (err) {
      error = /** @type {{ code?: string }} */ (err).code ?? 'ERROR';
    }
    out += `${JSON.stringify({ line: line + 1, status, error })}\n`;
    if (out.length > 65536) flush();
  }
}

await Promise.all(Array.from({ length: Number(concArg) }, worker));
flush();
await agent.close();
