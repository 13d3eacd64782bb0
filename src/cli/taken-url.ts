import { fstatSync } from 'node:fs';

/**
 * Flags whose value may be a URL or text that a URL could be, and that a forgotten value lets take the URL
 * meant as the run's argument (`-e $REF URL` with REF empty, `-d URL`): no argument was left, so the run read
 * stdin, and an empty one (cron, `</dev/null`) made a run of no records, exit 0. curl says "no URL specified".
 * -H, -u, -A and -x refuse a URL as their value outright (options/); these may take one, so the run is
 * judged at its end: no record read, and the URL is named.
 */
const MAY_TAKE_A_URL: ReadonlySet<string> = new Set(['-e', '--referer', '-d', '--data', '--data-raw', '--data-binary', '--data-ascii', '--json', '--data-urlencode']);

/**
 * The flag and URL a value-taking flag took, when the command line gave no input of its own and stdin is no
 * pipe (a terminal, /dev/null, a file); undefined otherwise. An empty pipe is a list that had no line this
 * time (`make-list | bulkfetch -e URL`), not a URL forgotten.
 */
export function urlTakenAsValue(argv: readonly string[], positionals: readonly string[], urlFlags: readonly string[]): { flag: string; url: string } | undefined {
  if (positionals.length > 0 || urlFlags.length > 0 || stdinIsPipe()) return undefined;
  for (let at = 0; at < argv.length; at++) {
    const arg = argv[at] as string;
    // `--data=URL`; `-d URL`, or a bundle ending in the flag (`-sd URL`); `-dURL`.
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, value] = equals > 0
      ? [arg.slice(0, equals), arg.slice(equals + 1)]
      : /^-[A-Za-z0-9]*[de]$/.test(arg) ? [`-${arg.at(-1)}`, argv[at + 1]] : /^-[A-Za-z0-9]*[de]https?:\/\//i.test(arg) ? [`-${arg[arg.search(/[de]https?:/i)]}`, arg.slice(arg.search(/[de]https?:/i) + 1)] : [arg, argv[at + 1]];
    if (MAY_TAKE_A_URL.has(flag) && value !== undefined && /^https?:\/\/\S+$/i.test(value)) return { flag, url: value };
  }
  return undefined;
}

function stdinIsPipe(): boolean {
  try {
    const stats = fstatSync(0);
    return stats.isFIFO() || stats.isSocket();
  } catch {
    return false;
  }
}
