/**
 * `bulkfetch analyze [input] [--json]`: the CLI layer of src/analyze/. Like
 * cli.ts, it turns argv into a call and the outcome into text and an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { adviseOn } from '../analyze/advice.js';
import { analyzeInput } from '../analyze/analyze-input.js';
import { formatReport } from '../analyze/format-report.js';
import { printReport, usage } from './exit.js';
import { stdoutClosedAtLaunch } from './launcher-env.js';
import { URL_ARGUMENT } from './input-arguments.js';
import { MAX_PROCS } from '../defaults.js';
import { UsageError } from '../errors.js';
import { maskUserinfo } from '../input/credentials.js';
import { openInput } from '../input/open-input.js';
import { OPTION_TABLE, defaultRunOptions, positiveInteger } from '../options/index.js';
import { planCache } from '../parent/cache-plan/plan-cache.js';
import { StreamPlanner } from '../parent/cache-plan/planner.js';
import { cpusAvailable } from '../cpus-available.js';

export async function analyzeMain(argv: string[], io: { stdout: Writable; stderr: Writable }): Promise<number> {
  const program = new Command('bulkfetch analyze')
    .description('Read the input once, send nothing: repetition, spread over hosts, and advice for the run.')
    .argument('[input]', "file of URLs or JSON request specs ('-' or none: stdin)")
    .option('--json', 'print the report as one JSON object')
    // The run's own check (at most 1024): a --procs the run refuses was analyzed as if it would run.
    .option('--procs <n>', 'child processes the run would use (default: number of CPUs)', positiveInteger('--procs', { most: MAX_PROCS, why: 'each is a Node process of about 100 MB' }))
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    // main() prints help and version itself (to its io): commander printing them too showed each twice.
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      return printReport(io, program.helpInformation());
    }
    if (error instanceof CommanderError) return usage(io.stderr, analyzeUsageError(error, program.args.length > 0 ? program.args : argv.filter((arg) => !arg.startsWith('-'))));
    // A value our parser refused (--procs 0): commander passes its UsageError on.
    if (error instanceof UsageError) return usage(io.stderr, error.message);
    throw error;
  }
  // As a run's: Node opened a closed stdout on /dev/null, and the report would go nowhere with exit 0.
  if (stdoutClosedAtLaunch()) return usage(io.stderr, 'stdout is closed (>&-), and the report would be lost: run it with stdout open');
  const path = program.args[0] ?? '-';
  let input;
  // A URL given as the run takes one: analyze reads a list, never the network.
  if (URL_ARGUMENT.test(path) && !existsSync(path)) {
    return usage(io.stderr, `Cannot read input ${JSON.stringify(maskUserinfo(path))}: analyze reads a file of URLs or stdin, not URLs as arguments (printf '%s\\n' URL... | bulkfetch analyze -)`);
  }
  try {
    input = openInput(path);
  } catch (error) {
    if (error instanceof UsageError) return usage(io.stderr, asAnalyzeAdvice(error.message));
    throw error;
  }
  // What a run says in the same place: without it, analyze at a terminal waited for input without a word.
  if (path === '-' && (process.stdin as { isTTY?: boolean }).isTTY === true) io.stderr.write('bulkfetch analyze: reading URLs from stdin, one a line (Ctrl-D to end)\n');
  // A file named analyze here is still the subcommand's name: said, as a run takes a lone existing file for its input.
  if (program.args.length === 0 && statSync('analyze', { throwIfNoEntry: false })?.isDirectory() === false) io.stderr.write('bulkfetch analyze: reading stdin; "analyze" is the subcommand, not the file of that name here (bulkfetch analyze ./analyze reads it)\n');
  const { json, procs = cpusAvailable() } = program.opts<{ json?: boolean; procs?: number }>();
  // The run's own decision, by the same code: a pass over a file, or the stream planner fed as records go by.
  const defaults = defaultRunOptions();
  const planner = await planCache({ cache: 'auto', input: path, method: defaults.method, maxLineBytes: defaults.maxLineBytes }, procs);
  let profile;
  try {
    profile = await analyzeInput(input, planner instanceof StreamPlanner ? { onRequest: (hash) => planner.directive(hash) } : {});
  } catch (error) {
    // Found as it is read: a compressed stdin (a named file is refused as it is opened), a NUL in a pipe.
    if (error instanceof UsageError) return usage(io.stderr, asAnalyzeAdvice(error.message));
    throw error;
  }
  const cache = planner.decision();
  const advice = adviseOn(profile, procs, cache);
  return printReport(io, json ? `${JSON.stringify({ ...profile, cache, advice })}\n` : formatReport(profile, advice, cache));
}

/** An input's refusal as analyze gives it: its advice to pipe the input in names `bulkfetch analyze -`. */
function asAnalyzeAdvice(message: string): string {
  return message.replace(/\| bulkfetch -$/, '| bulkfetch analyze -');
}

/**
 * commander's refusals in the words of every other message: a run's option given to analyze is named as
 * one (it said only "unknown option"), and two inputs as what analyze takes (it said "too many arguments").
 */
function analyzeUsageError(error: CommanderError, args: readonly string[]): string {
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  if (error.code === 'commander.excessArguments') return `Expected one input file (or - for stdin) for analyze, got ${args.length} arguments: ${args.map((arg) => JSON.stringify(arg)).join(' ')}`;
  const option = /^unknown option '([^']+)'/.exec(message)?.[1];
  const name = option?.split('=')[0];
  if (name === '--json' && option !== name) return `analyze's --json takes no value: give --json alone`;
  // `--user=bob:pw`: the flag alone, as the run's own refusal shows it, for its value may be a secret.
  const said = option !== undefined && option !== name ? message.replace(`'${option}'`, `'${name}=...'`) : message;
  const runOption = name !== undefined && OPTION_TABLE.some((spec) => [spec.flags, spec.curlName].some((flags) => flags !== undefined && [new Option(flags).long, new Option(flags).short].includes(name)));
  return runOption ? `${said}: it is the run's option; analyze takes --json and --procs, and reads the input as a run with its defaults would` : said;
}
