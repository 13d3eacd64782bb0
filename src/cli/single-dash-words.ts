import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { isRegularFile } from '../input/input-size.js';
import { URL_ARGUMENT } from './input-arguments.js';
import { OTHER_TOOLS, OTHER_TOOLS_PAIRS, httpxSkipDedupe } from './other-tools-words.js';
import { POWERSHELL_WORDS } from './powershell-words.js';

/**
 * curl's `-sc FILE` and `-fc FILE` (silent or fail, and a cookie jar), a habit of curl users: httpx's -sc takes no
 * value and its -fc status codes, so a next argument that is neither a flag, a list of codes nor a URL is curl's FILE, and
 * the run's own answer to -c (no cookie jar is kept) is the one that helps.
 */
function curlCookieJar(pair: string, next: string | undefined): boolean {
  return (pair === 'sc' || pair === 'fc') && next !== undefined && !next.startsWith('-') && !/^\d{3}(?:,\d{3})*$/.test(next) && !URL_ARGUMENT.test(next);
}

/** Dashes a word processor or a web page puts where `-` or `--` was typed: en and em dashes, the minus sign. */
const TYPOGRAPHIC_DASH = /^[\u2010-\u2015\u2212]+(?=[A-Za-z])/;

/**
 * A single-dash word that names a long flag of ours (`-rate 50`, `-retries 3`) or another tool's flag, refused with
 * what was meant, before commander reads its letters as short flags. A value of a flag that takes one is left alone.
 */
export function refuseSingleDashWords(program: Command, argv: readonly string[]): void {
  const longs = new Set(program.options.map((option) => option.long?.slice(2)).filter((name): name is string => name !== undefined));
  const takesValue = new Set(program.options.filter((option) => option.required || option.optional).flatMap((option) => [option.long, option.short]).filter((flag): flag is string => flag !== undefined));
  const end = argv.indexOf('--');
  // The short flag of a bundle that takes the rest of it, or the next argument: `-sd` takes the next (`-sd '—x'`
  // is a body, no flag); `-sdx` takes "x".
  const valueTaker = (bundle: string): number => [...bundle.slice(1)].findIndex((letter) => takesValue.has(`-${letter}`)) + 1;
  const takesNext = (prev: string): boolean => takesValue.has(prev) || (/^-[A-Za-z0-9]{2,}$/.test(prev) && valueTaker(prev) === prev.length - 1);
  for (let at = 0; at < (end === -1 ? argv.length : end); at++) {
    if (at > 0 && takesNext(argv[at - 1] as string)) continue;
    const arg = argv[at] as string;
    // `bulkfetch -dash.txt`: a file whose name starts with a dash, read as a flag and its value (-d "ash.txt": every
    // record a POST). Only a bundle that carries a value: a stray file named -q does not turn -q away.
    const taker = /^-[A-Za-z0-9]/.test(arg) ? valueTaker(arg) : 0;
    if (taker > 0 && taker < arg.length - 1 && isRegularFile(arg)) {
      throw new UsageError(`${JSON.stringify(arg)} names a file, but is read as ${arg.slice(0, taker + 1)} ${JSON.stringify(arg.slice(taker + 1))}: give a file whose name starts with - after -- (bulkfetch -- ${arg}) or as ./${arg}`);
    }
    const dash = TYPOGRAPHIC_DASH.exec(arg);
    if (dash !== null && !isRegularFile(arg)) {
      // `—procs 2` pasted from a page read as an input file's name; the hint names the flag as typed with ASCII dashes.
      const name = arg.slice(dash[0].length).split('=')[0] as string;
      throw new UsageError(`${JSON.stringify(arg.split('=')[0])} starts with a typographic dash (pasted from a document?), not -: write ${name.length === 1 ? '-' : '--'}${name}`);
    }
    const pair = /^-([a-z]{2})$/.exec(arg)?.[1];
    if (pair !== undefined && Object.hasOwn(OTHER_TOOLS_PAIRS, pair) && !curlCookieJar(pair, argv[at + 1])) throw new UsageError(`${arg}: ${OTHER_TOOLS_PAIRS[pair]}`);
    if (pair !== undefined && httpxSkipDedupe(pair, argv[at + 1])) throw new UsageError(`${arg}: ${pair === 'sd' ? OTHER_TOOLS['skip-dedupe'] : OTHER_TOOLS_PAIRS.fc} (curl's -${pair[0] as string} -d would send ${argv[at + 1] === undefined ? 'no body: -d takes a value' : `${JSON.stringify(argv[at + 1])} as every record's body`})`);
    const word = /^-([A-Za-z][A-Za-z0-9-]{2,})(?:=|$)/.exec(argv[at] as string)?.[1]?.toLowerCase();
    if (word === undefined) continue;
    const typed = (argv[at] as string).split('=')[0];
    if (Object.hasOwn(OTHER_TOOLS, word)) throw new UsageError(`${typed}: ${OTHER_TOOLS[word]}`);
    // Before our own long flags: PowerShell's -Body is the request's body, where --body is how the response's is shown.
    if (Object.hasOwn(POWERSHELL_WORDS, word)) throw new UsageError(`${typed}: PowerShell's parameter: ${POWERSHELL_WORDS[word]}`);
    if (longs.has(word)) throw new UsageError(`${typed}: a long option takes two dashes, --${word} (with one, its letters are read as short flags)`);
  }
}
