/**
 * What bin/ loads: forks the spare child first, then loads the CLI (most of the
 * parent's code). Loading that takes the parent about as long as a child takes
 * to start Node and load undici, so on two cores the two overlap.
 */
import { availableParallelism } from 'node:os';
import { forkSpareChild } from '../parent/fork-child.js';

/** Runs that start no child: help, version, analyze. Anything else may want one. */
function startsChildren(argv: string[]): boolean {
  return argv[0] !== 'analyze' && !argv.some((arg) => arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version');
}

/**
 * The --procs a command line asks for, read before it is parsed (the spare is
 * forked with the flags a child of that run gets); the default otherwise. A
 * value the parser will refuse starts a spare that the usage error discards.
 */
function procsAskedFor(argv: string[]): number {
  let asked: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg === '--procs') asked = argv[i + 1];
    else if (arg.startsWith('--procs=')) asked = arg.slice('--procs='.length);
  }
  const procs = Number(asked);
  return Number.isInteger(procs) && procs > 0 ? procs : availableParallelism();
}

export async function runCli(): Promise<void> {
  const argv = process.argv.slice(2);
  if (startsChildren(argv)) forkSpareChild(procsAskedFor(argv));
  const cli = await import('./main.js');
  await cli.runCli();
}
