import { visibleControls } from '../errors.js';
/** Exit codes and the one-line usage error: shared by every command of the CLI. */
import type { Writable } from 'node:stream';
import { maskQuotedPasswords } from '../input/credentials.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** The exit code of a run stopped by a signal: 128 + its number, as a shell reports one that killed a process. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? EXIT.SIGINT : signal === 'SIGHUP' ? EXIT.SIGHUP : EXIT.SIGTERM;
}

/** Prints a user's mistake as one line on stderr (never a stack trace) and returns the usage exit code. */
export function usage(stderr: Writable, message: string): number {
  // A bad -x or URL is echoed so that it can be found; its password is not (stderr goes to logs).
  // Control and bidi characters of an echoed path or flag (ESC, a CSI byte, U+202E) as \u escapes: not to the terminal raw.
  stderr.write(`bulkfetch: ${visibleControls(maskQuotedPasswords(message.split('\n')[0] as string))}\n`);
  return EXIT.USAGE;
}

/**
 * Written, or failed (a reader that went away: EPIPE) as an error to report,
 * never as an unhandled 'error' event. The listener stays: the stream emits the
 * event after the write's callback has run. The process ends soon after.
 */
export function writeToStdout(stdout: Writable, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stdout.on('error', reject);
    stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Writes a report that is the command's whole output (help, the version, analyze's report) and
 * returns the exit code. A reader that went away (EPIPE: `| head`, a jq that failed) is no error, as
 * for a run's results; any other failure (a full disk) is one line on stderr and exit 1, never
 * Node's unhandled 'error' trace.
 */
export function printReport(io: { stdout: Writable; stderr: Writable }, text: string): Promise<number> {
  return writeToStdout(io.stdout, text).then(
    () => EXIT.OK,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') return EXIT.OK;
      io.stderr.write(`bulkfetch: cannot write to stdout: ${error.code ?? error.message}\n`);
      return EXIT.FAILED;
    },
  );
}
