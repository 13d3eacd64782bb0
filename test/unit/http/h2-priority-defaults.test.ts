import { spawnSync } from 'node:child_process';
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

/** The probe's report, and what it wrote on stderr (a deprecation warning would be there). */
function probe(setup: string): Record<string, unknown> & { stderr: string } {
  const ran = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE(setup)], { encoding: 'utf8' });
  return { ...(JSON.parse(ran.stdout) as Record<string, unknown>), stderr: ran.stderr };
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

describe('usePriorityDefaults', () => {
  it('passes every request option through, with the defaults under them, once the first session gave its class; on Node 24 it stays out', () => {
    const entry = new URL('../../../dist/http/h2-priority-defaults.js', import.meta.url).href;
    const node = probe('');
    const patched = probe(`(await import(${JSON.stringify(entry)})).usePriorityDefaults();`);
    expect(node).toEqual({ plain: '', withBody: 'abc', connectRestored: true, request: 'request', stderr: '' });
    // Node 24 warns DEP0194 at a `weight` option (priority signaling is gone there), and its copy is cheap.
    const replaced = NODE_MAJOR < 24 ? 'requestWithDefaults' : 'request';
    expect(patched).toEqual({ plain: '', withBody: 'abc', connectRestored: true, request: replaced, stderr: '' });
  });
});
