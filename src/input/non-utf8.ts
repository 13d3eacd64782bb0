/**
 * Input lines are UTF-8. A line that is not (a list saved as Latin-1, a
 * character cut in two) is not decoded with U+FFFD for its bad bytes: that
 * would send `%EF%BF%BD` where the line had one byte, and change the request
 * without a word. curl sends a URL's bytes as they are; here each byte from
 * 0x80 up is written `%XX`, the form a URL carries a byte in. For the
 * characters that are UTF-8 this is what the URL parser writes anyway (their
 * bytes, percent-encoded; a host is percent-decoded and must then be UTF-8),
 * so only the bad bytes differ from a decoded line, and they arrive as they
 * were. A JSON line cannot carry such bytes (parse-record.ts refuses it).
 */
export function percentEncodedLine(bytes: Buffer): string {
  let text = '';
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x80) continue;
    text += `${bytes.toString('latin1', from, i)}%${byte.toString(16).toUpperCase()}`;
    from = i + 1;
  }
  return text + bytes.toString('latin1', from);
}
