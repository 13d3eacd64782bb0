/**
 * What bin/ loads first, before the CLI's bundle: forks the spare child. Loading
 * the bundle (most of the parent's code) takes the parent about as long as a
 * child takes to start Node and load undici, so forked first, on two cores the
 * two overlap. This module and the few it imports load unbundled, and the
 * bundle imports fork-child.js from dist/ too (scripts/bundle.mjs), so both
 * hold the one spare.
 */
import { DEFAULT_CONCURRENCY } from '../defaults.js';
import { forkSpareChild } from '../parent/fork-child.js';
import { cpusAvailable } from '../cpus-available.js';

export { enablePrivateCompileCache } from './compile-cache.js';

/** Runs that start no child: help, version, analyze. Anything else may want one. */
function startsChildren(argv: string[]): boolean {
  return argv[0] !== 'analyze' && !argv.some((arg) => arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version');
}

/**
 * The value a command line gives `flag` (`--flag N` or `--flag=N`), read
 * before it is parsed: the spare is forked with the flags and thread pool a
 * child of that run gets. A value the parser will refuse starts a spare that
 * the usage error discards; one that differs from the run's makes the run
 * fork its own child instead.
 */
function askedFor(argv: string[], flag: string, fallback: number): number {
  let asked: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg === flag) asked = argv[i + 1];
    else if (arg.startsWith(`${flag}=`)) asked = arg.slice(flag.length + 1);
  }
  const value = Number(asked);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Forks the spare for the run this command line asks for, unless it starts no child. */
export function forkSpareFor(argv: string[]): void {
  if (!startsChildren(argv)) return;
  try {
    forkSpareChild({ procs: askedFor(argv, '--procs', cpusAvailable()), concurrency: askedFor(argv, '--concurrency', DEFAULT_CONCURRENCY) });
  } catch (error) {
    // Node's permission model (--permission, --experimental-permission in NODE_OPTIONS) without
    // --allow-child-process: the fork threw, and bin/ printed Node's trace.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_ACCESS_DENIED') throw error;
    process.stderr.write("bulkfetch: Node's permission model (--permission or --experimental-permission) forbids child processes, and bulkfetch sends its requests from child processes: add --allow-child-process\n");
    process.exit(2);
  }
}

// bin/ puts the environment back before it forks anything (see launcher-env.ts).
export { restoreMovedExtraCaCerts } from './launcher-env.js';
