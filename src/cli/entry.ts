/**
 * What bin/ loads: forks the spare child first, then loads the CLI (most of the
 * parent's code). Loading that takes the parent about as long as a child takes
 * to start Node and load undici, so on two cores the two overlap.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_CONCURRENCY } from '../defaults.js';
import { forkSpareChild } from '../parent/fork-child.js';

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

export async function runCli(): Promise<void> {
  const argv = process.argv.slice(2);
  if (startsChildren(argv)) {
    forkSpareChild({ procs: askedFor(argv, '--procs', availableParallelism()), concurrency: askedFor(argv, '--concurrency', DEFAULT_CONCURRENCY) });
  }
  const cli = await import('./main.js');
  await cli.runCli();
}
