import { OPTION_TABLE } from '../options/option-table.js';

/** Flags whose value is a request body: one read from a CRLF file (`--json "$(cat body.json)"`) ends in a CR, as curl sends it. */
const BODY_VALUE_FLAG = /^(?:-[A-Za-z0-9]*d|--data(?:-raw|-binary|-ascii|-urlencode)?|--json)$/;
/** The same flags with their value attached: `--json=...`, `-d...`, `-sd...`. */
const BODY_VALUE_ATTACHED = /^(?:(?:--data(?:-raw|-binary|-ascii|-urlencode)?|--json)=|-[A-Za-z0-9]*d.)/;

/** Whether argument `index` is a request body: a body flag's value, or one with its value attached (`--json=...`). */
export function isBodyValue(args: readonly string[], index: number): boolean {
  const previous = args[index - 1];
  return (previous !== undefined && BODY_VALUE_FLAG.test(previous)) || BODY_VALUE_ATTACHED.test(args[index] as string);
}

/** Flags whose value is sent as a header's: -H, -A, -e (alone, last in a bundle, or with the value attached). */
const HEADER_VALUE_FLAG = /^(?:-[A-Za-z0-9]*[HAe]|--header|--user-agent|--referer)$/;
const HEADER_VALUE_ATTACHED = /^(?:(?:--header|--user-agent|--referer)=|-[A-Za-z0-9]*[HAe].)/;

/** Whether argument `index` is sent as a header's value (`-H 'X-A: ...'`, `-A agent`, `--referer=...`). */
export function isHeaderValue(args: readonly string[], index: number): boolean {
  const previous = args[index - 1];
  return (previous !== undefined && HEADER_VALUE_FLAG.test(previous)) || HEADER_VALUE_ATTACHED.test(args[index] as string);
}

/** Flags that take no value (-L, -k, --http2, curl's --location): the argument after one is a word of its own. */
const NO_VALUE_FLAGS = new Set(OPTION_TABLE.flatMap((option) => [option.flags, option.curlName ?? '']).filter((flags) => flags !== '' && !/[<[]/.test(flags)).flatMap((flags) => flags.split(/,\s*/)));

/** A flag, or a bundle of short ones (-sL), after which the next argument is no value. */
function takesNoValue(flag: string): boolean {
  return NO_VALUE_FLAGS.has(flag) || (/^-[A-Za-z0-9]{2,}$/.test(flag) && [...flag.slice(1)].every((letter) => NO_VALUE_FLAGS.has(`-${letter}`)));
}

/**
 * The usage error for an argument that a script saved with Windows line endings made, or undefined: the last word
 * of each of its lines ends in a CR, and `-L\r` was said to be an unknown option '-', `-o out.jsonl\r` made a file
 * named so, `--save dir\r` advised a mkdir of that name. Not a request body, nor a value with a line break in it:
 * a CRLF file read into one (`--json "$(cat body.json)"`) keeps its last CR, and curl sends it.
 */
export function crlfScriptWord(args: readonly string[]): string | undefined {
  const at = args.findIndex((arg, index) => arg.endsWith('\r') && !arg.includes('\n') && !isBodyValue(args, index));
  if (at === -1) return undefined;
  // A flag's value is not shown: it may be a secret of a flag bulkfetch does not take (-U, --oauth2-bearer). The
  // word after one that takes none (a URL after -L, the usual last word of a script's line) is no value.
  const previous = args[at - 1];
  const isValue = previous !== undefined && previous.startsWith('-') && !takesNoValue(previous) && !(args[at] as string).startsWith('-');
  const shown = isValue ? `the value of ${previous}` : JSON.stringify(args[at]);
  return `argument ${at + 1} (${shown}) ends in a carriage return: the script or file it came from has Windows (CRLF) line endings; convert it with dos2unix FILE (or sed -i 's/\\r$//' FILE)`;
}
