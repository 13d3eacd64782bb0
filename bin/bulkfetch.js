#!/usr/bin/env node
// Thin on purpose: everything lives in the compiled library (dist/). The CLI runs
// from one bundle of it (npm run bundle:cli): loading the 80 modules one by one
// cost the parent about 55 ms of CPU on every run (bench/CHANGELOG.md, entry 38).
import * as nodeModule from 'node:module';

// The compile cache (Node 22.1+) roughly halves start-up of each child; on Node 20 it is absent.
nodeModule.enableCompileCache?.();
const cli = await import('../dist/bulkfetch-cli.js').catch((error) => {
  // A fresh clone builds dist/ with `npm run build` (npm install no longer runs it: no install scripts).
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bulkfetch-cli.js')) throw error;
  process.stderr.write('bulkfetch: dist/ is not built; run `npm run build` in the repository first\n');
  process.exit(2);
});
await cli.runCli();
