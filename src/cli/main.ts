/**
 * The command line: argv -> RunOptions (commander), errors -> exit codes.
 * The only module that exits or writes text for people.
 */
import { maskQuotedPasswords } from '../input/credentials.js';
import { descriptorNamed } from '../input/descriptor-name.js';
import { type Command, CommanderError } from 'commander';
import { rm } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { existsSync, statfsSync } from 'node:fs';
import { BulkfetchError, UsageError } from '../errors.js';
import { openInput } from '../input/open-input.js';
import { refuseCompressedStream } from '../input/compressed-input.js';
import { openSink, writesToPipe, writesToTerminal } from '../output/open-sink.js';
import { stderrBesideResults } from '../output/stderr-beside-results.js';
import { lockOutput, outputTarget } from '../output/output-lock.js';
import type { LineSet } from '../output/line-set.js';
import { isRegularFile } from '../input/input-size.js';
import { mayWaitToOpen } from '../input/read-once.js';
import { fingerprintPath, markResumable, resumeOutput } from '../output/resume.js';
import { flagThatReadStdin, runOptionsFromFlags } from '../options/index.js';
import { besideProgress, eraseLine, startProgress, type ProgressHandle } from '../output/progress.js';
import { formatSummary, toSummaryJson } from '../output/summary.js';
import { dropEarlierSummary, writeSummaryFile } from '../output/summary-file.js';
import { readRunPipesAhead, runFiles, runFilesMayWait, runJob } from '../parent/run-job.js';
import { flagFilesRead } from '../options/flag-files.js';
import { addressSpaceLimit, discardSpareChild } from '../parent/fork-child.js';
import { memoryHint } from './crash-hint.js';
import type { ChildCrash, ErrorLimit, RunOptions, RunSummary } from '../run-types.js';
import { EXIT, printReport, signalExitCode, usage, writeToStdout } from './exit.js';
import { EXAMPLES, buildProgram, parseCommandLine } from './program.js';
import { limitExceededAtEnd, runFailed } from './exit-policy.js';
import { endAsHungUp, leaveTerminalAloneAtExit, listenForStopSignals } from './process-signals.js';
import { abortNotice, errorLimitAtEndNotice, errorLimitNotice, stopNotice } from './stop-notices.js';
import { keepParentYoungGenerationSmall } from './parent-heap.js';
import { checkFiles, checkFlags, checkNotReadByFlags, checkProcsFitDescriptors, descriptorWarning } from './preflight.js';
import { runFilesInSaveDir } from '../output/save-keep.js';
import { URL_ARGUMENT, argumentInput, inputArguments, type ArgumentInput, type InputArguments } from './input-arguments.js';
import { explainUnknownOption } from './curl-flags-not-taken.js';
import { noUrlGiven, refuseReplacingTheInput, stdinHoldsNothing, valueMeantAsInput, type TakenInput } from './taken-url.js';
import { describeStop } from './stopped-run.js';
import { firstNonUtf8Argument } from './raw-arguments.js';
import { notUtf8Refusal } from './not-utf8-argument.js';
import { VERSION } from '../version.js';
import { maskedArgv } from './masked-argv.js';
import { refuseSplitCredential } from './split-credential.js';
import { maskCommandLineShown } from './masked-title.js';
import { crlfScriptWord } from './crlf-arguments.js';

/** Linux's MAX_ARG_STRLEN: no one argument is longer (its NUL included). */
const LONGEST_ARGUMENT_BYTES = 128 * 1024;

/** Parses argv and runs; resolves with the exit code instead of exiting (testable). */
export async function main(argv: string[], io: { stdout: Writable; stderr: Writable } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // Loaded only for analyze: its report and sketches are of no use to a run (issue 15's start-up).
  if (argv[0] === 'analyze') return (await import('./analyze.js')).analyzeMain(argv.slice(1), io);
  // `bulkfetch --json analyze urls.txt`: analyze's own flag first, taken as the run's --json with the value
  // "analyze", sent a POST to every URL of a list meant to be only read. A subcommand comes first.
  const subcommandAt = argv.indexOf('analyze');
  const program = buildProgram();
  if (subcommandAt > 0 && argv[subcommandAt - 1]?.startsWith('-') && !existsSync('analyze') && !argv.some((arg) => URL_ARGUMENT.test(arg))) {
    return usage(io.stderr, misplacedAnalyze(program, argv.slice(0, subcommandAt)));
  }
  try {
    parseCommandLine(program, argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        return printReport(io, error.code === 'commander.version' ? `${VERSION}\n` : `${program.helpInformation()}\n${EXAMPLES.trimStart()}\n`);
      }
      // One line, with commander's "(Did you mean --x?)" hint kept on it, or for a curl flag what to do instead.
      return usage(io.stderr, explainUnknownOption(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '), flagsWithoutValue(program), longFlags(program)));
    }
    if (error instanceof UsageError) return usage(io.stderr, error.message);
    throw error;
  }
  const flags = program.opts<Record<string, unknown>>();
  // `--parallel 5`, a guess at curl's flag with a value: the 5 became an input argument, and the error spoke of two of them.
  const parallelAt = argv.findIndex((arg, at) => (arg === '-Z' || arg === '--parallel') && /^\d+$/.test(argv[at + 1] ?? '') && program.args.includes(argv[at + 1] as string));
  if (parallelAt !== -1) return usage(io.stderr, `${argv[parallelAt]} takes no value (requests always run in parallel): --parallel-max ${argv[parallelAt + 1]} sets how many are in flight in all, as curl's does`);
  const output = outputTarget(flags.output as string | undefined);
  // `-o /dev/stdout` at a terminal is stdout (outputTarget): nothing --resume can read back, as in a pipe.
  if (flags.resume === true && output === '-' && flags.output !== '-') return usage(io.stderr, `Cannot resume: ${JSON.stringify(flags.output)} is this terminal, not a regular file; --resume reads back the lines a file holds`);
  // `-o /dev/stdout >> log`: added to what log held, another run's lines, which --resume took for this input's
  // (records skipped, exit 0). A descriptor's file is the shell's to name: -o FILE is --resume's.
  if (flags.resume === true && namesDescriptor(flags.output)) {
    return usage(io.stderr, `Cannot resume with -o ${JSON.stringify(flags.output)}: it is a descriptor (the file a redirect gave it, which may hold another run's lines); give -o FILE for --resume`);
  }
  let inputs: InputArguments;
  let unlockOutput: () => void;
  // Said once every check passed: a usage error is one line on stderr, not a warning and then the error.
  const warnings: string[] = [];
  try {
    refuseSplitCredential(argv, program.args);
    inputs = inputArguments(program.args, (flags.url as string[] | undefined) ?? [], flags.protoDefault as string | undefined);
    const readStdin = flagThatReadStdin();
    if (readStdin !== undefined && (inputs.path === '-' || descriptorNamed(inputs.path) === 0) && !inputs.urls) {
      throw new UsageError(`${readStdin} read stdin as the body, and stdin is the input too: name the input file, or give the URLs as arguments`);
    }
    warnings.push(...checkFlags(program).map(maskQuotedPasswords));
    refuseReplacingTheInput(program.args, (flags.url as string[] | undefined) ?? [], [['-o', flags.output as string | undefined], ['--summary', flags.summary as string | undefined]]);
    checkFiles(inputs.urls ? undefined : inputs.path, output, flags.summary as string | undefined, flags.output as string | undefined);
    // Last: a lock taken is released only by the run below.
    unlockOutput = output === undefined || output === '-' ? () => {} : lockOutput(output);
  } catch (error) {
    if (error instanceof UsageError) return usage(io.stderr, error.message);
    throw error;
  }
  // From here on, SIGINT, SIGTERM and SIGHUP stop the run gracefully instead of killing us.
  const signals = listenForStopSignals();
  try {
    return await run(flags, inputs, output, signals, io, argv, warnings, valueMeantAsInput(argv, program.args, (flags.url as string[] | undefined) ?? []));
  } finally {
    signals.dispose();
    unlockOutput();
  }
}

async function run(
  flags: Record<string, unknown>,
  { path: inputPath, urls }: InputArguments,
  output: string | undefined,
  signals: ReturnType<typeof listenForStopSignals>,
  io: { stdout: Writable; stderr: Writable },
  argv: string[],
  warnings: string[],
  takenInput: TakenInput | undefined,
): Promise<number> {
  // Stdin that can bring no line (/dev/null, an empty file): said now, before the run's warnings and its output.
  if (takenInput !== undefined && stdinHoldsNothing()) return usage(io.stderr, noUrlGiven(takenInput));
  // -o /dev/stdout, /dev/fd/N: the file a redirect gave it, added to (`>> log`), and nothing --resume reads back.
  const outputIsDescriptor = namesDescriptor(flags.output);
  let options: RunOptions;
  let input;
  let sink: Writable;
  let done: LineSet | undefined;
  let argumentUrls: ArgumentInput | undefined;
  /** Not --resume, and the input's fingerprint is beside the output file (markResumableIfYouCan wrote it). */
  let fingerprinted = false;
  // URLs typed (or pasted) at the terminal: a progress line redrawn there would write over what is being typed.
  const typedInput = inputPath === '-' && !urls && (process.stdin as { isTTY?: boolean }).isTTY === true;
  let announced = false;
  // Said with -q too, as -d @- says it: -q hides the summary and progress, and without this `bulkfetch -q` at a
  // terminal waited without a word.
  const announceTypedInput = (): void => {
    if (!typedInput || announced) return;
    announced = true;
    io.stderr.write('bulkfetch: reading URLs from stdin, one a line (Ctrl-D to end)\n');
  };
  try {
    options = runOptionsFromFlags(inputPath, flags);
    const readByFlags = [...flagFilesRead(), ...runFiles(options).map(({ path, flag }) => ({ path, written: `${flag} ${path}` }))];
    checkNotReadByFlags([['-o', flags.output as string | undefined], ['--summary', flags.summary as string | undefined]], readByFlags);
    if (options.save !== undefined) options.saveKeep = runFilesInSaveDir(options.save, { input: urls ? undefined : inputPath, output: output ?? '-', summary: flags.summary as string | undefined });
    checkProcsFitDescriptors(options.procs);
    const descriptors = descriptorWarning(options.concurrency, options.save !== undefined);
    if (descriptors !== undefined) warnings.push(descriptors);
    argumentUrls = urls ? argumentInput(urls, { glob: flags.globoff !== true }) : undefined;
    // A URL argument is one record at any length Linux passes (128 KiB an argument): the cap on a line, there
    // to bound what a file's lines hold, made a 70 KB URL argument ELINETOOLONG with no url, where curl fetches it.
    if (argumentUrls) options.maxLineBytes = Math.max(options.maxLineBytes, LONGEST_ARGUMENT_BYTES);
    // curl -o 'page_#1.html' writes a file per URL of a glob; ours is the one file of result lines.
    if (argumentUrls?.globbed && output !== undefined && /#\d/.test(output)) {
      throw new UsageError(`-o is the one file of result lines, where curl's #1 names a file per URL: drop the #1, and give --save DIR to keep each 2xx body in a file of its own`);
    }
    // Pipes given to -b and --cacert (`<(...)`), and an input or output that is a FIFO, read or opened with Ctrl-C's
    // default: each can block in a system call (a FIFO nobody writes), where the stop's handler would wait for the
    // loop. Only those: a regular file opens at once, and a Ctrl-C then gets the stop's notice, not a bare death.
    if (runFilesMayWait(options)) await signals.bareWhile(() => readRunPipesAhead(options));
    else readRunPipesAhead(options);
    // URLs given as arguments are read as stdin would be, one a line, curl's globs expanded.
    input = argumentUrls ? openInput('-', argumentUrls.open()) : mayWaitToOpen(inputPath) ? await signals.bareWhile(() => openInput(inputPath)) : openInput(inputPath);
    if (flags.resume && output !== undefined) {
      // Said before the input's head is read, which waits for what is typed.
      announceTypedInput();
      ({ input, sink, done } = await resumeOutput(output, inputPath, input, signals.stop));
    } else {
      // A compressed pipe is refused before -o FILE is emptied (a named file was refused by openInput).
      // Typed URLs are not waited for: nothing typed is compressed.
      if (output !== undefined && output !== '-' && !argumentUrls && !isRegularFile(inputPath) && !typedInput) input = await refuseCompressedStream(input, signals.stop);
      // A stop before the input said anything: nothing was read or sent, and -o FILE, not opened yet, keeps an
      // earlier run's lines (opening it empties it). Ended as the signal would have, quietly.
      if (signals.received !== undefined && output !== undefined && output !== '-') {
        input.destroy();
        return 128 + (osConstants.signals[signals.received] ?? 0);
      }
      // Opened first: it empties FILE, so that a fingerprint of this input is never beside another run's lines.
      // -o /dev/stdout into a file is that file as the redirect left it: `>> log` is added to, not emptied.
      const opening = { append: outputIsDescriptor };
      // A descriptor's name is opened as given: outputTarget resolved /dev/stdout to the file behind the redirect.
      const sinkPath = outputIsDescriptor ? (flags.output as string) : output;
      sink = sinkPath !== undefined && mayWaitToOpen(sinkPath) ? await signals.bareWhile(() => openSink(sinkPath, opening)) : openSink(sinkPath, opening);
      // Not a descriptor's file, added to (`-o /dev/stdout >> log`): --resume would take the lines before for this input's.
      if (output !== undefined && !outputIsDescriptor && !argumentUrls && isRegularFile(inputPath) && isRegularFile(output)) fingerprinted = await markResumableIfYouCan(output, inputPath);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(io.stderr, error.message);
    throw error;
  }
  // `2>&1 | reader`: messages from now on go between whole result lines, not into one the pipe took in part.
  io = { ...io, stderr: stderrBesideResults(io.stderr, sink) };
  // The run starts (its input and output open): a --summary file a run before left goes now. A run killed outright
  // (kill -9, the OOM killer) writes none, and the earlier one, still there, passed for its own.
  await dropEarlierSummary(flags.summary);
  for (const warning of warnings) io.stderr.write(`bulkfetch: warning: ${warning}\n`);
  // Results into a pipe (`| jq`, `| head`): its reader most often writes to this terminal too, where its lines
  // landed on the progress line ("... ETA ?[5,200]"), which no erase of ours can keep apart. --progress draws it.
  const resultsPiped = writesToPipe(sink);
  const showProgress = flags.progress === true || (flags.progress === undefined && !flags.quiet && !typedInput && !resultsPiped && (io.stderr as { isTTY?: boolean }).isTTY === true);
  const progress = showProgress ? startProgress(io.stderr, inputPath, argumentUrls?.count) : undefined;
  // The results and the progress line on one terminal (stdout, or -o /dev/tty with stdout elsewhere): result lines
  // must not land on the progress line. Sent elsewhere (> /dev/null, a file), they leave it alone: it was erased and
  // drawn again around each batch.
  if (progress && writesToTerminal(sink) && (io.stderr as { isTTY?: boolean }).isTTY === true) sink = besideProgress(sink, progress);
  announceTypedInput();
  // At a terminal a notice starts by erasing its line: the "^C" the terminal echoed is on it, progress line or not.
  const lineStart = (io.stderr as { isTTY?: boolean }).isTTY === true ? eraseLine(io.stderr) : '';
  const say = (text: string): void => besideProgressLine(progress, () => io.stderr.write(`${lineStart}bulkfetch: ${text}\n`));
  // Once the progress view is closed (the run over): not drawn again under the notice.
  const sayAfterProgress = (text: string): void => void io.stderr.write(`${lineStart}bulkfetch: ${text}\n`);
  let errorLimitHit = false;
  if (!flags.quiet) noticeStops(signals, options.grace, say, () => errorLimitHit);
  if (progress) signals.stop.addEventListener('abort', () => progress.stopping(), { once: true });
  const abort = new AbortController();
  let outputError: NodeJS.ErrnoException | undefined;
  sink.on('error', (error: NodeJS.ErrnoException) => {
    outputError = error;
    abort.abort();
  });
  let summary: RunSummary;
  try {
    summary = await runJob(options, {
      input,
      sink,
      terminalSafe: true,
      signal: abort.signal,
      stop: signals.stop,
      abortNow: signals.abortNow,
      ...(done ? { skipLine: (line: number) => (done as LineSet).has(line) } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
      // One report per crash, the child's stack trace included; none under -q.
      // On a line of its own: the progress line is erased first and drawn again under it.
      ...(flags.quiet ? {} : { onChildCrash: (crash: ChildCrash) => besideProgressLine(progress, () => io.stderr.write(formatCrash(crash))) }),
      onErrorLimit: (errors: number, records: number) => {
        errorLimitHit = true;
        progress?.stopping();
        // Under a signal's stop already (its grace running), nothing new begins.
        if (!flags.quiet && signals.received === undefined) say(errorLimitNotice(options.maxErrors as ErrorLimit, errors, records, options.grace));
      },
    });
  } catch (error) {
    if (outputError?.code === 'EPIPE') return readerGone(flags.summary, signals.received, flags.quiet ? undefined : sayAfterProgress);
    // Found as the run starts, before any record: a file read once (a pipe) that is not what its flag takes.
    if (error instanceof UsageError) {
      progress?.close();
      return usage(io.stderr, error.message);
    }
    throw error;
  } finally {
    progress?.close();
  }
  if (outputError?.code === 'EPIPE') return readerGone(flags.summary, signals.received, flags.quiet ? undefined : sayAfterProgress);
  await closeSink(sink);
  // The last lines are written as the output ends: a reader that quit during a stop's grace (`| less` left
  // after Ctrl-C) is found only here, and is the same reader gone, not a failed output (exit 1).
  if (outputError?.code === 'EPIPE') return readerGone(flags.summary, signals.received, flags.quiet ? undefined : sayAfterProgress);
  if (outputError) {
    // Lines written before the failure are whole; the records after it have no line.
    const target = output === undefined ? 'stdout' : JSON.stringify(output);
    const remedy = outputRemedy(outputError.code);
    const hint = flags.resume ? `; ${remedy}, then run the same command again` : fingerprinted ? `; ${remedy}, then run the same command with --resume to continue` : '';
    io.stderr.write(`bulkfetch: cannot write output ${target}: ${outputError.code ?? outputError.message}; the run was stopped and later results are missing${hint}\n`);
    await dropEarlierSummary(flags.summary);
    return EXIT.FAILED;
  }
  // No input line at all (not one answered before --resume, in another shard, or a comment), and a flag had taken
  // a URL for its value: that was the URL the run was meant to fetch.
  const noLine = summary.records === 0 && summary.skipped === 0 && summary.resumed === 0 && summary.outOfShard === 0;
  if (noLine && takenInput !== undefined && signals.received === undefined) {
    return usage(io.stderr, noUrlGiven(takenInput));
  }
  const report = toSummaryJson(summary);
  // A limit the last records crossed that the run did not judge (a percentage on fewer than 100 records): the
  // JSON says so too, as README promises ("max-errors" also when the last records crossed it), not null.
  if (options.maxErrors && limitExceededAtEnd(summary, options.maxErrors)) report.stoppedBy = 'max-errors';
  const stopped = await describeStop(summary, { argv, inputPath, argumentUrls: argumentUrls?.count, output, outputIsDescriptor, resume: flags.resume === true, answeredBefore: done?.size, fingerprinted, signal: signals.received });
  // Said even with -q, as how to continue is: every body after the disk filled was fetched for nothing.
  const diskFull = saveDiskFullNotice(options.save, summary.savesWithoutRoom, output !== undefined && output !== '-' && isRegularFile(output));
  // A run without --resume that read all its input needs no continuing: its fingerprint goes (see markResumableIfYouCan),
  // but for bodies a full disk had no room for, which --resume sends again.
  if ((!stopped || stopped.complete) && fingerprinted && diskFull === undefined) await rm(fingerprintPath(output as string), { force: true }).catch(() => undefined);
  if (stopped) report.notRead = stopped.notRead;
  let summaryFailed = false;
  if (typeof flags.summary === 'string') {
    try {
      const json = `${JSON.stringify(report, null, 2)}\n`;
      // `--summary -`: stdout, free because the results went to -o FILE (preflight's checkFiles).
      if (flags.summary === '-') await writeToStdout(io.stdout, json);
      else await writeSummaryFile(flags.summary, json);
    } catch (error) {
      // Checked before the run; this is a disk that filled up or a file removed meanwhile.
      io.stderr.write(`bulkfetch: cannot write --summary ${JSON.stringify(flags.summary)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      summaryFailed = true;
    }
  }
  if (!flags.quiet) io.stderr.write(formatSummary(report, stopped?.rows));
  // -q hides the summary, not how to continue a run that was cut short.
  // Its first line erases the one it starts on at a terminal: the "^C" echoed there (with -q no notice came before).
  else if (stopped) stopped.rows.forEach(([key, text], index) => io.stderr.write(`${index === 0 ? lineStart : ''}bulkfetch: ${key}: ${text}\n`));
  if (diskFull !== undefined) io.stderr.write(`bulkfetch: ${diskFull}\n`);
  if (signals.received) return signalExitCode(signals.received);
  if (options.maxErrors && limitExceededAtEnd(summary, options.maxErrors)) {
    io.stderr.write(`bulkfetch: ${errorLimitAtEndNotice(options.maxErrors, summary.errors, summary.records)}\n`);
  }
  return summaryFailed || runFailed(summary, { fail: flags.fail === true, maxErrors: options.maxErrors }) ? EXIT.FAILED : EXIT.OK;
}

/**
 * `-o FILE` without --resume: the input's fingerprint goes beside FILE before its
 * first line, as --resume would put it, so that a run killed outright (SIGKILL,
 * the OOM killer, a reboot), which gets no chance to say how to continue, can
 * still be continued with --resume instead of starting over. A run that ends
 * having read all its input removes it. Best effort: a fingerprint that cannot
 * be written (false) only leaves such a run as it was before, and a stop tries
 * again (stopped-run's continueCommand).
 */
async function markResumableIfYouCan(output: string, inputPath: string): Promise<boolean> {
  return markResumable(output, inputPath).then(
    () => true,
    () => false,
  );
}

/**
 * The results' reader went away (EPIPE, `| head`): the run stopped at once, quietly, exit 0; or, when a
 * signal stopped the run too (Ctrl-C in a pipeline reaches every process of it), the signal's exit code.
 */
async function readerGone(summary: unknown, signal: NodeJS.Signals | undefined, say: ((text: string) => void) | undefined): Promise<number> {
  await dropEarlierSummary(summary);
  if (signal === undefined) return EXIT.OK;
  // Ctrl-C reaches `| jq` too: the reader died of the signal that stopped the run, and the exit says the run was stopped.
  say?.(`stopped by ${signal}; the results' reader had gone, so the lines after it went were not written`);
  return signalExitCode(signal);
}

/**
 * Ends the output and waits until it is written. process.stdout (a terminal)
 * is never closed, so it never emits 'finish' or 'close': awaiting finished() on
 * it left nothing for the event loop to do, and Node exited 13 before the summary.
 */
async function closeSink(sink: Writable): Promise<void> {
  if (sink === process.stdout) {
    await new Promise<void>((resolve) => sink.write('', () => resolve()));
    return;
  }
  sink.end();
  // finished() also settles for a stream that already closed or failed.
  await finished(sink).catch(() => {});
}

/**
 * `bulkfetch -q analyze FILE`: analyze written after options. The command to write instead keeps only analyze's
 * own options (--json, --procs N); "took it as its value" is said only of a flag that takes one (-q does not),
 * and the run's options before it are named as what analyze does not take (masked: -u bob:pw among them).
 */
function misplacedAnalyze(program: Command, before: readonly string[]): string {
  const last = before.at(-1) as string;
  const flag = program.options.find((option) => option.long === last || option.short === last);
  const tookIt = flag !== undefined && (flag.required || flag.optional);
  const own = before.filter((arg, at) => arg === '--json' || arg.startsWith('--procs') || before[at - 1] === '--procs');
  const others = maskedArgv(before.filter((arg) => !own.includes(arg) && !(tookIt && arg === last))).args;
  return `analyze is a subcommand: write it first, its options after it (bulkfetch analyze FILE${own.length > 0 ? ` ${own.join(' ')}` : ''})${tookIt ? `; here ${last} took it as its value` : ''}${others.length > 0 ? `; ${others.join(' ')} ${others.length === 1 ? 'is an option' : 'are options'} of a run, which analyze does not take` : ''}`;
}

/** Entry from bin/: runs main, maps unexpected errors to a report-this hint. */
export async function runCli(): Promise<void> {
  keepParentYoungGenerationSmall();
  // stderr is for people. Once it cannot be written (a terminal that closed: EIO; a pipe whose reader
  // left: EPIPE) there is no one to tell, and the run goes on: the results have their own output.
  process.stderr.on('error', () => {});
  leaveTerminalAloneAtExit();
  const args = process.argv.slice(2);
  const notUtf8 = firstNonUtf8Argument(args.length);
  if (notUtf8) {
    discardSpareChild();
    process.exitCode = usage(process.stderr, notUtf8Refusal(args, notUtf8));
    return;
  }
  const crlf = crlfScriptWord(args);
  if (crlf !== undefined) {
    discardSpareChild();
    process.exitCode = usage(process.stderr, crlf);
    return;
  }
  // undici's HTTP/1.1 parser is WebAssembly: without it every record of the run ended EUNKNOWN "WebAssembly is not
  // defined", and the run exit 0.
  if ((globalThis as { WebAssembly?: unknown }).WebAssembly === undefined && args[0] !== 'analyze') {
    discardSpareChild();
    process.exitCode = usage(process.stderr, 'Node runs without WebAssembly here (--jitless or --no-expose-wasm, in NODE_OPTIONS or on node\'s command line), and the HTTP/1.1 parser bulkfetch sends requests with is WebAssembly: run it without that flag');
    return;
  }
  maskCommandLineShown(args);
  try {
    const code = await main(args).finally(discardSpareChild);
    process.exitCode = code;
    // Said, and nothing was sent: a pipe still open (`tail -f log | bulkfetch - -o out --resume` refused) kept the
    // process reading it until the producer ended, for ever under tail -f.
    if (code === EXIT.USAGE) process.exit(code);
    endAsHungUp();
    if (code === EXIT.OK && process.stdout.destroyed) process.exit(code);
  } catch (error) {
    if (error instanceof BulkfetchError) {
      process.stderr.write(`bulkfetch: ${error.message}\n`);
      process.exitCode = EXIT.FAILED;
      return;
    }
    // A relative path (-o out.ndjson, -d @body) resolved in a directory removed since the shell went into it.
    if ((error as NodeJS.ErrnoException).syscall === 'uv_cwd') {
      process.exit(usage(process.stderr, 'The current directory no longer exists (it was removed after the shell went into it), so no relative path can be read or written: cd to one that exists, or give absolute paths'));
    }
    process.stderr.write(`bulkfetch: internal error, please report it with this trace:\n${(error as Error).stack ?? String(error)}\n`);
    // Now: children, timers and pipes of a run the error left half done kept the process alive, with no word more.
    process.exit(EXIT.FAILED);
  }
}

/** Says on stderr, as each stop signal lands, what the run does about it (stopNotice). */
function noticeStops(signals: ReturnType<typeof listenForStopSignals>, graceMs: number, say: (text: string) => void, stoppingAlready: () => boolean): void {
  const notice = (signal: AbortSignal, text: (received: NodeJS.Signals) => string | undefined): void => {
    const sayIt = (): void => {
      const said = text(signal.reason as NodeJS.Signals);
      if (said !== undefined) say(said);
    };
    // Landed before the run began (while --resume rewrote a large -o): said now, as it was not at all.
    if (signal.aborted) sayIt();
    else signal.addEventListener('abort', sayIt, { once: true });
  };
  // After --max-errors began the stop, the first signal aborts (run-job.ts).
  notice(signals.stop, (received) => (stoppingAlready() ? abortNotice(received, true) : stopNotice(received, graceMs)));
  notice(signals.abortNow, abortNotice);
}

/** Writes to stderr while the progress line may be drawn there: erased first, drawn again after. */
function besideProgressLine(progress: ProgressHandle | undefined, write: () => void): void {
  progress?.clear();
  write();
  progress?.redraw();
}

function formatCrash({ child, reason, records, stderr, rerun, notStarted }: ChildCrash): string {
  const trace = stderr.trim();
  // A fork that failed, or a child that ended as it started, ran nothing: its records wait for the next fork (worker-pool.ts, #notStarted).
  if (notStarted) {
    const held = `${records} ${records === 1 ? 'record' : 'records'}`;
    return `bulkfetch: child ${child} could not be started (${reason}) with ${held} for it; ${rerun ? 'trying again for about 3 s' : 'they are answered ENOTSENT, not sent (--resume of a run into -o FILE sends them)'}\n`;
  }
  const then = records === 0 ? 'nothing of the run was lost' : rerun ? 're-running those that may be sent again' : 'the run is stopping, so they are answered EABORTED';
  // Said with the first death that memory explains (crash-hint.ts).
  const oom = oomHinted ? '' : memoryHint(reason, trace, addressSpaceLimit());
  if (oom) oomHinted = true;
  return `bulkfetch: child ${child} died (${reason}) holding ${records} ${records === 1 ? 'record' : 'records'}; ${then}${oom}\n${trace ? `${trace.replace(/^/gm, '  ')}\n` : ''}`;
}

/** What mends an output that failed with `code`: EFBIG under `ulimit -f` is no disk's fullness nor a permission. */
function outputRemedy(code: string | undefined): string {
  if (code === 'EFBIG') return 'raise the limit on file size (ulimit -f) or write to a file system that takes larger files';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'free space';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'fix permissions';
  return 'free space or fix permissions';
}

/** The out-of-memory hint was given with an earlier child's crash (formatCrash). */
let oomHinted = false;

/**
 * After a run some of whose --save bodies could not be written, when the --save directory's disk has no room
 * left: how to get them (their lines say ESAVE, saveDiskFull's wording, which --resume sends again).
 */
function saveDiskFullNotice(save: string | undefined, failed: number, resumable: boolean): string | undefined {
  if (save === undefined || failed === 0) return undefined;
  let free: number;
  try {
    const stats = statfsSync(save);
    free = stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
  if (free > DISK_NEARLY_FULL) return undefined;
  // Per record, by its method: a POST's body was answered, and --resume leaves it (sentOnce).
  const then = resumable ? 'then run the same command with --resume: the records whose body found no room are sent again, if their method may be sent twice (GET, HEAD, PUT, DELETE, OPTIONS; any with --retry-all-methods)' : 'then run again (with -o FILE, --resume sends those records again)';
  return `--save ${JSON.stringify(save)} is on a full disk, and ${failed.toLocaleString('en-US')} bodies could not be saved (ESAVE): free space, ${then}`;
}

/** Free bytes under which the --save directory's disk counts as full (a body of a few KiB found none). */
const DISK_NEARLY_FULL = 1024 * 1024;

/** The long flags --help shows: an unknown flag that starts some of them is told them. */
function longFlags(program: Command): string[] {
  return program.options.flatMap((option) => (option.long !== undefined && !option.hidden ? [option.long] : []));
}

/** The long flags that take no value (--insecure, --follow): `--insecure=true` is no unknown option, but a value too many. */
function flagsWithoutValue(program: Command): ReadonlySet<string> {
  return new Set(program.options.filter((option) => !option.required && !option.optional && option.long !== undefined).map((option) => option.long as string));
}

/** Whether -o names one of this process's descriptors (/dev/stdout, /dev/fd/N, /proc/self/fd/N). */
function namesDescriptor(output: unknown): boolean {
  return typeof output === 'string' && descriptorNamed(output) !== undefined;
}
