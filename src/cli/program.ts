import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { OPTION_TABLE, describeOption, shownDefault, type OptionSpec } from '../options/index.js';
import { VERSION } from '../version.js';
import { refuseSingleDashWords } from './single-dash-words.js';

export const EXAMPLES = `
Examples:
  bulkfetch urls.txt --procs 8 --concurrency 200 | jq -c 'select(.status != 200)'
  cat urls.txt | bulkfetch - -o results.ndjson
  bulkfetch specs.ndjson -H 'Authorization: Bearer TOKEN' --timeout 10

  bulkfetch analyze urls.txt        # repetition and host spread, no requests

Each input line is a URL or a JSON request spec; each yields exactly one JSON
line on stdout. Blank lines and lines starting with # are skipped.

Durations (--timeout, --connect-timeout, --retry-delay, --retry-max-delay,
--grace): a bare number is seconds, as in curl (10, 0.5); or give a unit:
250ms, 2s, 1m, 1h.`;

/** The `bulkfetch` command: every flag comes from the option table. */
export function buildProgram(): Command {
  const program = new Command()
    .name('bulkfetch')
    .description('Fetch every URL or request spec in a file, fast, with one JSON line per request.')
    .argument('[input...]', "file of URLs or JSON request specs, one per line ('-' or none: stdin); or the URLs themselves, as curl takes them")
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EXAMPLES)
    .allowExcessArguments(false)
    .exitOverride()
    // main() prints help and version itself (to its io): commander printing them too showed each twice.
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const spec of OPTION_TABLE) {
    // Computed or implied defaults are shown by description and filled in from the table later:
    // commander shows no default whose value is undefined, so the description carries it.
    // A default described in words ('number of CPUs') also shows the value it stands for on this machine.
    const computed = typeof spec.defaultValue === 'number' && !/\d/.test(spec.defaultDescription ?? '') ? `, here ${spec.defaultValue}` : '';
    const described = spec.defaultDescription === undefined ? '' : ` (default: ${spec.defaultDescription}${computed})`;
    const option = new Option(spec.flags, describeOption(spec) + described);
    if (spec.parse) option.argParser(spec.parse);
    const shown = shownDefault(spec);
    if (spec.defaultDescription === undefined && shown !== undefined) option.default(shown);
    program.addOption(option);
    if (spec.curlName !== undefined) program.addOption(curlNamed(spec, option));
  }
  return program;
}

/**
 * curl's name for a flag (--max-time for --timeout): its own commander option,
 * hidden from --help (the flag's description names it), with the flag's parse;
 * a bad value is reported under the name that was typed.
 */
function curlNamed(spec: OptionSpec, flag: Option): Option {
  const option = new Option(spec.curlName as string).hideHelp();
  const { parse } = spec;
  if (parse) {
    option.argParser((value: string, previous: unknown) => {
      try {
        return parse(value, previous);
      } catch (error) {
        if (!(error instanceof UsageError) || !flag.long || !option.long) throw error;
        throw new UsageError(error.message.replaceAll(flag.long, option.long), { cause: error });
      }
    });
  }
  return option;
}

/**
 * Parses argv, then moves what curl's names set onto the flags they stand for,
 * as if those had been typed (later checks and the run read only those). Both
 * names at once with two values is a usage error: which one was meant cannot be
 * known. With one meaning (`-q -s`, `-L --location`, `-m 5 --timeout 5`) they
 * are that one flag given twice.
 */
export function parseCommandLine(program: Command, argv: string[]): void {
  refuseSingleDashWords(program, argv);
  program.parse(sameFlagForRepeatable(argv), { from: 'user' });
  for (const spec of OPTION_TABLE) {
    if (spec.curlName === undefined) continue;
    const flag = new Option(spec.flags);
    const curl = new Option(spec.curlName);
    if (program.getOptionValueSource(curl.attributeName()) !== 'cli') continue;
    const given = program.getOptionValue(curl.attributeName()) as unknown;
    if (program.getOptionValueSource(flag.attributeName()) === 'cli' && program.getOptionValue(flag.attributeName()) !== given) {
      // Named as typed: -m, not --max-time, for `-m 5 --timeout 6`.
      const typed = curl.short !== undefined && !argv.some((arg) => arg === curl.long || arg.startsWith(`${curl.long}=`)) ? curl.short : curl.long;
      throw new UsageError(`${typed} is curl's name for ${flag.long}: give one of them`);
    }
    program.setOptionValueWithSource(flag.attributeName(), given, 'cli');
  }
}

/**
 * curl's names of flags whose values add up (`-d a --data-ascii b` is the body `a&b` in curl): written as
 * our flag before parsing, so the pieces join in the order given. Two values of a flag that takes one stay
 * a question (parseCommandLine).
 */
const ADDING_CURL_NAMES: Readonly<Record<string, string>> = { '--data-ascii': '--data' };

function sameFlagForRepeatable(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((arg, index) => {
    if (end !== -1 && index > end) return arg;
    const [name, value] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('='))] : [arg, ''];
    const ours = Object.hasOwn(ADDING_CURL_NAMES, name) ? ADDING_CURL_NAMES[name] : undefined;
    return ours === undefined ? arg : `${ours}${value}`;
  });
}
