/** Exit codes and the one-line usage error: shared by every command of the CLI. */
import type { Writable } from 'node:stream';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, SIGINT: 130, SIGTERM: 143 } as const;

/** Prints a user's mistake as one line on stderr (never a stack trace) and returns the usage exit code. */
export function usage(stderr: Writable, message: string): number {
  stderr.write(`bulkfetch: ${message.split('\n')[0]}\n`);
  return EXIT.USAGE;
}
