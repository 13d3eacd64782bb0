import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/**
 * Words of other tools' single-dash flags (vegeta's -rate and -duration, httpx's -silent), as their users type
 * them: read as a bundle of short flags they did something else without a word (`-duration=5s` was -d
 * "uration=5s", a POST of every record; `-keepalive` was -k -e "epalive", a Referer). What to do instead.
 */
const OTHER_TOOLS: Readonly<Record<string, string>> = {
  duration: "vegeta's flag has no match here: a run ends when its records do (--max-errors stops one on errors; `timeout 60 bulkfetch ...` on time)",
  keepalive: "vegeta's flag has no match here: connections are kept alive already",
  workers: '--procs N sets the processes, --concurrency N the requests in flight in each',
  threads: '--procs N sets the processes, --concurrency N the requests in flight in each',
  silent: "httpx's flag is -q (--quiet) here: it hides the progress line and the summary",
  'rate-limit': '--rate N limits requests per second (--per-host-rate N per host)',
};

/**
 * A single-dash word that names a long flag of ours (`-rate 50`, `-retries 3`) or another tool's flag, refused with
 * what was meant, before commander reads its letters as short flags. A value of a flag that takes one is left alone.
 */
export function refuseSingleDashWords(program: Command, argv: readonly string[]): void {
  const longs = new Set(program.options.map((option) => option.long?.slice(2)).filter((name): name is string => name !== undefined));
  const takesValue = new Set(program.options.filter((option) => option.required || option.optional).flatMap((option) => [option.long, option.short]).filter((flag): flag is string => flag !== undefined));
  const end = argv.indexOf('--');
  for (let at = 0; at < (end === -1 ? argv.length : end); at++) {
    if (at > 0 && takesValue.has(argv[at - 1] as string)) continue;
    const word = /^-([A-Za-z][A-Za-z0-9-]{2,})(?:=|$)/.exec(argv[at] as string)?.[1]?.toLowerCase();
    if (word === undefined) continue;
    const typed = (argv[at] as string).split('=')[0];
    if (Object.hasOwn(OTHER_TOOLS, word)) throw new UsageError(`${typed}: ${OTHER_TOOLS[word]}`);
    if (longs.has(word)) throw new UsageError(`${typed}: a long option takes two dashes, --${word} (with one, its letters are read as short flags)`);
  }
}
