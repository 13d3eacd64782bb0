// What a child loads is start-up time on every run, paid again by every child
// (issue 15). undici's index (fetch, WebSocket, caching, mocks) is not in the
// child's bundle: only a run through a proxy reads it, from node_modules.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, runCli, startHttpServer, scratchDir, startProxyServer, writeTempFile } from '../helpers/index.js';

const track = cleanupAfterEach();
const NO_PROXY_ENV = { HTTP_PROXY: undefined, http_proxy: undefined, HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

/**
 * Runs the CLI with a preload (NODE_OPTIONS reaches the children) that, as each
 * child exits, writes whether undici's index was among the modules it loaded.
 */
async function undiciIndexLoadedByChildren(args: string[]): Promise<{ code: number | null; statuses: unknown[]; children: boolean[] }> {
  const dir = scratchDir('bulkfetch-modules');
  const preload = join(dir, 'preload.cjs');
  writeFileSync(preload, `
    if (/main\\.cjs$/.test(process.argv[1] ?? '')) process.on('exit', () => {
      const loaded = Object.keys(require.cache).some((file) => /node_modules[\\\\/]undici[\\\\/]index\\.js$/.test(file));
      require('node:fs').writeFileSync(${JSON.stringify(dir)} + '/child-' + process.pid, String(loaded));
    });
  `);
  const result = await runCli([...args, '--procs', '1', '-q'], { env: { ...NO_PROXY_ENV, NODE_OPTIONS: `--require ${preload}` } });
  const children = readdirSync(dir).filter((f) => f.startsWith('child-')).map((f) => readFileSync(join(dir, f), 'utf8') === 'true');
  return { code: result.code, statuses: result.lines.map((l) => l.status), children };
}

describe("a child's modules", () => {
  it("a child never loads undici's index for a direct run, and loads it for a run through a proxy", async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`]);

    const direct = await undiciIndexLoadedByChildren([input]);
    expect(direct).toEqual({ code: 0, statuses: [200, 200], children: [false] });

    // The preload sees the index when it is loaded: through a proxy it is.
    const proxy = await track(startProxyServer());
    const proxied = await undiciIndexLoadedByChildren([input, '-x', proxy.url]);
    expect(proxied).toEqual({ code: 0, statuses: [200, 200], children: [true] });
    expect(proxy.forwarded).toBe(2);
  });
});
