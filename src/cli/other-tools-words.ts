/**
 * httpx's and vegeta's single-dash flags, as their users type them, with what to do here instead. Read as a bundle of
 * curl's short flags, each did something else without a word: `-duration=5s` was -d "uration=5s" (a POST of every
 * record), `-follow-redirects` -f -o "llow-redirects" (the lines into that file, no redirect followed), `-server` -s -e
 * "rver" (a Referer). Flags curl and those tools share (-H, -o, -x, -u) are curl's and not listed; nor are words that
 * name a long flag of ours (`-rate`, `-timeout`: single-dash-words.ts says they take two dashes).
 */

const JQ_KEEP = "keep or drop lines with jq: jq -c 'select(.status == 200)', 'select(.body | test(\"...\"))'";
const NOTHING_HERE = 'has no match here: every record gets one JSON line with its status, headers, body and ms';
const THE_INPUT = 'give the file of URLs as the argument (bulkfetch FILE), or - for stdin';
const WORKERS = '--procs N sets the processes, --concurrency N the requests in flight in each';
const REDIRECTS = '-L follows redirects (--follow), --max-redirects N bounds them';
const MATCHERS = ['match-code', 'filter-code', 'match-length', 'match-line-count', 'match-word-count', 'match-string', 'match-regex', 'match-condition', 'match-response-time', 'filter-length', 'filter-line-count', 'filter-word-count', 'filter-string', 'filter-regex', 'filter-condition', 'filter-response-time', 'filter-duplicates', 'mlc', 'mwc', 'mrt', 'mdc', 'flc', 'fwc', 'frt', 'fdc'];
const HTTPX_ONLY = ['dashboard', 'dashboard-upload', 'pdu', 'screenshot', 'system-chrome', 'headless-options', 'exclude-headless-body', 'exclude-screenshot-bytes', 'ehb', 'esb', 'tech-detect', 'favicon', 'jarm', 'asn', 'cdn', 'cname', 'websocket', 'vhost', 'pipeline', 'tls-probe', 'csp-probe', 'tls-grab', 'probe-all-ips', 'extract-fqdn', 'efqdn', 'filter-error-page', 'fep', 'fepp'];
const VEGETA_ONLY = ['session-tickets', 'dns-ttl', 'lazy', 'laddr', 'h2c', 'chunked', 'name', 'proxy-header', 'unix-socket', 'every', 'encode', 'inputs'];
// httpx's flags with nothing to match here (-debug is PowerShell's list's), among them those curl read as a body (-duc: -d "uc", every record a POST)
// or a Referer (-exclude: -e "xclude"). Not -sid: curl's -s -i -d VALUE, as curl users bundle it.
const HTTPX_NOTHING = ['duc', 'disable-update-check', 'debug-req', 'debug-resp', 'deny', 'allow', 'stats-interval', 'exclude', 'extract-preset', 'strip', 'hash', 'cff', 'ldv', 'ldp', 'ldc', 'leave-default-ports', 'no-stdin', 'rsts', 'ztls', 'no-decode', 'tlsi', 'csvo', 'include-chain', 'store-chain', 'svrc', 'health-check', 'profile-mem', 'input-mode', 'unsafe', 'stream', 'sni', 'mfc', 'mcdn', 'ffc', 'fcdn'];

/** Words of three letters or more (lower case), as -WORD or -WORD=VALUE. */
export const OTHER_TOOLS: Readonly<Record<string, string>> = {
  duration: "vegeta's flag has no match here: a run ends when its records do (--max-errors stops one on errors; `timeout 60 bulkfetch ...` on time)",
  keepalive: "vegeta's flag has no match here: connections are kept alive already",
  workers: WORKERS,
  threads: WORKERS,
  'max-workers': `vegeta's flag: ${WORKERS}`,
  connections: `vegeta's flag: ${WORKERS}`,
  'max-connections': `vegeta's flag: ${WORKERS}`,
  silent: "httpx's flag is -q (--quiet) here: it hides the progress line and the summary",
  'rate-limit': '--rate N limits requests per second (--per-host-rate N per host)',
  'rate-limit-minute': "httpx's flag: --rate N/m limits requests per minute",
  rlm: "httpx's flag: --rate N/m limits requests per minute",
  delay: '--rate N/s spaces requests out (--per-host-rate N per host)',
  json: "httpx's -json: every line is JSON already (bulkfetch's --json sends a JSON request body, with POST)",
  csv: "httpx's -csv: lines are JSON; for CSV, jq -r '[.url, .status, .bytes] | @csv'",
  'output-all': "httpx's flag: -o FILE takes the lines, and JSON lines are the one format",
  'status-code': "httpx's flag: every line has the status already (.status)",
  'content-length': "httpx's flag: every line has the body's size (.bytes) and its headers (.headers[\"content-length\"])",
  'content-type': "httpx's flag: every line has its headers (.headers[\"content-type\"])",
  server: "httpx's flag: every line has its headers (.headers.server)",
  'web-server': "httpx's flag: every line has its headers (.headers.server)",
  location: "httpx's flag: every line has its headers (.headers.location); -L follows redirects",
  title: "httpx's flag: every line has the body; jq -r '.body | capture(\"<title>(?<t>[^<]*)\").t' takes a page's title",
  'response-time': "httpx's flag: every line has its time (.ms)",
  'follow-redirects': `httpx's flag: ${REDIRECTS}`,
  'follow-host-redirects': `httpx's flag: ${REDIRECTS}`,
  fhr: `httpx's flag: ${REDIRECTS}`,
  'max-redirects': `a long option takes two dashes, --max-redirects (with -L: ${REDIRECTS})`,
  maxr: `httpx's flag: ${REDIRECTS}`,
  redirects: `vegeta's flag: ${REDIRECTS}`,
  'skip-dedupe': "httpx's flag: a repeated request is answered once (the cache); --no-cache asks every time",
  'store-response': "httpx's flag: --save DIR keeps each 2xx body in a file of its own",
  'store-response-dir': "httpx's flag: --save DIR keeps each 2xx body in a file of its own",
  srd: "httpx's flag: --save DIR keeps each 2xx body in a file of its own",
  'omit-body': "httpx's flag: --body none leaves bodies out of the lines",
  'include-response': "httpx's flag: every line has the headers and body already",
  'include-response-header': "httpx's flag: every line has the headers already",
  irh: "httpx's flag: every line has the headers already",
  irr: "httpx's flag: every line has the headers and body already",
  'no-color': "httpx's flag: the output has no color",
  ports: "httpx's flag: give each URL with its port (http://host:8080/)",
  path: "httpx's flag: give each URL with its path (sed 's|$|/path|' urls.txt)",
  probe: "httpx's flag: every line says whether its request failed (.error, null when it did not)",
  'no-fallback': 'a URL without a scheme gets http:// (--proto-default https for https://)',
  'no-fallback-scheme': 'a URL without a scheme gets http:// (--proto-default https for https://)',
  'random-agent': '-A sets the User-Agent',
  'root-certs': "vegeta's flag: --cacert FILE",
  stats: 'the summary goes to stderr at the end (--summary FILE keeps it as JSON), the progress line in a terminal',
  'extract-regex': "httpx's flag: jq -r '.body | capture(\"...\")' takes a part of each body",
  targets: `vegeta's flag: ${THE_INPUT}; a line of method and URL is a JSON spec here ({"method":"DELETE","url":"..."})`,
  list: `httpx's list flag: ${THE_INPUT}`,
  'response-size-to-read': '--max-body N cuts each body at N bytes',
  rstr: '--max-body N cuts each body at N bytes',
  ...Object.fromEntries(MATCHERS.map((word) => [word, `httpx's flag: ${JQ_KEEP}`])),
  ...Object.fromEntries(HTTPX_ONLY.map((word) => [word, `httpx's flag ${NOTHING_HERE}`])),
  ...Object.fromEntries(HTTPX_NOTHING.map((word) => [word, `httpx's flag ${NOTHING_HERE}`])),
  nocolor: "httpx's flag: the output has no color",
  resolvers: '--resolve HOST:PORT:ADDR gives a name its address (as curl); the system resolver answers the rest',
  ...Object.fromEntries(VEGETA_ONLY.map((word) => [word, "vegeta's flag has no match here"])),
  format: "vegeta's flag: a line is a URL, or a JSON spec ({\"method\":\"POST\",\"url\":\"...\",\"headers\":{...},\"body\":\"...\"}), read as it comes",
};

/**
 * Two-letter flags of other tools, typed alone: read as a bundle, `-mc` was -m with the value "c" (and said that
 * --max-time wants a duration), `-sc` asked for curl's cookie jar, `-nv` for curl's .netrc, `-oa` wrote the lines to a
 * file named a. Pairs a curl user types (-fs, -sS, -ss, and -fd BODY, -fe REFERER: httpx's filters too) are not here.
 */
export const OTHER_TOOLS_PAIRS: Readonly<Record<string, string>> = {
  sc: "httpx's -sc: every line has the status already (.status)",
  mc: "httpx's -mc: every line has the status; keep some with jq: jq -c 'select(.status == 200)'",
  fc: "httpx's -fc: every line has the status; drop some with jq: jq -c 'select(.status != 404)'",
  nv: "wget's -nv: -q (--quiet) hides the progress line and the summary",
  cl: OTHER_TOOLS['content-length'] as string,
  ct: OTHER_TOOLS['content-type'] as string,
  rt: OTHER_TOOLS['response-time'] as string,
  fr: OTHER_TOOLS['follow-redirects'] as string,
  rl: OTHER_TOOLS['rate-limit'] as string,
  oa: OTHER_TOOLS['output-all'] as string,
  sr: OTHER_TOOLS['store-response'] as string,
  ob: OTHER_TOOLS['omit-body'] as string,
  nc: OTHER_TOOLS['no-color'] as string,
  nf: OTHER_TOOLS['no-fallback'] as string,
  pd: `httpx's flag ${NOTHING_HERE}`,
  pa: `httpx's flag ${NOTHING_HERE}`,
  ml: `httpx's flag: ${JQ_KEEP}`,
  mr: `httpx's flag: ${JQ_KEEP}`,
  fl: `httpx's flag: ${JQ_KEEP}`,
  er: OTHER_TOOLS['extract-regex'] as string,
  td: `httpx's flag ${NOTHING_HERE}`,
  ip: "httpx's flag: every line has its URL; the address a name resolved to is not shown",
  ep: `httpx's flag ${NOTHING_HERE}`,
  lc: `httpx's flag: ${JQ_KEEP}`,
  wc: `httpx's flag: ${JQ_KEEP}`,
  bp: "httpx's -bp: every line has the body (--max-body N cuts it at N bytes)",
  hc: `httpx's flag ${NOTHING_HERE}`,
  ms: `httpx's flag: ${JQ_KEEP}`,
  pr: '--http2 offers HTTP/2 (--http1.1 keeps to HTTP/1.1)',
  rr: "httpx's -rr (a raw request file): a request is a JSON spec line here ({\"method\":\"POST\",\"url\":\"...\",\"headers\":{...},\"body\":\"...\"})",
};

/**
 * httpx's `-sd` (skip dedupe) and `-fd` (filter duplicates), typed before another flag or at the end: curl would read
 * either as -s -d or -f -d and send that flag as every record's body. Before a value each is curl's `-s -d VALUE`
 * or `-f -d VALUE`, and left alone.
 */
export function httpxSkipDedupe(pair: string, next: string | undefined): boolean {
  // `-sd -` and `-sd -1` are curl's bodies "-" and "-1": a flag has a letter after its dashes.
  return (pair === 'sd' || pair === 'fd') && (next === undefined || /^--?[A-Za-z]/.test(next));
}
