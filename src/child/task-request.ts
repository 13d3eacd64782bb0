import type { AttemptRequest } from '../http/send-request.js';
import type { Task, WorkerConfig } from '../wire/messages.js';
import { setField } from '../input/set-field.js';

/**
 * What a record asks for, as one attempt sends it: the flags' defaults under
 * the spec's own (its headers over -H, its body over -d), the -T file's name on
 * a URL ending in /, and -G's query. The loop adds what is its own to know
 * (where a body is saved, cookies, whether the origin is asked again).
 */
export function taskRequest(spec: Task, config: WorkerConfig, defaultBody: string | Buffer | undefined): AttemptRequest {
  // A HEAD spec takes no -d body (curl refuses -I with -d): it went out with the body and its type.
  const flagBody = spec.method === 'HEAD' ? undefined : defaultBody;
  // The type -d or --json implied is their body's: a spec's own body, or none, goes without it.
  const flagHeaders = (spec.body !== undefined || flagBody === undefined) && config.ownBodyHeaders !== undefined ? config.ownBodyHeaders : config.headers;
  const headers = spec.headers ? withSpecHeaders(flagHeaders, spec.headers, spec.implied, config.headerFlagNames) : flagHeaders;
  const body = spec.body === undefined ? flagBody : spec.bodyEncoding === 'base64' ? Buffer.from(spec.body, 'base64') : spec.body;
  // The file's name goes on the URL with the file: a spec that sends its own body is not that file.
  const named = config.uploadName === undefined || spec.body !== undefined ? spec.url : withUploadName(spec.url, config.uploadName);
  const url = config.query === undefined ? named : withQuery(named, config.query);
  return { method: spec.method, url, headers, body };
}

/**
 * curl -T FILE: a URL with no file part (its path ends in /) gets FILE's name,
 * percent-encoded, as curl appends it; any other URL is sent as it is.
 */
function withUploadName(url: string, name: string): string {
  // By the text of the normalized href: parsing it again would resolve the `%2e` segments the record kept (validate.ts).
  const authority = url.indexOf('//') + 2;
  const after = url.slice(authority).search(/[?#]/);
  const pathEnd = after === -1 ? url.length : authority + after;
  if (url[pathEnd - 1] !== '/') return url;
  return `${url.slice(0, pathEnd)}${encodeURIComponent(name)}${url.slice(pathEnd)}`;
}

/**
 * curl -G: the data joins the URL's own query (before any fragment), with & when that query has something not
 * ended by one, as curl's URL API appends. The query is what follows the first `?`: `x??` has `?` for a query
 * and gets `x??&b=2` (taking the second `?` for the start, it was `x??b=2`, a parameter named `?b`). Empty data
 * adds no `?` to a URL without a query.
 */
function withQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  const start = base.indexOf('?');
  if (start < 0 && query === '') return url;
  const own = start < 0 ? undefined : base.slice(start + 1);
  const joiner = own === undefined ? '?' : own === '' || own.endsWith('&') ? '' : '&';
  return `${base}${joiner}${query}${hash < 0 ? '' : url.slice(hash)}`;
}

/**
 * The flag headers under a spec's own: a spec's value wins, and its null removes the header; but a header
 * the record only implied (`implied`) yields to a -H of that name (`headerFlagNames`), given or removed.
 */
function withSpecHeaders(flagHeaders: Record<string, string>, specHeaders: Record<string, string | null>, implied: readonly string[] | undefined, headerFlagNames: readonly string[] | undefined): Record<string, string> {
  const headers = { ...flagHeaders };
  for (const [name, value] of Object.entries(specHeaders)) {
    if (implied !== undefined && headerFlagNames !== undefined && implied.includes(name) && headerFlagNames.includes(name)) continue;
    if (value === null) delete headers[name];
    else setField(headers, name, value);
  }
  return headers;
}
