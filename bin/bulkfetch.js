#!/usr/bin/env node
// Thin on purpose: everything lives in the compiled library (dist/). The spare child is
// forked first, from a few small modules, so that it starts Node while the parent loads the
// CLI; the CLI runs from one bundle (scripts/bundle.mjs): loading its 80 modules one by one
// cost the parent about 55 ms of CPU on every run (bench/CHANGELOG.md, entries 38 and 44).
import * as nodeModule from 'node:module';

// The compile cache (Node 22.1+) roughly halves start-up of each child; on Node 20 it is absent.
nodeModule.enableCompileCache?.();
const notBuilt = (/** @type {any} */ error) => {
  // A fresh clone builds dist/ with `npm run build` (npm install no longer runs it: no install scripts).
  const missing = String(error?.message);
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !(missing.includes('dist/cli/spare.js') || missing.includes('dist/bulkfetch-cli.js'))) throw error;
  process.stderr.write('bulkfetch: dist/ is not built; run `npm run build` in the repository first\n');
  process.exit(2);
};
const spare = await import('../dist/cli/spare.js').catch(notBuilt);
spare.forkSpareFor(process.argv.slice(2));
const cli = await import('../dist/bulkfetch-cli.js').catch(notBuilt);
await cli.runCli();
