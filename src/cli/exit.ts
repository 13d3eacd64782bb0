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

/**
 * Writes a report that is the command's whole output (help, the version, analyze's report) and
 * returns the exit code. A reader that went away (EPIPE: `| head`, a jq that failed) is no error, as
 * for a run's results; any other failure (a full disk) is one line on stderr and exit 1, never
 * Node's unhandled 'error' trace. The listener stays: a stream may emit after the write's callback.
 */
export function printReport(io: { stdout: Writable; stderr: Writable }, text: string): Promise<number> {
  return new Promise<number>((resolve) => {
    let told = false;
    const failed = (error: NodeJS.ErrnoException): void => {
      if (told) return;
      told = true;
      if (error.code !== 'EPIPE') io.stderr.write(`bulkfetch: cannot write to stdout: ${error.code ?? error.message}\n`);
      resolve(error.code === 'EPIPE' ? EXIT.OK : EXIT.FAILED);
    };
    io.stdout.on('error', failed);
    io.stdout.write(text, (error) => (error ? failed(error) : resolve(EXIT.OK)));
  });
}
