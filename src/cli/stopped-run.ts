/**
 * What a stopped run tells its user: why it stopped, how many input lines were
 * never read, and the exact command that continues it (--resume with -o).
 */
import { maskedArgv } from './masked-argv.js';
import { RecordErrorCode, TERMINAL_CONTROL, visibleControls } from '../errors.js';
import { countLines } from '../input/count-lines.js';
import { isRegularFile } from '../input/input-size.js';
import { mayWaitToOpen } from '../input/read-once.js';
import { fingerprintPath, markResumable } from '../output/resume.js';
import type { RunSummary } from '../run-types.js';
import { formatCount } from '../output/format-count.js';
import { invokedAs } from './invoked-as.js';

export interface StoppedRun {
  /** Summary rows for people: stopped, not read, continue. */
  rows: Array<[string, string]>;
  /** Input lines never read; null when the input was stdin. */
  notRead: number | null;
  /** Every record has its answer (--max-errors hit as the last lines came): nothing is left to continue. */
  complete?: boolean;
}

export interface StopContext {
  argv: string[];
  inputPath: string;
  /** URLs given as arguments instead of an input file: how many (they are the command line's to repeat). */
  argumentUrls?: number | undefined;
  output: string | undefined;
  resume: boolean;
  /** --resume: record lines the output held as the run began (lines the run skips as it reaches them). */
  answeredBefore?: number;
  /** Without --resume: the input's fingerprint was written beside the output at start, so --resume can take over as it is. */
  fingerprinted?: boolean;
  /** -o named a descriptor (/dev/stdout): its file, added to by a redirect, may hold another run's lines. */
  outputIsDescriptor?: boolean;
  signal: NodeJS.Signals | undefined;
}

/** Undefined for a run that read all its input. */
export async function describeStop(summary: RunSummary, context: StopContext): Promise<StoppedRun | undefined> {
  if (summary.stoppedBy === null && context.signal === undefined) return undefined;
  const reason = summary.stoppedBy === 'max-errors' ? '--max-errors was exceeded' : context.signal ? `by ${context.signal}` : 'by a stop request';
  const linesRead = summary.records + summary.skipped + summary.resumed + summary.outOfShard;
  const total = context.argumentUrls ?? (context.inputPath === '-' ? undefined : await countLines(context.inputPath).catch(() => undefined));
  // A --resume run stopped early (during its rewrite, say) never reached lines its output already answers:
  // they are not work left, and counting them would tell of a million lines to do where a thousand are.
  const answeredUnread = Math.max(0, (context.answeredBefore ?? 0) - summary.resumed);
  const notRead = total === undefined ? null : Math.max(0, total - linesRead - answeredUnread);
  const besides = answeredUnread > 0 && context.output !== undefined ? `, besides ${formatCount(answeredUnread)} answered in ${context.output} already` : '';
  const rows: Array<[string, string]> = [
    ['stopped', `${reason}: ${notRead === null ? `the rest of ${context.inputPath === '-' ? 'stdin' : 'the input'} was` : `${formatCount(notRead)} input ${notRead === 1 ? 'line was' : 'lines were'}`} not read${notRead === null ? '' : besides}`],
  ];
  const aborted = summary.errorCodes[RecordErrorCode.ABORTED] ?? 0;
  const notSent = summary.errorCodes[RecordErrorCode.NOT_SENT] ?? 0;
  // The whole input read and every record answered (the limit crossed, or the signal come, with the last
  // answers): a continue line would run a command with nothing to do, and keep a fingerprint for it.
  if (notRead === 0 && aborted === 0 && notSent === 0) {
    const when = context.signal === undefined ? 'by the last records' : 'after the last record was answered';
    return { rows: [['stopped', `${reason} ${when}: the whole input was read and every record has its line, so nothing is left to continue`]], notRead, complete: true };
  }
  const next = await continueCommand(context);
  // What --resume does with each: said here, since "continue" reads as if it finishes the job; and only for a
  // run that can be continued, or the row promised what the continue line then ruled out.
  if (aborted > 0) rows.push(['aborted', `${formatCount(aborted)} ${aborted === 1 ? 'record in flight at the stop was' : 'records in flight at the stop were'} answered EABORTED${next.resumable ? '; --resume sends again those whose method may be sent twice (GET, HEAD, PUT, DELETE, OPTIONS; any with --retry-all-methods), not the others, which may have reached the server' : ''}`]);
  if (notSent > 0) rows.push(['not sent', `${formatCount(notSent)} ${notSent === 1 ? 'record the stop came before was' : 'records the stop came before were'} answered ENOTSENT${next.resumable ? '; --resume drops those lines and sends them' : ''}`]);
  rows.push(['continue', next.text]);
  return { rows, notRead };
}

/** The continue row: the command that continues the run, or why there is none (resumable false). */
async function continueCommand({ argv, inputPath, argumentUrls, output, resume, fingerprinted = false, outputIsDescriptor = false }: StopContext): Promise<{ text: string; resumable: boolean }> {
  const cannot = (text: string) => ({ text, resumable: false });
  if (output === undefined || output === '-' || outputIsDescriptor) return cannot('results went to stdout, so this run cannot be continued; give -o FILE --resume to make the next one resumable');
  // Shown on stderr, which logs keep: passwords and credentials as ***, and a word that they are to be given again.
  const shown = maskedArgv(argv);
  const command = `${[invokedAs(), ...shown.args, ...(resume ? [] : ['--resume'])].map(shellQuote).join(' ')}${shown.masked ? '  # with the credentials shown as *** given again' : ''}`;
  if (argumentUrls !== undefined) return resume ? { text: command, resumable: true } : cannot('the URLs were read without --resume, so this run cannot be continued; give --resume to make the next one resumable');
  if (!resume && !fingerprinted) {
    if (inputPath === '-') return cannot('stdin was read without --resume, so this run cannot be continued; give --resume to make the next one resumable');
    if (!isRegularFile(inputPath)) return cannot('the input is a pipe, read without --resume, so this run cannot be continued; give --resume to make the next one resumable');
    if (!isRegularFile(output)) return cannot(`results went to ${visibleControls(output)}, not a regular file, so this run cannot be continued`);
    try {
      // The lines in FILE are whole; with the input's fingerprint beside them, --resume takes over from here.
      await markResumable(output, inputPath);
    } catch {
      return cannot(`cannot write ${fingerprintPath(output)}, so this run cannot be continued with --resume`);
    }
  }
  // A shell comment, not a parenthesis: the line runs as pasted (a parenthesis was a syntax error).
  // A pipe (`<(...)` is /dev/fd/63, gone with the run), a FIFO or a device, which mayWaitToOpen tells as the ones
  // read only once: a continue line naming it as a file to read again left out that the lines it carried are gone.
  const again = inputPath === '-' ? 'with the same stdin' : mayWaitToOpen(inputPath) ? `with the same input given again in place of ${visibleControls(inputPath)}: a pipe, read once` : undefined;
  return { text: again === undefined ? command : `${command}${shown.masked ? ',' : '  #'} ${again}`, resumable: true };
}

/**
 * A word as a shell takes it back. One holding a control character (a file name with an ESC in it) is quoted
 * $'...' with it escaped, as bash and zsh read it: raw, it changed the terminal's title as the line was printed,
 * and the line pasted back named another file.
 */
function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!TERMINAL_CONTROL.test(arg)) return `'${arg.replaceAll("'", "'\\''")}'`;
  const escaped = [...arg].map((char) => {
    if (char === '\\' || char === "'") return `\\${char}`;
    if (!TERMINAL_CONTROL.test(char)) return char;
    const code = char.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `$'${escaped.join('')}'`;
}
