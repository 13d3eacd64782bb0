#!/bin/sh
':' //; unset BULKFETCH_MOVED_EXTRA_CA_CERTS BULKFETCH_STDOUT_CLOSED BULKFETCH_STDIN_CLOSED; { true 3>&1; } 2>/dev/null || export BULKFETCH_STDOUT_CLOSED=1; { true 3<&0; } 2>/dev/null || export BULKFETCH_STDIN_CLOSED=1; [ -z "${NODE_EXTRA_CA_CERTS-}" ] || { export BULKFETCH_MOVED_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
// The line above is sh, and to JavaScript a string and a comment. Run as an installed bin, the file is
// started by /bin/sh, which starts Node without NODE_EXTRA_CA_CERTS: Node 20 would read that file and
// its whole root store as it starts, 40-80 ms on every run, for a parent that never opens a
// connection. The variable is put back below, before anything reads it (src/cli/launcher-env.ts).
// It also notes a closed stdout (`>&-`), which Node would open on /dev/null where nobody could see it, and a
// closed stdin (`<&-`), which Node would open on /dev/null too: an input of no records, and exit 0.
//
// Thin on purpose: everything lives in the compiled library (dist/). The spare child is
// forked first, from a few small modules, so that it starts Node while the parent loads the
// CLI; the CLI runs from one bundle (scripts/bundle.mjs): loading its 80 modules one by one
// cost the parent about 55 ms of CPU on every run (bench/CHANGELOG.md, entries 38 and 44).

const notBuilt = (/** @type {any} */ error) => {
  // A fresh clone builds dist/ with `npm run build` (npm install no longer runs it: no install scripts).
  const missing = String(error?.message);
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !(missing.includes('dist/cli/spare.js') || missing.includes('dist/bulkfetch-cli.js'))) throw error;
  process.stderr.write('bulkfetch: dist/ is not built; run `npm run build` in the repository first\n');
  process.exit(2);
};
const spare = await import('../dist/cli/spare.js').catch(notBuilt);
// Node's compile cache (22.1+), in a directory of this user's own: before the spare child is forked (it inherits
// the directory) and before the CLI's bundle loads (src/cli/compile-cache.ts).
spare.enablePrivateCompileCache();
const caWarning = spare.restoreMovedExtraCaCerts();
if (caWarning) process.stderr.write(caWarning);
spare.forkSpareFor(process.argv.slice(2));
const cli = await import('../dist/bulkfetch-cli.js').catch(notBuilt);
await cli.runCli();
