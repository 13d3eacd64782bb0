/**
 * Every error bulkfetch reports, in one place, each with a stable `code`.
 *
 * Users (and jq filters) match on `code`, never on message text: messages may be
 * reworded, codes may not. Record-level codes appear in output lines as
 * `error.code`; invocation-level errors end the process with an exit code.
 */

/** Codes that can appear in an output record's `error.code`. */
export const RecordErrorCode = {
  /** The record is not an http: or https: URL (or cannot be parsed as one). */
  INVALID_URL: 'EINVALIDURL',
  /** The URL uses a scheme bulkfetch never fetches (file:, data:, javascript:, ftp: ...). */
  UNSUPPORTED_SCHEME: 'EUNSUPPORTEDSCHEME',
  /** A JSON request spec that is not valid JSON or lacks a string `url`. */
  INVALID_SPEC: 'EINVALIDSPEC',
  /** A method that is not an HTTP token. */
  INVALID_METHOD: 'EINVALIDMETHOD',
  /** A header name or value with forbidden characters (CR, LF, NUL, ...). */
  INVALID_HEADER: 'EINVALIDHEADER',
  /** The input line is longer than the record cap; it is never parsed. */
  LINE_TOO_LONG: 'ELINETOOLONG',
  /** The whole attempt (connect, headers and body) exceeded --timeout. */
  TIMEOUT: 'ETIMEDOUT',
  /** The TCP/TLS connection was not established within --connect-timeout. */
  CONNECT_TIMEOUT: 'ECONNECTTIMEOUT',
  CONNECTION_REFUSED: 'ECONNREFUSED',
  /** No route to the address (ENETUNREACH, EHOSTUNREACH): nothing was sent. */
  UNREACHABLE: 'EUNREACHABLE',
  CONNECTION_RESET: 'ECONNRESET',
  /** The host name does not resolve. */
  DNS_NOT_FOUND: 'ENOTFOUND',
  /** DNS answered with a temporary failure. */
  DNS_TEMPORARY: 'EAI_AGAIN',
  /**
   * This process had no file descriptor left for a connection (EMFILE, or
   * ENFILE for the whole system). Not the server's fault: the attempt is
   * retried after idle connections are closed, and only a shortage that
   * persists ends a record with this code.
   */
  NO_DESCRIPTORS: 'EMFILE',
  /** The server closed the connection before a complete response. */
  SOCKET_CLOSED: 'ESOCKETCLOSED',
  /** The server's response is not valid HTTP (bad status line, header overflow ...). */
  PROTOCOL: 'EPROTOCOL',
  /** TLS failed: untrusted or invalid certificate, handshake error. */
  TLS: 'ETLS',
  /** The proxy refused to open a tunnel (CONNECT answered with a status other than 200). */
  PROXY: 'EPROXY',
  /** The body (or its Content-Length) exceeded --max-filesize; with --save, nothing was kept. */
  MAX_FILESIZE: 'EMAXFILESIZE',
  /** With --save: the body could not be written to its file (ENOSPC, EACCES ...). */
  SAVE: 'ESAVE',
  /** Too many redirects with --follow. */
  TOO_MANY_REDIRECTS: 'ETOOMANYREDIRECTS',
  /** The request was aborted in flight because the run was stopped (second Ctrl-C, grace expired): it may have reached the server. */
  ABORTED: 'EABORTED',
  /** The run was stopped before this record's request was sent: nothing reached a server, and --resume sends it. */
  NOT_SENT: 'ENOTSENT',
  /** The record's child process died repeatedly while handling it. */
  CHILD_CRASHED: 'ECHILDCRASH',
  /** Any other failure; the message says more. */
  UNKNOWN: 'EUNKNOWN',
} as const;

export type RecordErrorCode = (typeof RecordErrorCode)[keyof typeof RecordErrorCode];

/** The `error` field of an output record. */
export interface RecordError {
  code: RecordErrorCode;
  message: string;
}

export function recordError(code: RecordErrorCode, message: string): RecordError {
  return { code, message };
}

/** A request the run's stop aborted in flight: it may have reached the server, so --resume leaves it be. */
/** A Content-Length given with -H or in a spec that the body does not have: the request's fault, not the server's. */
export const CONTENT_LENGTH_MISMATCH: RecordError = recordError(RecordErrorCode.INVALID_HEADER, 'The Content-Length header does not match the length of the request body; leave it out and it is computed');

export const STOPPED_IN_FLIGHT: RecordError = recordError(RecordErrorCode.ABORTED, 'Aborted: the run was stopped');

/**
 * The same, for a request that may be sent twice (an idempotent method, or any
 * with --retry-all-methods), as a crashed child's are: --resume finds its line
 * by this exact error, drops it and sends the record again.
 */
export const STOPPED_IN_FLIGHT_RESENT: RecordError = recordError(RecordErrorCode.ABORTED, 'Aborted: the run was stopped; --resume of a run into -o FILE sends it again (its method may be sent twice)');

/** A record the run stopped before sending. --resume finds its line by this exact error, drops it and sends the record. */
export const STOPPED_BEFORE_SENDING: RecordError = recordError(RecordErrorCode.NOT_SENT, 'The run was stopped before this request was sent: --resume of a run into -o FILE sends it');

/**
 * A record whose child could not be started (the fork failed, tried again for about 3 s: ulimit -u, memory):
 * nothing of it went out. --resume finds its line by this exact error, drops it and sends the record.
 */
export const NO_CHILD_TO_SEND: RecordError = recordError(RecordErrorCode.NOT_SENT, 'Not sent: no child process could be started to send it (the fork failed: the limit on processes, ulimit -u, or memory); --resume of a run into -o FILE sends it');

/**
 * How the message of a --save body the disk had no room for (ENOSPC, EDQUOT) ends, whatever status came before
 * it: --resume finds such a line by it and sends the record again once there is room. The wording before the
 * status was in it ("Cannot save the body: the disk is full ...") ends the same.
 */
export const SAVE_DISK_FULL_ENDING = ': the disk is full (ENOSPC or EDQUOT); --resume of a run into -o FILE sends it again once there is room';
const SAVE_DISK_FULL_SENT_ONCE_ENDING = ': the disk is full (ENOSPC or EDQUOT); its method may not be sent twice, so --resume leaves it (a run given --retry-all-methods writes such a record for --resume to send again)';

/** A --save body the disk had no room for, after `status` came (the line's status is null, as for any error). */
export function saveDiskFull(status: number): RecordError {
  return recordError(RecordErrorCode.SAVE, `Cannot save the body (after status ${status})${SAVE_DISK_FULL_ENDING}`);
}

/** saveDiskFull's error for a method that may not be sent twice (POST ...: the server acted on it): --resume leaves it, as an EABORTED one. */
export function sentOnce(diskFull: RecordError): RecordError {
  return recordError(RecordErrorCode.SAVE, `${diskFull.message.slice(0, -SAVE_DISK_FULL_ENDING.length)}${SAVE_DISK_FULL_SENT_ONCE_ENDING}`);
}

/** Whether an error is a --save body the disk had no room for, in either wording. */
export function isSaveDiskFull(error: RecordError): boolean {
  return error.code === RecordErrorCode.SAVE && (error.message.endsWith(SAVE_DISK_FULL_ENDING) || error.message.endsWith(SAVE_DISK_FULL_SENT_ONCE_ENDING));
}

/**
 * The same two as bulkfetch 0.x before this wording wrote them ("--resume sends it", said also of a run
 * into stdout, which cannot be resumed): --resume still finds them in an output written then.
 */
export const STOPPED_EARLIER_WORDING: readonly RecordError[] = [
  recordError(RecordErrorCode.ABORTED, 'Aborted: the run was stopped; --resume sends it again (its method may be sent twice)'),
  recordError(RecordErrorCode.NOT_SENT, 'The run was stopped before this request was sent: --resume sends it'),
];

/** The codes of the errors that end a run: EUSAGE (a UsageError), EOUTPUT (an OutputError). */
export type BulkfetchErrorCode = 'EUSAGE' | 'EOUTPUT';

/** Base class for errors that end a run; `code` is stable, `cause` keeps the original. */
export class BulkfetchError extends Error {
  readonly code: BulkfetchErrorCode;
  constructor(code: BulkfetchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The user's invocation is wrong (bad flag, unreadable input ...).
 * The CLI prints the message on one line and exits 2, never with a stack trace.
 */
export class UsageError extends BulkfetchError {
  declare readonly code: 'EUSAGE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('EUSAGE', message, options);
  }
}

/** The output could not be written (ENOSPC, EACCES, ...): never a silent loss. */
export class OutputError extends BulkfetchError {
  declare readonly code: 'EOUTPUT';
  constructor(message: string, options?: { cause?: unknown }) {
    super('EOUTPUT', message, options);
  }
}

/**
 * "Expected X, got Y" in one place, so every validation message reads alike. A
 * string is shown quoted, which says it is one (every command-line value is: a
 * "(string)" after it told a person nothing); any other value a library caller
 * gave gets its type, so 5 and "5", or an object, are told apart.
 */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    // An object or array as its JSON: String() gave "" for [] ("got  (object)") and "[object Object]".
    shown = typeof value === 'string' || (typeof value === 'object' && value !== null) ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    shown = Array.isArray(value) ? '[...]' : '{...}'; // nested past the stack, circular, a BigInt in it
  }
  const cut = visibleControls(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown);
  return typeof value === 'string' ? cut : `${cut} (${Array.isArray(value) ? 'array' : typeof value})`;
}

/** A character a terminal acts on: C0, DEL, C1, and the bidi controls (U+202E shows the rest of a line reversed). */
export const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const TERMINAL_CONTROLS = new RegExp(TERMINAL_CONTROL.source, 'g');

/**
 * Characters a terminal acts on as \u escapes. JSON.stringify escapes C0 but leaves the rest raw (a bad value's
 * DEL was invisible in the message, "got "v""), and not every echoed word goes through it: commander's "unknown
 * option '--x\u001b[2J'" cleared the screen.
 */
export function visibleControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Why a file could not be read, in words with the errno beside them (a bare `ENOENT` left a person to look it up). */
export function fileErrorWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  return Object.hasOwn(FILE_ERROR_WORDS, code) ? `${FILE_ERROR_WORDS[code] as string} (${code})` : code;
}

const FILE_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'a directory, not a file',
  ENOTDIR: 'a part of its path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'its name is too long',
};
