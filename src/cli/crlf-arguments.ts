/** Flags whose value is a request body: one read from a CRLF file (`--json "$(cat body.json)"`) ends in a CR, as curl sends it. */
const BODY_VALUE_FLAG = /^(?:-[A-Za-z0-9]*d|--data(?:-raw|-binary|-ascii|-urlencode)?|--json)$/;
/** The same flags with their value attached: `--json=...`, `-d...`, `-sd...`. */
const BODY_VALUE_ATTACHED = /^(?:(?:--data(?:-raw|-binary|-ascii|-urlencode)?|--json)=|-[A-Za-z0-9]*d.)/;

/**
 * The usage error for an argument that a script saved with Windows line endings made, or undefined: the last word
 * of each of its lines ends in a CR, and `-L\r` was said to be an unknown option '-', `-o out.jsonl\r` made a file
 * named so, `--save dir\r` advised a mkdir of that name. Not a request body, nor a value with a line break in it:
 * a CRLF file read into one (`--json "$(cat body.json)"`) keeps its last CR, and curl sends it.
 */
export function crlfScriptWord(args: readonly string[]): string | undefined {
  const at = args.findIndex((arg, index) => {
    if (!arg.endsWith('\r') || arg.includes('\n')) return false;
    const previous = args[index - 1];
    return !(previous !== undefined && BODY_VALUE_FLAG.test(previous)) && !BODY_VALUE_ATTACHED.test(arg);
  });
  if (at === -1) return undefined;
  // A flag's value is not shown: it may be a secret of a flag bulkfetch does not take (-U, --oauth2-bearer).
  const previous = args[at - 1];
  const shown = previous?.startsWith('-') && !(args[at] as string).startsWith('-') ? `the value of ${previous}` : JSON.stringify(args[at]);
  return `argument ${at + 1} (${shown}) ends in a carriage return: the script or file it came from has Windows (CRLF) line endings; convert it with dos2unix FILE (or sed -i 's/\\r$//' FILE)`;
}
