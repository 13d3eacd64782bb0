import { isBodyValue, isHeaderValue } from './crlf-arguments.js';
import { maskedArgv } from './masked-argv.js';
import { firstNonUtf8Byte, shownBytes } from './raw-arguments.js';

/**
 * The usage error for an argument whose bytes are not UTF-8 (raw-arguments.ts, firstNonUtf8Argument): Node would
 * read U+FFFD into it, and another request be sent, or an existing file be "missing".
 */
export function notUtf8Refusal(args: readonly string[], notUtf8: { index: number; bytes: Buffer }): string {
  // Shown as the continue command shows it: a -u password, an Authorization value or a body's password in
  // Latin-1 (a realistic way to meet this) was echoed whole.
  const shown = maskedArgv(args.map((arg, index) => (index === notUtf8.index ? shownBytes(notUtf8.bytes) : arg))).args[notUtf8.index] as string;
  // The way round names the argument's own first byte that is not UTF-8 (none of a secret shown as ***), and for a
  // body, the file that sends bytes as they are.
  const secret = shown !== shownBytes(notUtf8.bytes);
  const hex = (firstNonUtf8Byte(notUtf8.bytes) ?? 0xe9).toString(16).toUpperCase();
  const wayRound = isBodyValue(args, notUtf8.index) ? 'give the body in a file: --data-binary @FILE sends its bytes as they are'
    : secret ? 'write the credential in UTF-8'
    // Not in a file either: -H @FILE takes UTF-8 only, as every header value is sent as its UTF-8 bytes.
    : isHeaderValue(args, notUtf8.index) ? 'write it in UTF-8: header values are sent as their UTF-8 bytes (from -H @FILE too)'
    : `in a URL percent-encode them (%${hex} for \\x${hex.toLowerCase()}) or give it in a file, and rename such a file`;
  return `argument ${notUtf8.index + 1} is not UTF-8 ("${shown}"): it would be read as other bytes than given: ${wayRound}`;
}
