import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { maskUserinfo } from '../input/credentials.js';
import { isRegularFile } from '../input/input-size.js';
import { parseUrlGlob, type GlobError } from '../input/url-glob.js';
import { mistypedScheme } from '../input/validate.js';

/** What the command line names as the run's input: a file ('-' for stdin), or the URLs themselves. */
export type InputArguments = { path: string; urls?: undefined } | { path: '-'; urls: string[] };

/**
 * Any scheme, not http(s) alone: `bulkfetch ftp://host/x` was read as a file name and
 * refused as "no such file", where `--url ftp://host/x` is a record answered
 * EUNSUPPORTEDSCHEME. As a record it gets that answer, which says what is wrong.
 * A glob of schemes too (`{http,https}://host/`, which curl expands): it was "no such file".
 */
export const URL_ARGUMENT = /^(?:[a-z][a-z0-9+.-]*|\{[a-z][a-z0-9+.-]*(?:,[a-z][a-z0-9+.-]*)*\}):\/\//i;

/**
 * A curl user's first command is `bulkfetch https://…`: URLs on the command
 * line are the input, one record each, in order. One argument that names an
 * existing file is that file, even one called `http://…`; nothing is stdin.
 * A mix of URLs and file names is refused: which one was meant is not clear.
 * curl's `--url` values (`urlFlags`) are URLs whatever they look like, after
 * the arguments (a record without a scheme gets the default one, as every
 * record does: --proto-default).
 */
export function inputArguments(args: readonly string[], urlFlags: readonly string[] = [], defaultScheme = 'http'): InputArguments {
  // The argument as the URL it was meant to be (--proto-default's scheme), its password as *** (stderr goes to
  // logs; the quoted name is masked too).
  const withScheme = (arg: string): string => maskUserinfo(`${defaultScheme}://${arg}`);
  for (const url of urlFlags) checkOneRecord('--url', url);
  if (urlFlags.length > 0) {
    if (args.every((arg) => URL_ARGUMENT.test(arg))) return { path: '-', urls: [...args, ...urlFlags] };
    const others = args.filter((arg) => !URL_ARGUMENT.test(arg));
    // A file beside --url is read alone; what names no file was a URL without its scheme, or a slip.
    const schemeless = others.find((arg) => looksLikeHost(arg) && !existsSync(arg));
    const why = schemeless !== undefined ? ` (a URL argument needs its scheme: ${withScheme(schemeless)})` : others.every((arg) => existsSync(arg)) ? ': a file is read alone, so put these URLs in it' : ', which names no file, and a URL argument needs its scheme (http://...)';
    throw new UsageError(`Expected only URLs with --url, got ${others.map((arg) => JSON.stringify(arg)).join(' ')}${why}`);
  }
  const [first] = args;
  if (first === undefined) return { path: '-' };
  if (args.length === 1 && (!URL_ARGUMENT.test(first) || existsSync(first))) {
    if (looksLikeHost(first) && !existsSync(first)) {
      throw new UsageError(`Cannot read input ${JSON.stringify(first)}: no such file (a URL argument needs its scheme: ${withScheme(first)})`);
    }
    // A URL pasted with a space before it (`" https://..."` from a spreadsheet cell) reads as a file name.
    if (URL_ARGUMENT.test(first.trimStart()) && !existsSync(first)) throw new UsageError(`Cannot read input ${JSON.stringify(maskUserinfo(first))}: no such file (a URL argument with whitespace before it: write it without)`);
    // A commented-out URL (`'#https://...'`, a list's line pasted): "no such file" said nothing of the #.
    if (URL_ARGUMENT.test(first.trimStart().replace(/^#+\s*/, '')) && first.trimStart().startsWith('#') && !existsSync(first)) checkOneRecord('URL argument', first);
    // A scheme mistyped (`http:/host/x`, `https//host`, `http;//host`, `//host/x`): a line of a file reads `http:/x` as curl does, an argument is a file's name.
    const mistyped = mistypedScheme(first);
    if (mistyped !== undefined && !existsSync(first)) throw new UsageError(`Cannot read input ${JSON.stringify(maskUserinfo(first))}: no such file (a URL argument is written with its scheme and two slashes: ${maskUserinfo(mistyped)})`);
    // `bulkfetch help`, as git and npm take it: the one argument is an input file here.
    if (HELP_WORDS.has(first) && !existsSync(first)) throw new UsageError(`Cannot read input ${JSON.stringify(first)}: no such file (bulkfetch --help lists the options)`);
    if (misspeltAnalyze(first)) throw new UsageError(`Cannot read input ${JSON.stringify(first)}: no such file${ANALYZE_HINT}`);
    return { path: first };
  }
  if (args.every((arg) => URL_ARGUMENT.test(arg))) {
    for (const url of args) checkOneRecord('URL argument', url);
    return { path: '-', urls: [...args] };
  }
  // URLs with a blank or # argument among them (an unset variable, a commented line pasted): that one is said, not "N arguments".
  if (args.some((arg) => URL_ARGUMENT.test(arg))) {
    for (const arg of args) if (arg.trim() === '' || arg.trimStart().startsWith('#')) checkOneRecord('URL argument', arg);
  }
  // `bulkfetch example.com/a example.com/b`: URLs meant, the scheme left off, as curl allows.
  const schemeless = args.find((arg) => !URL_ARGUMENT.test(arg) && looksLikeHost(arg) && !existsSync(arg));
  // `bulkfetch analyse urls.txt`: the subcommand misspelled reads as a first file name; `bulkfetch --procs 2
  // analyze urls.txt` wrote it right, after an option: a subcommand comes first.
  const subcommand = first === 'analyze' && !existsSync(first) ? ' (analyze is a subcommand: write it first, its options after it: bulkfetch analyze FILE --procs N)' : misspeltAnalyze(first) ? ANALYZE_HINT : '';
  // `bulkfetch my urls.txt`: a file name with a space, split by the shell.
  const spaced = args.join(' ');
  const unquoted = existsSync(spaced) ? ` (a file name with a space is two arguments unless quoted: bulkfetch ${JSON.stringify(spaced)})` : undefined;
  // `bulkfetch https//host/a https://host/b`: one URL among others with its scheme mistyped.
  const mistyped = args.map((arg) => (URL_ARGUMENT.test(arg) || existsSync(arg) ? undefined : mistypedScheme(arg))).find((meant) => meant !== undefined);
  const hint =
    unquoted ??
    (mistyped !== undefined ? ` (a URL argument is written with its scheme and two slashes: ${maskUserinfo(mistyped)})` : schemeless === undefined ? subcommand : ` (a URL argument needs its scheme: ${withScheme(schemeless)})`);
  throw new UsageError(`Expected one input file (or - for stdin), or URLs, got ${args.length} arguments: ${args.map((arg) => JSON.stringify(arg)).join(' ')}${hint}`);
}

/**
 * A URL given on the command line is one record, and becomes one line of the run's input: one that is
 * blank or starts with # would be skipped as a line is (`--url "$UNSET"` fetched nothing and exited 0),
 * one with a line break would be two. curl refuses them all as malformed URLs.
 */
function checkOneRecord(what: string, url: string): void {
  if (url.trim() === '') throw new UsageError(`Expected a URL, got ${what} ${JSON.stringify(url)}`);
  if (url.trimStart().startsWith('#')) throw new UsageError(`Expected a URL, got ${what} ${JSON.stringify(url)}: a # starts a comment line in an input file, never a URL`);
  if (/[\r\n]/.test(url)) throw new UsageError(`Expected one URL, got ${what} ${JSON.stringify(url)}, with a line break in it`);
  // `--url urls.txt` (httpx's and xargs' users pass a list so): a request to http://urls.txt/, its name looked up.
  if (!URL_ARGUMENT.test(url) && isRegularFile(url)) throw new UsageError(`Expected a URL, got ${what} ${JSON.stringify(url)}, which names a file here: a file of URLs is an argument of its own (bulkfetch ${url})`);
}

const HELP_WORDS = new Set(['help', 'usage', '?']);

/** `analyze` as it is also written (British spelling, a slip of the fingers); the right spelling in another case too. */
const ANALYZE_SPELLINGS = new Set(['analyse', 'analyze', 'analize', 'anaylze', 'analyz', 'analysis', 'analyzer']);
const ANALYZE_HINT = ' (the subcommand is bulkfetch analyze FILE)';

/** A first argument that names no file and reads as the analyze subcommand, misspelt. */
function misspeltAnalyze(arg: string): boolean {
  return ANALYZE_SPELLINGS.has(arg.toLowerCase()) && !existsSync(arg);
}

/** File name endings that are not top-level domains: `urls.txt` missing is a missing file, not a host. */
const FILE_ENDINGS = new Set(['txt', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'log', 'lst', 'list', 'gz', 'zst', 'xz', 'bz2', 'md', 'yaml', 'yml', 'xml', 'html', 'urls', 'in', 'out', 'dat']);

/** `example.com/x`, `localhost:8080`, `10.0.0.1/x`, `[::1]:8080/x`: what curl would take for a URL, written without a scheme. */
export function looksLikeHost(written: string): boolean {
  // user:password@host/x and user@host/x, as curl takes them: the host after the userinfo.
  const arg = written.replace(/^[^\s/?#@]*@/, '');
  if (/^\[[0-9A-Fa-f:.]+\](?::\d+)?(?:[/?#]|$)/.test(arg)) return true; // [::1]:8080/x
  // Letters of any script: bücher.example and münchen.de are names (IDN), as much as example.com.
  const host = /^([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*)(?::\d+)?(?:[/?#]|$)/u.exec(arg)?.[1];
  if (host === undefined) return false;
  if (host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host)) return true;
  const labels = host.split('.');
  const last = (labels[labels.length - 1] as string).toLowerCase();
  return labels.length > 1 && /^\p{L}{2,}$/u.test(last) && !FILE_ENDINGS.has(last);
}

/** URL arguments as the run's input: each of curl's globs expanded (unless -g), and how many lines that is. */
export interface ArgumentInput {
  readonly count: number;
  /** Whether any argument had a glob: curl's `-o '#1.txt'` then means a file per URL. */
  readonly globbed: boolean;
  open(): Readable;
}

/** Lines handed to the reader at a time: one string per URL would cost a stream chunk each. */
const URLS_PER_CHUNK = 1024;

/**
 * The URL arguments as lines, expanded lazily: `[1-10000000]` is read as a
 * file of ten million lines would be, with nothing held but the chunk being read.
 * A pattern curl would refuse is a usage error that names -g.
 */
export function argumentInput(urls: readonly string[], { glob }: { glob: boolean }): ArgumentInput {
  const globs = urls.map((url) => (glob ? parseUrlGlob(url) : { count: 1, globbed: false, urls: () => [url][Symbol.iterator]() }));
  let count = 0;
  for (const pattern of globs) {
    if ('error' in pattern) throw new UsageError(`Cannot expand the URL's globs ({a,b} and [1-9], as curl does): ${pattern.error}; -g (--globoff) takes [] and {} as written`);
    count += pattern.count;
  }
  const expanded = globs as ReadonlyArray<Exclude<(typeof globs)[number], GlobError>>;
  function* chunks(): Generator<string> {
    let chunk = '';
    let inChunk = 0;
    for (const pattern of expanded) {
      for (const url of pattern.urls()) {
        chunk += `${url}\n`;
        if (++inChunk === URLS_PER_CHUNK) {
          yield chunk;
          chunk = '';
          inChunk = 0;
        }
      }
    }
    if (chunk !== '') yield chunk;
  }
  return { count, globbed: expanded.some((pattern) => pattern.globbed), open: () => Readable.from(chunks()) };
}

