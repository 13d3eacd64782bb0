// Plumbing shared by the integration tests: a port with nothing listening, a slow server,
// a file of URLs, polling with a deadline. (Cleanup after each test: cleanupAfterEach in helpers.)
import { createServer } from 'node:net';
import { listen, startHttpServer, writeTempFile, type TestServer } from '../helpers/index.js';

/** A loopback port with nothing listening: bind, note the port, close. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server whose every answer takes `ms`, so requests are in flight for that long. */
export function slowServer(ms: number): Promise<TestServer> {
  return startHttpServer(async (req, res, ctx) => {
    if (await ctx.delay(ms)) res.end(JSON.stringify({ path: req.url }));
  });
}

/** A temp file of n URLs base/r1 .. base/rN. */
export function urlFile(base: string, n: number): string {
  return writeTempFile(Array.from({ length: n }, (_, i) => `${base}/r${i + 1}`));
}

export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
