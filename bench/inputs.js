// @ts-check
// URL-list generators for the benchmarks. Files are stream-written (chunked writeSync) into
// bench/.data/ and cached by (kind, n, port): re-runs with the same port reuse them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = process.env.BENCH_DATA_DIR || path.join(HERE, '.data');

/**
 * mulberry32: small deterministic PRNG, returns floats in [0,1).
 * @param {number} seed
 * @returns {() => number}
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHUNK = 1 << 20; // flush every ~1 MiB of text

/**
 * Write lines produced by `lineAt(i)` for i in [0,n) to `file` (atomically, via .tmp + rename).
 * @param {string} file
 * @param {number} n
 * @param {(i: number) => string} lineAt
 * @returns {string} file
 */
function writeLines(file, n, lineAt, header = '') {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    let buf = header;
    for (let i = 0; i < n; i++) {
      buf += lineAt(i);
      if (buf.length >= CHUNK) { fs.writeSync(fd, buf); buf = ''; }
    }
    if (buf) fs.writeSync(fd, buf);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return file;
}

/**
 * @param {string} file
 * @param {(file: string) => string} make writes file, returns it
 */
function cached(file, make) {
  if (fs.existsSync(file) && process.env.BENCH_REGEN !== '1') return file;
  return make(file);
}

/** @typedef {'distinct' | 'delay' | 'repeats' | 'repeats5' | 'hosts' | 'https' | 'https-hosts' | 'names' | 'kib'} InputKind  https: distinct URLs on the TLS port; https-hosts: each on a host of its own on the TLS port; names: each on a host name of its own (the dns scenario's resolver answers them); kib: distinct URLs with 1 KiB bodies */

/**
 * Loopback address number i: 127.1.0.0, 127.1.0.1, ... (nginx listens on 0.0.0.0, so each is a
 * distinct host to a client, with its own connections, pools and DNS-free lookup).
 * @param {number} i
 */
export function loopbackHost(i) {
  return `127.${1 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
}

const base = (/** @type {number} */ port) => `http://127.0.0.1:${port}`;

/** Distinct URLs in a list of `n` lines of `kind`. @param {InputKind} kind @param {number} n */
function distinctOf(kind, n) {
  if (kind === 'repeats') return Math.max(1, Math.floor(n / 10));
  if (kind === 'repeats5') return Math.max(1, Math.floor(n / 5));
  return n;
}

/**
 * URL generator for a kind.
 * @param {InputKind} kind
 * @param {number} n
 * @param {number} port
 * @returns {{ n: number, distinct: number, urlAt: (i: number) => string }}
 */
export function urlSource(kind, n, port) {
  const b = base(port);
  switch (kind) {
    case 'distinct':
      return { n, distinct: n, urlAt: (i) => `${b}/item/${i}?q=${i}` };
    case 'https':
      return { n, distinct: n, urlAt: (i) => `https://127.0.0.1:${port}/item/${i}?q=${i}` };
    case 'delay':
      return { n, distinct: n, urlAt: (i) => `${b}/delay/${i}` };
    case 'kib':
      return { n, distinct: n, urlAt: (i) => `${b}/kib/${i}` };
    case 'hosts':
      // every URL on a host of its own, as in a list of domains to probe
      return { n, distinct: n, urlAt: (i) => `http://${loopbackHost(i)}:${port}/item/${i}` };
    case 'names':
      // every URL on a host name of its own, under .test (RFC 6761: never a real name)
      return { n, distinct: n, urlAt: (i) => `http://h${i}.bench.test:${port}/item/${i}` };
    case 'https-hosts':
      // the same over TLS: a connection, and a handshake, for every URL (port is the TLS port)
      return { n, distinct: n, urlAt: (i) => `https://${loopbackHost(i)}:${port}/item/${i}` };
    case 'repeats':
    case 'repeats5': {
      // n lines, 10% distinct (repeats5: 20%, each id 5 times): ids 0..d-1 each appearing n/d times,
      // Fisher-Yates shuffled with a fixed seed. Holds only a Uint32Array of ids (16 MiB for 4M
      // lines), never the strings.
      const d = distinctOf(kind, n);
      const ids = new Uint32Array(n);
      for (let i = 0; i < n; i++) ids[i] = i % d;
      const rnd = prng(0xb01cfe7c);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        const t = /** @type {number} */ (ids[i]); ids[i] = /** @type {number} */ (ids[j]); ids[j] = t;
      }
      return { n, distinct: d, urlAt: (i) => `${b}/item/${ids[i]}?q=${ids[i]}` };
    }
    default:
      throw new Error(`unknown input kind ${kind}`);
  }
}

/**
 * Ensure the URL list file (one URL per line) exists.
 * @param {InputKind} kind
 * @param {number} n
 * @param {number} port
 * @returns {{file:string, n:number, distinct:number}}
 */
export function urlList(kind, n, port) {
  const file = path.join(DATA_DIR, `${kind}-${n}-p${port}.txt`);
  let distinct = distinctOf(kind, n);
  cached(file, (f) => {
    const src = urlSource(kind, n, port);
    distinct = src.distinct;
    return writeLines(f, n, (i) => src.urlAt(i) + '\n');
  });
  return { file, n, distinct };
}

/**
 * Ensure a curl -K config for the same URLs exists: per URL `url = "..."` + `output = "/dev/null"`.
 * Global options at the top (`silent`) apply to all transfers; the parallel options and -w are
 * given on the command line by peers.js.
 * @param {InputKind} kind
 * @param {number} n
 * @param {number} port
 * @returns {{file:string, n:number}}
 */
export function curlConfig(kind, n, port) {
  const file = path.join(DATA_DIR, `${kind}-${n}-p${port}.curl`);
  cached(file, (f) => {
    const src = urlSource(kind, n, port);
    const header = `# generated by bench/inputs.js: ${kind}, ${n} URLs\nsilent\n`;
    return writeLines(f, n, (i) => `url = "${src.urlAt(i)}"\noutput = "/dev/null"\n`, header);
  });
  return { file, n };
}

// `node bench/inputs.js kind n port` : generate and print paths
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [kind = 'distinct', n = '1000', port = '18080'] = process.argv.slice(2);
  const t0 = performance.now();
  const k = /** @type {InputKind} */ (kind); // urlSource rejects an unknown kind
  const l = urlList(k, Number(n), Number(port));
  const c = curlConfig(k, Number(n), Number(port));
  console.log(l, c, `${(performance.now() - t0).toFixed(0)} ms`, `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
