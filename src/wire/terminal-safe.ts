/**
 * Characters a terminal acts on that JSON.stringify leaves raw: DEL, the C1 controls (U+009B is CSI, U+009D OSC:
 * a server's header or body could clear the screen or set the window title of whoever reads the lines at a
 * terminal) and the bidi controls (U+202E shows the rest of a line reversed). C0 controls JSON escapes itself.
 */
const RAW_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const RAW_CONTROLS = new RegExp(RAW_CONTROL.source, 'g');

/**
 * Whether lines are for a terminal's reader: the CLI's are (stdout, or a file someone will `cat`); the library's
 * are parsed into results, where the escapes would be the text of a body kept as the server's (json-text) in
 * place of its characters. Set by runJob for each run (the CLI asks for it), and by a child from its config.
 */
let enabled = false;

export function escapeTerminalControls(on: boolean): void {
  enabled = on;
}

/**
 * A result line, or a child's batch of them, with those characters written as `\u` escapes (when escapeTerminalControls is on). In a JSON line they can stand only inside a
 * string, where the escape reads back as the same character: nothing is lost, and JSON.parse (jq) sees the
 * server's exact text. Most lines hold none, and are given back as they are after one scan.
 */
export function terminalSafe(line: string): string {
  return enabled && RAW_CONTROL.test(line) ? line.replace(RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : line;
}
