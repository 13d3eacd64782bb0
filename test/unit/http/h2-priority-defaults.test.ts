import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * A cleartext HTTP/2 server and a session to it, in a process of its own (the
 * replacement changes node:http2 for the whole process): what the server got,
 * and what became of http2.connect and the session's request method.
 */
const PROBE = (setup: string): string => `
import http2 from 'node:http2';
const nodeConnect = http2.connect;
${setup}
const server = http2.createServer();
server.on('stream', (stream) => {
  let body = '';
  stream.on('data', (chunk) => { body += chunk; });
  stream.on('end', () => { stream.respond({ ':status': 200 }); stream.end(JSON.stringify({ body })); });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const session = http2.connect('http://127.0.0.1:' + server.address().port);
const fetchOne = (headers, options, payload) => new Promise((resolve, reject) => {
  const stream = session.request(headers, options);
  let text = '';
  stream.on('response', () => {});
  stream.on('data', (chunk) => { text += chunk; });
  stream.on('end', () => resolve(JSON.parse(text).body));
  stream.on('error', reject);
  if (payload !== undefined) stream.end(payload);
});
const plain = await fetchOne({ ':path': '/a' }, { endStream: true });
// A GET that sends a body: only options passed through keep its stream open (node:http2 ends a GET's by default).
const withBody = await fetchOne({ ':path': '/b' }, { endStream: false }, 'abc');
console.log(JSON.stringify({
  plain,
  withBody,
  connectRestored: http2.connect === nodeConnect,
  request: Object.getPrototypeOf(session).request.name,
}));
session.close();
server.close();
`;

function probe(setup: string): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROBE(setup)], { encoding: 'utf8' })) as Record<string, unknown>;
}

describe('usePriorityDefaults', () => {
  it('passes every request option through, with the defaults under them, once the first session gave its class', () => {
    const entry = new URL('../../../dist/http/h2-priority-defaults.js', import.meta.url).href;
    const node = probe('');
    const patched = probe(`(await import(${JSON.stringify(entry)})).usePriorityDefaults();`);
    expect(node).toEqual({ plain: '', withBody: 'abc', connectRestored: true, request: 'request' });
    expect(patched).toEqual({ plain: '', withBody: 'abc', connectRestored: true, request: 'requestWithDefaults' });
  });
});
