/** A request ready to send: validated, normalized, and small enough to pass to a child. */
export interface RequestSpec {
  /** 1-based input line number; the key that ties the output line back to its record. */
  line: number;
  /** The user's own identifier from a JSON spec, echoed in the output. */
  id?: string | number;
  /**
   * The id's own JSON text, when it is a number JavaScript holds only
   * approximately (12345678901234567890, 1.0): the output writes it as given.
   */
  idText?: string;
  method: string;
  /** The normalized URL (WHATWG `href`). */
  url: string;
  /** Per-record headers from a JSON spec; the flag defaults are applied in the child. null removes one of those. */
  headers?: Record<string, string | null>;
  /**
   * Names in `headers` the record implied rather than gave (its URL's credentials' Authorization, its `json`'s
   * Content-Type): a -H of the same name replaces or removes them, as -H does the flags' implied headers.
   */
  implied?: string[];
  body?: string;
  /** 'base64': `body` is the base64 of the bytes to send (a spec's `bodyBase64`), decoded by the child. */
  bodyEncoding?: 'base64';
}
