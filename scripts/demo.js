#!/usr/bin/env node
// `npm run demo`: bulkfetch against an embedded local server, no network beyond 127.0.0.1.
// Generates URLs with repeats (the cache answers those), a few 404s and a few
// connections the server drops, then runs the built CLI with progress forced on
// and the summary on stderr. DEMO_RECORDS sets the size (default 6000); DEMO_CLEANUP=1
// removes the generated files afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RECORDS = Number(process.env.DEMO_RECORDS ?? 6000);
const CLI = fileURLToPath(new URL('../bin/bulkfetch.js', import.meta.url));

const server = createServer((req, res) => {
  const path = req.url ?? '/';
  if (path.startsWith('/drop/')) {
    req.socket.destroy(); // the client sees the connection close before a response
    return;
  }
  // 5-40 ms of "work", so progress has something to show.
  setTimeout(() => {
    const status = path.startsWith('/missing/') ? 404 : 200;
    const body = JSON.stringify({ path, status });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }, 5 + Math.floor(Math.random() * 35));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// Two thirds of the records repeat one of RECORDS / 3 items.
const lines = ['# bulkfetch demo input'];
for (let i = 0; i < RECORDS; i++) {
  if (i % 250 === 7) lines.push(`${base}/missing/${i}`);
  else if (i % 500 === 11) lines.push(`${base}/drop/${i}`);
  else if (i === 42) lines.push('not a url');
  else lines.push(`${base}/items/${i % Math.max(1, Math.floor(RECORDS / 3))}`);
}
const dir = mkdtempSync(join(tmpdir(), 'bulkfetch-demo-'));
const input = join(dir, 'urls.txt');
const output = join(dir, 'results.ndjson');
writeFileSync(input, `${lines.join('\n')}\n`);

const args = [CLI, input, '--procs', '2', '--concurrency', '16', '--progress', '-o', output, '--summary', join(dir, 'summary.json')];
process.stderr.write(`$ bulkfetch ${args.slice(1).join(' ')}\n`);
const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
server.close();
server.closeAllConnections?.();
if (process.env.DEMO_CLEANUP === '1') rmSync(dir, { recursive: true, force: true });
else process.stderr.write(`\nresults: ${output} (one JSON line per record)\n  try: jq -c 'select(.ok | not) | {line, url, status, error: .error.code}' ${output}\n`);
process.exitCode = code;
