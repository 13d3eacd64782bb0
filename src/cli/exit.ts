/** Exit codes and the one-line usage error: shared by every command of the CLI. */
import type { Writable } from 'node:stream';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** The exit code of a run stopped by a signal: 128 + its number, as a shell reports one that killed a process. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? EXIT.SIGINT : signal === 'SIGHUP' ? EXIT.SIGHUP : EXIT.SIGTERM;
}

/** Prints a user's mistake as one line on stderr (never a stack trace) and returns the usage exit code. */
export function usage(stderr: Writable, message: string): number {
  stderr.write(`bulkfetch: ${message.split('\n')[0]}\n`);
  return EXIT.USAGE;
}
