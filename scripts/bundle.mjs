// @ts-check
// The two bundles `npm run build` makes from tsc's output in dist/ (esbuild):
//   dist/child/main.cjs   what every child process runs (CommonJS: see src/parent/fork-child.ts)
//   dist/bulkfetch-cli.js what bin/bulkfetch.js loads after dist/cli/spare.js (ESM, one file: bench/CHANGELOG.md, entry 38)
// Both start on every run, so what they hold is start-up time: a child reads and compiles its
// whole bundle before it can send a request, and at --procs 8 eight of them do.
import * as esbuild from 'esbuild-wasm';

/**
 * undici's index stays out of the child's bundle, as require('undici') at run time from
 * node_modules. A child builds its dispatchers from undici's own modules (src/http/undici-parts.ts);
 * only a run through a proxy needs the index (its EnvHttpProxyAgent), and bundling it for that
 * doubled the bundle (1.2 MB, fetch, WebSocket, caching and mocks) that every child reads and
 * compiles as it starts: about 30 ms of CPU of each child's start (bench/CHANGELOG.md, entry 44).
 * Only the bare specifier is external; 'undici/lib/...' is bundled as before.
 * @type {esbuild.Plugin}
 */
const undiciIndexAtRunTime = {
  name: 'undici-index-at-run-time',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', external: true }));
  },
};

await esbuild.build({
  entryPoints: ['dist/child/main.js'],
  outfile: 'dist/child/main.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // p-limit's queue, replaced by one that lets go of what it has handed out (src/child/unlinking-queue.ts)
  alias: { 'yocto-queue': './dist/child/unlinking-queue.js' },
  plugins: [undiciIndexAtRunTime],
  logLevel: 'warning',
  // undici-parts.ts reaches import.meta only when unbundled (ESM); esbuild empties it here
  logOverride: { 'empty-import-meta': 'silent' },
});

/**
 * The CLI's bundle takes fork-child.js from dist/, as bin/ does through dist/cli/spare.js: one
 * module, so the spare that bin/ forks before the bundle loads is the one the run takes (a copy
 * bundled here would hold a spare of its own, empty). The path is the bundle's, in dist/.
 * @type {esbuild.Plugin}
 */
const forkChildFromDist = {
  name: 'fork-child-from-dist',
  setup(build) {
    build.onResolve({ filter: /\/fork-child\.js$/ }, () => ({ path: './parent/fork-child.js', external: true }));
  },
};

await esbuild.build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bulkfetch-cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // commander and others are CommonJS: an ESM bundle needs a require of its own for them
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  plugins: [forkChildFromDist],
  logLevel: 'warning',
});
