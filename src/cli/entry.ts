/**
 * What bin/ loads: forks the spare child first, then loads the CLI (most of the
 * parent's code). Loading that takes the parent about as long as a child takes
 * to start Node and load undici, so on two cores the two overlap.
 */
import { forkSpareChild } from '../parent/fork-child.js';

/** Runs that start no child: help, version, analyze. Anything else may want one. */
function startsChildren(argv: string[]): boolean {
  return argv[0] !== 'analyze' && !argv.some((arg) => arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version');
}

export async function runCli(): Promise<void> {
  if (startsChildren(process.argv.slice(2))) forkSpareChild();
  const cli = await import('./main.js');
  await cli.runCli();
}
