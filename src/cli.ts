/**
 * The command line: argv -> RunOptions (commander), errors -> exit codes.
 * The only module that exits or writes text for people.
 */
import { Command, CommanderError, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { BulkfetchError, UsageError } from './errors.js';
import { openInput } from './input/open-input.js';
import { openSink } from './output/open-sink.js';
import type { LineSet } from './output/line-set.js';
import { resumeOutput } from './output/resume.js';
import { OPTION_TABLE, runOptionsFromFlags } from './options.js';
import { startProgress } from './output/progress.js';
import { formatSummary, toSummaryJson } from './output/summary.js';
import { runJob, type RunSummary } from './run.js';
import { analyzeMain } from './cli-analyze.js';
import { runFailed } from './stop/exit-policy.js';
import { listenForStopSignals } from './stop/process-signals.js';
import { VERSION } from './version.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, SIGINT: 130, SIGTERM: 143 } as const;

const EXAMPLES = `
Examples:
  bulkfetch urls.txt --procs 8 --concurrency 200 | jq -c 'select(.status != 200)'
  cat urls.txt | bulkfetch - -o results.ndjson
  bulkfetch specs.ndjson -H 'Authorization: Bearer TOKEN' --timeout 10000

  bulkfetch analyze urls.txt        # repetition and host spread, no requests

Each input line is a URL or a JSON request spec; each yields exactly one JSON
line on stdout. Blank lines and lines starting with # are skipped.`;

function buildProgram(): Command {
  const program = new Command()
    .name('bulkfetch')
    .description('Fetch every URL or request spec in a file, fast, with one JSON line per request.')
    .argument('[input]', "file of URLs or JSON request specs, one per line ('-' or none: stdin)")
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EXAMPLES)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} });
  for (const spec of OPTION_TABLE) {
    const option = new Option(spec.flags, spec.description);
    if (spec.parse) option.argParser(spec.parse);
    if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
    if (spec.defaultDescription) option.default(undefined, spec.defaultDescription);
    program.addOption(option);
  }
  return program;
}

/** Parses argv and runs; resolves with the exit code instead of exiting (testable). */
export async function main(argv: string[], io: { stdout: Writable; stderr: Writable } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (argv[0] === 'analyze') return analyzeMain(argv.slice(1), io);
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        io.stdout.write(error.code === 'commander.version' ? `${VERSION}\n` : program.helpInformation() + EXAMPLES.trimStart() + '\n');
        return EXIT.OK;
      }
      return usage(io.stderr, error.message.replace(/^error: /, ''));
    }
    if (error instanceof UsageError) return usage(io.stderr, error.message);
    throw error;
  }
  const flags = program.opts<Record<string, unknown>>();
  const inputPath = program.args[0] ?? '-';
  const output = flags.output as string | undefined;
  if (flags.resume && (output === undefined || output === '-')) return usage(io.stderr, '--resume needs -o FILE: it reads the lines already written there');
  // From here on, SIGINT and SIGTERM stop the run gracefully instead of killing us.
  const signals = listenForStopSignals();
  try {
    return await run(flags, inputPath, output, signals, io);
  } finally {
    signals.dispose();
  }
}

async function run(
  flags: Record<string, unknown>,
  inputPath: string,
  output: string | undefined,
  signals: ReturnType<typeof listenForStopSignals>,
  io: { stdout: Writable; stderr: Writable },
): Promise<number> {
  let options;
  let input;
  let sink: Writable;
  let done: LineSet | undefined;
  try {
    options = runOptionsFromFlags(inputPath, flags);
    input = openInput(inputPath);
    if (flags.resume && output !== undefined) {
      ({ input, sink, done } = await resumeOutput(output, inputPath, input));
    } else {
      sink = openSink(output);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(io.stderr, error.message);
    throw error;
  }
  const abort = new AbortController();
  let outputError: NodeJS.ErrnoException | undefined;
  sink.on('error', (error: NodeJS.ErrnoException) => {
    outputError = error;
    abort.abort();
  });
  let summary: RunSummary;
  const showProgress = flags.progress === true || (flags.progress === undefined && !flags.quiet && (io.stderr as { isTTY?: boolean }).isTTY === true);
  const progress = showProgress ? startProgress(io.stderr, inputPath) : undefined;
  try {
    summary = await runJob(options, {
      input,
      sink,
      signal: abort.signal,
      stop: signals.stop,
      abortNow: signals.abortNow,
      ...(done ? { skipLine: (line: number) => (done as LineSet).has(line) } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } catch (error) {
    if (outputError?.code === 'EPIPE') return EXIT.OK;
    throw error;
  } finally {
    progress?.close();
  }
  if (outputError?.code === 'EPIPE') return EXIT.OK;
  sink.end();
  // finished() also settles for a stream that already closed or failed.
  await finished(sink).catch(() => {});
  if (outputError) {
    // Lines written before the failure are whole; the records after it have no line.
    const target = output === undefined ? 'stdout' : JSON.stringify(output);
    const hint = flags.resume ? '; free space or fix permissions, then run the same command again' : '';
    io.stderr.write(`bulkfetch: cannot write output ${target}: ${outputError.code ?? outputError.message}; the run was stopped and later results are missing${hint}\n`);
    return EXIT.FAILED;
  }
  const report = toSummaryJson(summary);
  if (typeof flags.summary === 'string') await writeFile(flags.summary, `${JSON.stringify(report, null, 2)}\n`);
  if (!flags.quiet) io.stderr.write(formatSummary(report, summary));
  if (signals.received) return signals.received === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
  return runFailed(summary, { fail: flags.fail === true, maxErrors: options.maxErrors }) ? EXIT.FAILED : EXIT.OK;
}

export function usage(stderr: Writable, message: string): number {
  stderr.write(`bulkfetch: ${message.split('\n')[0]}\n`);
  return EXIT.USAGE;
}

/** Entry from bin/: runs main, maps unexpected errors to a report-this hint. */
export async function runCli(): Promise<void> {
  try {
    const code = await main(process.argv.slice(2));
    process.exitCode = code;
    if (code === EXIT.OK && process.stdout.destroyed) process.exit(code);
  } catch (error) {
    if (error instanceof BulkfetchError) {
      process.stderr.write(`bulkfetch: ${error.message}\n`);
      process.exitCode = EXIT.FAILED;
      return;
    }
    process.stderr.write(`bulkfetch: internal error, please report it with this trace:\n${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.FAILED;
  }
}
