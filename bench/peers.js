// @ts-check
// Peer tools measured on the same inputs as bulkfetch:
//   curl -Z  : curl -Z --parallel-max 200 -K config -w '%{json}\n'   (stdout -> line counter)
//   xargs    : xargs -P 200 -n 1 curl -s -o /dev/null -w '%{json}\n'  (one process per URL)
//   wrk      : wrk -t2 -c200 -d5s <url>  (throughput ceiling of this nginx on this machine)
import { spawnSync } from 'node:child_process';
import { measure } from './measure.js';

/** @typedef {import('./measure.js').Run} Run */

/** @param {string} cmd */
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureWrk() {
  if (have('wrk')) return true;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: 'ignore', env });
  spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore', env });
  return have('wrk');
}

export function curlVersion() {
  const r = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  return (r.stdout || '').split('\n', 1)[0]?.split(' ').slice(0, 2).join(' ') ?? '';
}

/**
 * Probe curl features against a live loopback URL.
 * @param {string} url
 */
export function curlCaps(url) {
  const help = spawnSync('curl', ['--help', 'all'], { encoding: 'utf8' }).stdout || '';
  const j = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{json}', url], { encoding: 'utf8', timeout: 10_000 });
  let json = false;
  try { json = JSON.parse(j.stdout).http_code === 200; } catch {}
  return {
    version: curlVersion(),
    parallel: help.includes('--parallel '),
    parallelImmediate: help.includes('--parallel-immediate'),
    json,
  };
}

const rate = (/** @type {number} */ n, /** @type {number} */ ms) => (n / ms) * 1000;

/**
 * curl -Z over a -K config (see inputs.js curlConfig).
 * @param {{configFile:string, n:number, parallelMax?:number, immediate?:boolean, timeoutMs?:number, extra?:string[], via?:string[]}} o  extra: more curl flags (-k, --http1.1); via: a command prefix curl runs under (slow-dns.js withResolver)
 * @returns {Promise<Run>}
 */
export async function runCurlParallel(o) {
  // -s: no progress meter (the config's 'silent' line does not silence it in -Z mode)
  const args = ['-s', '-Z', '--parallel-max', String(o.parallelMax ?? 200)];
  if (o.immediate) args.push('--parallel-immediate');
  if (o.extra) args.push(...o.extra);
  args.push('-K', o.configFile, '-w', '%{json}\\n');
  // note: '\\n' above is the two characters backslash-n, which curl's -w expands to a newline
  const [cmd, ...prefix] = [...(o.via ?? []), 'curl'];
  const m = await measure(cmd ?? 'curl', [...prefix, ...args], { timeoutMs: o.timeoutMs ?? 600_000, stdout: 'count' });
  return { ...m, n: o.n, reqps: rate(o.n, m.wallMs), ok: m.exitCode === 0 && m.stdoutLines === o.n };
}

/**
 * xargs -P 200 -n 1 curl ... < list  (one curl process per URL).
 * @param {{listFile:string, n:number, parallel?:number, timeoutMs?:number}} o
 * @returns {Promise<Run>}
 */
export async function runXargsCurl(o) {
  const args = ['-P', String(o.parallel ?? 200), '-n', '1', 'curl', '-s', '-o', '/dev/null', '-w', '%{json}\\n'];
  const m = await measure('xargs', args, { timeoutMs: o.timeoutMs ?? 600_000, stdin: o.listFile, stdout: 'count' });
  return { ...m, n: o.n, reqps: rate(o.n, m.wallMs), ok: m.exitCode === 0 && m.stdoutLines === o.n };
}

/**
 * wrk -t2 -c200 -d5s url ; parses Requests/sec and the total request count.
 * @param {{url:string, threads?:number, conns?:number, durationS?:number}} o
 * @returns {Promise<Run & { errors: string, args: string[] }>}
 */
export async function runWrk(o) {
  const threads = o.threads ?? 2, conns = o.conns ?? 200, durationS = o.durationS ?? 5;
  const args = [`-t${threads}`, `-c${conns}`, `-d${durationS}s`, o.url];
  const m = await measure('wrk', args, { timeoutMs: (durationS + 20) * 1000, stdout: 'capture' });
  const rps = /Requests\/sec:\s*([\d.]+)/.exec(m.stdout || '');
  const tot = /(\d+) requests in/.exec(m.stdout || '');
  const errs = /Non-2xx or 3xx responses:\s*(\d+)|Socket errors:.*/.exec(m.stdout || '');
  return {
    ...m,
    n: tot ? Number(tot[1]) : NaN,
    reqps: rps ? Number(rps[1]) : NaN,
    errors: errs ? errs[0] : '',
    ok: m.exitCode === 0 && !!rps,
    args,
  };
}

/**
 * The bare undici loop (bench/bare-undici.js): one Node process, `conc` requests in flight, one
 * JSON line per response. The Node floor bulkfetch's CPU per request is judged against.
 * `flags`: `--insecure` (self-signed TLS), `--h2` (HTTP/2 by ALPN, 100 streams a connection).
 * @param {{listFile:string, n:number, conc:number, timeoutMs?:number, flags?:string[]}} o
 * @returns {Promise<Run>}
 */
export async function runBareUndici(o) {
  return runBareScript('./bare-undici.js', o);
}

/**
 * The bare node:http2 loop (bench/bare-http2.js): the floor under any HTTP/2 client in Node.
 * @param {{listFile:string, n:number, conc:number, timeoutMs?:number}} o
 * @returns {Promise<Run>}
 */
export async function runBareHttp2(o) {
  return runBareScript('./bare-http2.js', o);
}

/**
 * @param {string} relativePath a bench/ script taking URL_FILE CONCURRENCY MAX_SECONDS [flags]
 * @param {{listFile:string, n:number, conc:number, timeoutMs?:number, flags?:string[]}} o
 * @returns {Promise<Run>}
 */
async function runBareScript(relativePath, o) {
  const maxS = Math.ceil((o.timeoutMs ?? 600_000) / 1000);
  const script = new URL(relativePath, import.meta.url).pathname;
  const m = await measure('node', [script, o.listFile, String(o.conc), String(maxS), ...(o.flags ?? [])], { timeoutMs: (maxS + 10) * 1000, stdout: 'count' });
  return { ...m, n: o.n, reqps: rate(o.n, m.wallMs), ok: m.exitCode === 0 && m.stdoutLines === o.n };
}
