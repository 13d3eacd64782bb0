import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../helpers/scratch-dir.js';
import { testCert } from '../../helpers/certs.js';
import { buildProgram, parseCommandLine } from '../../../src/cli/program.js';
import { UsageError } from '../../../src/errors.js';
import { OPTION_TABLE, resolveRunOptions, runOptionsFromFlags } from '../../../src/options/index.js';

/** Parses argv with the CLI's own program, as the CLI does. */
function parse(argv: string[]) {
  const program = buildProgram();
  parseCommandLine(program, argv);
  return runOptionsFromFlags('-', program.opts());
}

describe('options', () => {
  it('has the documented defaults', () => {
    expect(parse([])).toMatchObject({
      method: 'GET', timeout: 30000, connectTimeout: 10000, retries: 2, retryDelay: 250, retryMaxDelay: 30000,
      retryAllMethods: false, follow: false, maxRedirects: 10, insecure: false, http2: false, http1Only: false, resolve: {},
      body: 'auto', maxBody: 1024 * 1024, includeHeaders: true,
    });
    expect(parse([]).userAgent).toMatch(/^bulkfetch\//);
    expect(parse([]).proxy).toBeUndefined();
  });

  it('maps the request flags', () => {
    const options = parse(['-L', '--max-redirects', '3', '--retries', '0', '--retry-delay', '5ms', '--retry-max-delay', '50ms',
      '--retry-all-methods', '-k', '--http2', '--connect-timeout', '700ms', '--proxy', 'http://127.0.0.1:3128', '--no-headers']);
    expect(options).toMatchObject({ follow: true, maxRedirects: 3, retries: 0, retryDelay: 5, retryMaxDelay: 50, retryAllMethods: true,
      insecure: true, http2: true, connectTimeout: 700, proxy: 'http://127.0.0.1:3128/', includeHeaders: false });
  });

  it('-d implies POST unless -X says otherwise; -H repeats and lower-cases', () => {
    expect(parse(['-d', 'x'])).toMatchObject({ method: 'POST', data: 'x' });
    expect(parse(['-d', 'x', '-X', 'put'])).toMatchObject({ method: 'PUT' });
    expect(parse(['-H', 'X-A: 1', '-H', 'x-b:2']).headers).toEqual({ 'x-a': '1', 'x-b': '2' });
    // Spaces and tabs come off, as curl takes them; a no-break space pasted with a token is sent as given (it was
    // trimmed off), and one in a name is refused, an Authorization value still not shown.
    expect(parse(['-H', ' X-A :\t v \u00a0 ']).headers).toEqual({ 'x-a': 'v \u00a0' });
    expect(() => parse(['-H', 'Authorization\u00a0: Bearer T0K'])).toThrow(/^Invalid --header "Authorization\u00a0: \*\*\*": Expected a header name token/);
  });

  it('--procs over its bound says so, however many digits: 99999999999999999999 read as no positive integer', () => {
    for (const value of ['1025', '99999999999999999999']) expect(() => parse(['--procs', value])).toThrow(new RegExp(`^Expected --procs to be at most 1024 \\(each is a Node process of about 100 MB\\), got "${value}"$`));
    expect(() => parse(['--procs', '0'])).toThrow(/^Expected --procs to be a positive integer, got "0"$/);
    expect(() => parse(['--noproxy', 'a.test, 10.0.0.0/abc'])).toThrow(/^Expected --noproxy's "10.0.0.0\/abc" to be a subnet, an IP address and a prefix length \(10.0.0.0\/8, fd00::\/8\)$/);
    for (const value of ['10.0.0.0/8', '[::1]/128, .a.test', 'fd00::/8 127.0.0.1/32', '', '*']) expect(parse(['--noproxy', value]).noProxy).toBe(value);
  });

  it("curl's name and ours with two values names curl's as typed (-m, not --max-time)", () => {
    expect(() => parse(['-m', '5', '--timeout', '6'])).toThrow(/^-m is curl's name for --timeout: give one of them$/);
    expect(() => parse(['--max-time=5', '--timeout', '6'])).toThrow(/^--max-time is curl's name for --timeout: give one of them$/);
  });

  it('-X CONNECT is refused as the method no record sends, not as no method', () => {
    expect(() => parse(['-X', 'CONNECT'])).toThrow(/^Method CONNECT is not supported: --method takes a method a record sends/);
    expect(() => parse(['-X', 'G T'])).toThrow(/^Expected --method to be an HTTP method, got "G T"$/);
  });

  it('collects --resolve like curl', () => {
    expect(parse(['--resolve', 'Example.test:443:127.0.0.1', '--resolve', 'b.test:80:[::1]']).resolve).toEqual({
      'example.test:443': '127.0.0.1',
      'b.test:80': '::1',
    });
    expect(parse(['--resolve', '*:443:10.0.0.7']).resolve).toEqual({ '*:443': '10.0.0.7' });
    // A name with _ (my_host: a Docker service), as URLs and curl take it.
    expect(parse(['--resolve', 'my_host:38111:127.0.0.1']).resolve).toEqual({ 'my_host:38111': '127.0.0.1' });
    expect(parse(['--resolve', 'my-host-:80:127.0.0.1']).resolve).toEqual({ 'my-host-:80': '127.0.0.1' });
    // curl's + (an entry that times out in its DNS cache) is the same entry here; it was refused.
    expect(parse(['--resolve', '+c.test:8080:127.0.0.2']).resolve).toEqual({ 'c.test:8080': '127.0.0.2' });
    // A name past ASCII in the form the URL's host takes.
    expect(parse(['--resolve', 'Bücher.example:80:127.0.0.1']).resolve).toEqual({ 'xn--bcher-kva.example:80': '127.0.0.1' });
  });

  it.each([
    ['--resolve', 'a.test:443'],
    ['--resolve', 'a.test:x:127.0.0.1'],
    ['--resolve', 'a.test:443:not-an-ip'],
    ['--resolve', 'a b:443:127.0.0.1'],
    ['--resolve', '*.test:443:127.0.0.1'],
    ['--resolve', 'http://a.test:443:127.0.0.1'],
    ['--resolve', 'a.test:70000:127.0.0.1'],
    ['--proxy', 'socks://x'],
    ['--proxy', 'http://'],
    ['--proxy', 'ftp://127.0.0.1:21'],
    ['--retries', '-1'],
    // More in flight than a process may hold descriptors: it was taken, and the advice read "ulimit -n 10000001024".
    ['--concurrency', '10000000000'],
    ['--concurrency', '1048577'],
    ['--parallel-max', '10000000000'],
    ['--connect-timeout', '0ms'],
    ['-H', 'X-A: a\u0000b'],
    ['--noproxy', 'a.test,127.0.0.1/abc'],
    ['--noproxy', '10.0.0.0/33'],
    ['--noproxy', 'fd00::/129'],
    ['--noproxy', 'a.test/8'],
  ])('%s %s is a usage error', (flag, value) => {
    expect(() => parse([flag, value])).toThrow(UsageError);
  });
});

/** The test certificate and its key, each in a file of its own. */
function certAndKeyFiles() {
  const dir = scratchDir('bulkfetch-options');
  const { key, cert } = testCert();
  const certFile = join(dir, 'cert.pem');
  writeFileSync(certFile, cert);
  const keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, key);
  return { dir, cert, key, certFile, keyFile };
}

describe('option table', () => {
  it('maps every flag that has a RunOptions field onto that field', () => {
    // Give every mapped flag on the command line and check the field moved off its default.
    const { certFile: pem, keyFile: keyPem } = certAndKeyFiles();
    const argv = ['--cacert', pem, '--cert', pem, '--key', keyPem, '--save', tmpdir(), '--max-filesize', '5', '--procs', '3', '--concurrency', '7', '--timeout', '1234ms', '--connect-timeout', '99ms', '--retries', '5',
      '--retry-delay', '11ms', '--retry-max-delay', '12ms', '--retry-all-methods', '-L', '--max-redirects', '3', '-k',
      '--proxy', 'http://127.0.0.1:3128', '--noproxy', 'a.test', '--connect-to', '::b.test:', '--http2', '--http1.1', '--resolve', 'a.test:80:127.0.0.1', '--no-cache', '--cache-size', '5',
      '--cache-bytes', '6', '-X', 'PUT', '-H', 'x-a: 1', '-d', 'b', '-A', 'ua', '--body', 'text', '--max-body', '9', '--no-compressed',
      '--no-headers', '--rate', '2', '--per-host-concurrency', '2', '--per-host-rate', '2', '--grace', '8ms',
      '--max-errors', '4', '--ordered', '--reorder-buffer', '16', '--shard', '1/2', '--proto-default', 'https', '--proto', '=https', '--proto-redir', '-http'];
    // -4 and -6 exclude each other: -6 is given on a command line of its own.
    const options = { ...parse([...argv, '-4']), ipv6Only: parse(['-6']).ipv6Only };
    const defaults = parse([]);
    for (const spec of OPTION_TABLE) {
      if (!spec.runOption) continue;
      expect(options[spec.runOption], spec.flags).not.toEqual(defaults[spec.runOption]);
    }
  });
});

describe('--connect-to', () => {
  it('takes curl\'s HOST1:PORT1:HOST2:PORT2, any part empty, IPv6 in brackets; a library caller gives flag texts or an object', () => {
    expect(parse(['--connect-to', 'a.test:443:b.test:8443', '--connect-to', '::127.0.0.1:', '--connect-to', '[::1]:80:[::1]:8080', '--connect-to', 'Bücher.test:80::']).connectTo).toEqual({
      'a.test:443': 'b.test:8443', '*:*': '127.0.0.1:', '::1:80': '[::1]:8080', 'xn--bcher-kva.test:80': ':',
    });
    for (const bad of ['a.test:443:b.test', 'a.test:99999:b:1', '*:80:b:1', 'a b:80:c:1']) expect(() => parse(['--connect-to', bad]), bad).toThrow(/Expected --connect-to as HOST1:PORT1:HOST2:PORT2/);
    expect(resolveRunOptions('-', { connectTo: { '*:*': 'b.test:', '::1:80': '[::2]:81' } }).connectTo).toEqual({ '*:*': 'b.test:', '::1:80': '[::2]:81' });
    expect(() => resolveRunOptions('-', { connectTo: ['x'] })).toThrow(/Expected connectTo as HOST1:PORT1:HOST2:PORT2/);
  });
});

describe('-4 and -6', () => {
  it('are one IP version each: both are refused, in the terms of the caller', () => {
    expect(parse(['--ipv4'])).toMatchObject({ ipv4Only: true, ipv6Only: false });
    expect(() => parse(['-4', '-6'])).toThrow('-4 and -6 each allow one IP version: give one of them');
    expect(() => resolveRunOptions('-', { ipv4Only: true, ipv6Only: true })).toThrow('ipv4Only and ipv6Only each allow one IP version');
    expect(resolveRunOptions('-', { ipv6Only: true })).toMatchObject({ ipv4Only: false, ipv6Only: true });
  });
});

describe('--cache', () => {
  it('is auto by default; on, off and --no-cache (= off) from the command line; true and false from a library', () => {
    expect(parse([]).cache).toBe('auto');
    expect(parse(['--cache', 'on']).cache).toBe('on');
    expect(parse(['--cache', 'off']).cache).toBe('off');
    expect(parse(['--no-cache']).cache).toBe('off');
    expect(() => parse(['--cache', 'maybe'])).toThrow(UsageError);
    expect(resolveRunOptions('-', { cache: true as never }).cache).toBe('on');
    expect(resolveRunOptions('-', { cache: false as never }).cache).toBe('off');
    expect(resolveRunOptions('-', { cache: 'auto' }).cache).toBe('auto');
    // The entry cap is optional: --cache-bytes bounds the cache either way.
    expect(parse([]).cacheSize).toBeUndefined();
  });
});

describe("curl's names and habits", () => {
  it.each([
    [['-m', '2.5'], ['--timeout', '2.5']],
    [['--max-time', '1m'], ['--timeout', '1m']],
    [['--retry', '5'], ['--retries', '5']],
    [['--location'], ['-L']],
    [['--max-redirs', '3'], ['--max-redirects', '3']],
    [['--request', 'PUT'], ['-X', 'PUT']],
    [['-x', 'http://127.0.0.1:3128'], ['--proxy', 'http://127.0.0.1:3128']],
  ])('%j means the same as %j', (curl, ours) => {
    expect(parse(curl)).toEqual(parse(ours));
    expect(parse(curl)).not.toEqual(parse([]));
  });

  it('a bad value is reported under the name typed; both names at once is a usage error', () => {
    expect(() => parse(['--max-time', 'soon'])).toThrow(/--max-time/);
    expect(() => parse(['--retry', '-1'])).toThrow(/--retry\b/);
    expect(() => parse(['--timeout', '5', '-m', '6'])).toThrow(/curl's name for --timeout/);
  });

  it('-s is -q, -S and -i are accepted, -f is --fail', () => {
    const program = buildProgram();
    parseCommandLine(program, ['-sS', '-f', '-i']);
    expect(program.opts()).toMatchObject({ quiet: true, fail: true });
    expect(program.getOptionValueSource('quiet')).toBe('cli');
  });

  it('-I sends HEAD and refuses a body; -I -X GET sends GET with no body in the line, as curl; --data-raw keeps a leading @; repeated bodies join as in curl', () => {
    expect(parse(['-I'])).toMatchObject({ method: 'HEAD', body: 'auto' });
    expect(parse(['-I', '-X', 'HEAD']).method).toBe('HEAD');
    // curl -I -X GET: the method's word changed, the headers shown alone.
    expect(parse(['-I', '-X', 'GET'])).toMatchObject({ method: 'GET', body: 'none' });
    expect(parse(['-I', '-X', 'GET', '--body', 'text'])).toMatchObject({ method: 'GET', body: 'text' });
    expect(parse(['-X', 'GET']).body).toBe('auto');
    expect(() => parse(['-I', '-d', 'a=1'])).toThrow(UsageError);
    expect(parse(['--data-raw', '@not-a-file'])).toMatchObject({ method: 'POST', data: '@not-a-file', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(() => parse(['--data-raw', 'a', '-d', 'b'])).toThrow(UsageError);
    // Given again, as curl: form pieces joined with &, JSON pieces concatenated.
    expect(parse(['-d', 'a=1', '-d', 'b=2']).data).toBe('a=1&b=2');
    expect(parse(['--data-raw', '@x', '--data-raw', 'y=1']).data).toBe('@x&y=1');
    expect(parse(['--json', '{"a":', '--json', '1}']).data).toBe('{"a":1}');
  });

  it('-e sets Referer; -b sets Cookie (pairs joined, before a -H Cookie), or names a cookie file that must read as one', () => {
    expect(parse(['-e', 'https://ref.example/']).headers.referer).toBe('https://ref.example/');
    expect(parse(['-b', 'a=1', '-b', 'b=2']).headers.cookie).toBe('a=1; b=2');
    expect(parse(['-b', 'a=1', '-H', 'Cookie: c=3']).headers.cookie).toBe('a=1; c=3');
    // Without '=' it is a file: a word meant as a cookie names none, and a file of something else is not one.
    expect(() => parse(['-b', 'session'])).toThrow(`Cannot read -b file "session": no such file (ENOENT) (-b takes 'name=value; ...' pairs, or a cookie file)`);
    // A bare errno left a person to look it up; an empty name is an unset variable, most often.
    expect(() => parse(['-d', '@'])).toThrow('Cannot read -d file "": no such file (ENOENT) (an empty file name: an unset shell variable?)');
    expect(() => parse(['-T', '.'])).toThrow('Cannot read -T file ".": a directory, not a file (EISDIR)');
    const notCookies = join(scratchDir('bulkfetch-options'), 'notes.txt');
    writeFileSync(notCookies, 'hello\n');
    expect(() => parse(['-b', notCookies])).toThrow(/holds no cookie in the Netscape format curl -c writes/);
    const jar = join(scratchDir('bulkfetch-options'), 'jar.txt');
    writeFileSync(jar, '# Netscape HTTP Cookie File\n\n');
    expect(parse(['-b', jar, '-b', 'a=1'])).toMatchObject({ cookieFiles: [jar], redirectCookies: true, headers: { cookie: 'a=1' } });
    expect(resolveRunOptions('-', { cookieFiles: [jar] })).toMatchObject({ cookieFiles: [jar] });
    expect(() => resolveRunOptions('-', { cookieFiles: jar as never })).toThrow(/Expected cookieFiles to be an array of file paths/);
    // curl's -b '' starts its cookie engine: no Cookie header of its own, cookies kept across a record's redirects.
    expect(parse(['-b', ''])).toMatchObject({ redirectCookies: true });
    expect(parse(['-b', '']).headers.cookie).toBeUndefined();
    expect(parse(['-b', 'a=1', '-b', ''])).toMatchObject({ redirectCookies: true, headers: { cookie: 'a=1' } });
    expect(parse(['-b', 'a=1'])).toMatchObject({ redirectCookies: false });
    expect(() => parse(['-e', 'x\r\ny'])).toThrow(UsageError);
  });
});

describe('README', () => {
  it('shows the options section generated from this table', async () => {
    const { execFileSync } = await import('node:child_process');
    // Exits non-zero (and so throws) when README.md's options section is stale.
    execFileSync(process.execPath, ['scripts/options-table.js', '--check'], { stdio: 'pipe' });
  });
});

describe('library options', () => {
  it('get the same defaults as the CLI, from the same table', () => {
    expect(resolveRunOptions('-', {})).toEqual(parse([]));
  });

  it.each([
    [{ concurrency: 0 }],
    [{ timeout: -1 }],
    [{ follow: 'yes' }],
    [{ headers: { 'X-A': 'a\u0000b' } }],
    [{ resolve: { 'a.test:443': 'not-an-ip' } }],
    [{ shard: { index: 2, count: 2 } }],
    [{ maxErrors: { kind: 'percent', max: 101 } }],
    [{ noSuchOption: 1 }],
  ])('%j is refused as the CLI refuses its flag', (given) => {
    expect(() => resolveRunOptions('-', given as never)).toThrow(UsageError);
  });

  it('accepts objects for headers and resolve, checked entry by entry', () => {
    expect(resolveRunOptions('-', { headers: { 'X-A': '1' }, resolve: { 'a.test:443': '::1' } })).toMatchObject({
      headers: { 'x-a': '1' },
      resolve: { 'a.test:443': '::1' },
    });
  });
});


describe('durations (issue 11)', () => {
  it('read a bare number as seconds, as curl does, and accept units; values are milliseconds', () => {
    expect(parse(['--timeout', '10'])).toMatchObject({ timeout: 10_000 });
    expect(parse(['--timeout', '0.5', '--connect-timeout', '250ms', '--retry-delay', '2s', '--retry-max-delay', '1m', '--grace', '1h'])).toMatchObject({
      timeout: 500, connectTimeout: 250, retryDelay: 2000, retryMaxDelay: 60_000, grace: 3_600_000,
    });
    expect(parse(['--grace', '0', '--retry-delay', '0'])).toMatchObject({ grace: 0, retryDelay: 0 });
  });

  it.each([['--timeout', '0'], ['--timeout', '10x'], ['--grace', '-1'], ['--connect-timeout', '0ms'], ['--retry-delay', '1 s s']])('%s %s is a usage error', (flag, value) => {
    expect(() => parse([flag, value])).toThrow(UsageError);
  });

  it('a --key or --cert under a passphrase is refused at once, with how to write it out plain', () => {
    const dir = scratchDir('bulkfetch-options');
    const pkcs8 = join(dir, 'key.pem');
    writeFileSync(pkcs8, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n');
    const legacy = join(dir, 'both.pem');
    writeFileSync(legacy, '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIB\n-----END RSA PRIVATE KEY-----\n');
    expect(() => parse(['--key', pkcs8])).toThrow(/holds a key under a passphrase, .*openssl pkey -in KEY -out plain.pem/);
    expect(() => parse(['--cert', legacy])).toThrow(/^--cert .* holds a key under a passphrase/);
  });

  it('--cacert takes a file of certificates in any header OpenSSL reads (X509 CERTIFICATE too), and refuses a key alone', () => {
    const dir = scratchDir('bulkfetch-options');
    const { cert, key } = testCert();
    const old = join(dir, 'x509.pem');
    writeFileSync(old, cert.replaceAll('CERTIFICATE-----', 'X509 CERTIFICATE-----'));
    expect(parse(['--cacert', old]).cacert).toBe(old);
    const keyOnly = join(dir, 'key.pem');
    writeFileSync(keyOnly, key);
    expect(() => parse(['--cacert', keyOnly])).toThrow(/holds none \(a private key: --key takes that\)/);
  });

  it('a --cacert or --cert holding a certificate that does not parse is refused, naming it: TLS dropped it and every one after it without a word', () => {
    const dir = scratchDir('bulkfetch-options');
    const { cert, key } = testCert();
    const broken = '-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n';
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, `${cert}${broken}${cert}`);
    const lineOfBroken = cert.split('\n').length;
    expect(() => parse(['--cacert', bundle])).toThrow(new RegExp(`^--cacert ".*bundle\\.pem" holds a certificate that does not parse \\(certificate 2, at line ${lineOfBroken}: .*bad base64 decode\\)$`));
    const badCert = join(dir, 'bad-cert.pem');
    writeFileSync(badCert, `${broken}${key}`);
    // Named as the certificate's problem, not the key's.
    expect(() => parse(['--cert', badCert])).toThrow(/^--cert ".*bad-cert\.pem" holds a certificate that does not parse \(certificate 1, at line 1: /);
    const good = join(dir, 'good.pem');
    writeFileSync(good, `${cert}${cert}`);
    expect(parse(['--cacert', good]).cacert).toBe(good);
    // Cut short, alone or after a whole one: no block to the pattern, and TLS dropped it without a word.
    const cut = join(dir, 'cut.pem');
    writeFileSync(cut, cert.slice(0, 200));
    expect(() => parse(['--cacert', cut])).toThrow(/^--cacert ".*cut\.pem" holds a certificate cut short \(at line 1: no -----END CERTIFICATE----- line after its -----BEGIN line\)$/);
    writeFileSync(cut, `${cert}${cert.slice(0, 200)}`);
    expect(() => parse(['--cacert', cut])).toThrow(new RegExp(`holds a certificate cut short \\(at line ${lineOfBroken}: `));
    // OpenSSL's other certificate blocks, which TLS reads as well.
    const trusted = cert.replaceAll('CERTIFICATE-----', 'TRUSTED CERTIFICATE-----');
    writeFileSync(cut, `${cert}${trusted.slice(0, 200)}`);
    expect(() => parse(['--cacert', cut])).toThrow(/holds a certificate cut short \(at line \d+: no -----END TRUSTED CERTIFICATE----- line after its -----BEGIN line\)$/);
    writeFileSync(cut, `${cert}${trusted}`);
    expect(parse(['--cacert', cut]).cacert).toBe(cut);
  });

  it('a PKCS#12 --cert is told how to convert it; a missing FILE:PASSWORD never shows the password', () => {
    const dir = scratchDir('bulkfetch-options');
    const p12 = join(dir, 'client.p12');
    writeFileSync(p12, Buffer.from([0x30, 0x82, 0x01, 0x00]));
    expect(() => parse(['--cert', p12])).toThrow(/no -----BEGIN line; PKCS#12 is not taken: openssl pkcs12 -in FILE\.p12 -nodes -out FILE\.pem/);
    expect(() => parse(['--cert', `${p12}:secret`])).toThrow(/bulkfetch takes no passphrase, so convert it \(openssl pkcs12 -in FILE\.p12/);
    let message = '';
    try {
      parse(['--cert', `${join(dir, 'missing.p12')}:S3cretPass`]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`Cannot read --cert file ${JSON.stringify(`${join(dir, 'missing.p12')}:***`)}: no such file (ENOENT)`);
  });

  it("curl's --cert FILE:PASSWORD is refused with what to do, not as a file that is missing", () => {
    const dir = scratchDir('bulkfetch-options');
    const cert = join(dir, 'client.pem');
    writeFileSync(cert, testCert().cert);
    expect(() => parse(['--cert', `${cert}:secret`])).toThrow(`--cert takes a file, not curl's FILE:PASSWORD (${JSON.stringify(cert)} is there): bulkfetch takes no passphrase`);
    expect(() => parse(['--cert', join(dir, 'none.pem')])).toThrow(/Cannot read --cert file .*: no such file \(ENOENT\)/);
  });

  it('a --cert without its key, or with another one, is refused at once, as curl refuses it', () => {
    const { dir, cert, key, certFile: certOnly, keyFile: rightKey } = certAndKeyFiles();
    const both = join(dir, 'both.pem');
    writeFileSync(both, `${cert}${key}`);
    const otherKey = join(dir, 'other.pem');
    writeFileSync(otherKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(() => parse(['--cert', certOnly])).toThrow(/^--cert ".*cert\.pem" holds no private key: give its key with --key FILE/);
    expect(() => parse(['--cert', certOnly, '--key', certOnly])).toThrow(/^--key ".*cert\.pem" holds no private key$/);
    expect(() => parse(['--cert', certOnly, '--key', otherKey])).toThrow(/^--key ".*other\.pem" is not the key of the --cert ".*cert\.pem" certificate$/);
    expect(parse(['--cert', certOnly, '--key', rightKey])).toMatchObject({ cert: certOnly, key: rightKey });
    expect(parse(['-E', both])).toMatchObject({ cert: both });
  });

  it("curl's -m 0 and --max-redirs -1 (no limit) get how to ask for a high limit instead", () => {
    // curl reads the number with strtod: an exponent too.
    expect(parse(['-m', '1e-1']).timeout).toBe(100);
    expect(parse(['--connect-timeout', '2E3ms']).connectTimeout).toBe(2000);
    expect(() => parse(['-m', '1e'])).toThrow(UsageError);
    expect(() => parse(['-m', '0'])).toThrow(/got "0" \(curl's 0 for no limit is not taken: give a long one, such as 1h\)$/);
    expect(() => parse(['--timeout', '10x'])).toThrow(/got "10x"$/);
    expect(() => parse(['--max-redirs', '-1'])).toThrow(/\(curl's -1 for no limit is not taken: give a high one, such as 50\)$/);
  });

  it('library numbers are milliseconds, strings read as the flag', () => {
    expect(resolveRunOptions('-', { timeout: 1500, grace: '2s', retryDelay: 0 })).toMatchObject({ timeout: 1500, grace: 2000, retryDelay: 0 });
  });
});

describe('empty values', () => {
  it("--proxy '' is no proxy, as curl's -x \"\"; an empty --save or PEM file is refused, not read as the working directory", () => {
    expect(parse(['-x', ''])).toMatchObject({ proxy: '' });
    expect(() => parse(['--save', ''])).toThrow(/^Expected --save to be a directory, got ""$/);
    expect(() => parse(['--save', '/nonexistent-bulkfetch/dir'])).toThrow(/^Cannot write to --save directory "\/nonexistent-bulkfetch\/dir": no such directory \(mkdir -p "\/nonexistent-bulkfetch\/dir" first\)$/);
    for (const flag of ['--cacert', '--cert', '--key']) expect(() => parse([flag, ''])).toThrow(new RegExp(`^Expected ${flag} to be a PEM file, got ""$`));
  });

  // access() grants root every permission bit: a --save directory no file can be made in passed, and every record was ESAVE.
  it.runIf(process.getuid?.() === 0)('--save a directory that takes no new file is refused for root too (/sys), and leaves nothing in one that does', () => {
    expect(() => parse(['--save', '/sys'])).toThrow(/^Cannot write to --save directory "\/sys": permission denied$/);
    const dir = tmpdir();
    const before = readdirSync(dir).filter((name) => name.startsWith('.bulkfetch-save-check')).length;
    expect(parse(['--save', dir])).toMatchObject({ save: dir });
    expect(readdirSync(dir).filter((name) => name.startsWith('.bulkfetch-save-check')).length).toBe(before);
  });
});

describe('sizes', () => {
  it("take bytes, or curl's k, M and G suffixes (powers of 1024, with or without B or iB)", () => {
    expect(parse(['--max-filesize', '10M', '--max-body', '64k', '--cache-bytes', '1G'])).toMatchObject({ maxFilesize: 10 * 1024 ** 2, maxBody: 64 * 1024, cacheBytes: 1024 ** 3 });
    expect(parse(['--max-body', '1.5KB', '--cache-bytes', '2MiB', '--max-filesize', '100'])).toMatchObject({ maxBody: 1536, cacheBytes: 2 * 1024 ** 2, maxFilesize: 100 });
    expect(parse(['--max-body', '0'])).toMatchObject({ maxBody: 0 });
    expect(resolveRunOptions('-', { maxBody: '2m', cacheBytes: 4096 })).toMatchObject({ maxBody: 2 * 1024 ** 2, cacheBytes: 4096 });
  });

  it.each([['--max-body', '10XB'], ['--max-body', '-1'], ['--max-filesize', '0'], ['--cache-bytes', '0.5'], ['--max-body', '1T'], ['--max-body', 'M']])('%s %s is a usage error', (flag, value) => {
    expect(() => parse([flag, value])).toThrow(new RegExp(`^Expected ${flag} to be a (positive|non-negative) size \\(bytes, or with a unit: 64k, 10M, 1G\\), got "`));
  });
});

describe('library option messages (issue 11)', () => {
  it('name the option and the value as the caller gave them', () => {
    expect(() => resolveRunOptions('-', { concurrency: 0 })).toThrow('Expected concurrency to be a positive integer, got 0 (number)');
    expect(() => resolveRunOptions('-', { timeout: '0' })).toThrow(/^Expected timeout /);
    expect(() => resolveRunOptions('-', { headers: ['nocolon'] })).toThrow(/^Expected headers /);
  });

  it("reads --data-urlencode as curl does and -G moves the data into the query", () => {
    const dir = scratchDir('bulkfetch-u');
    const file = join(dir, 'q.txt');
    writeFileSync(file, 'a b\n');
    const forms = parse(['-d', 'x=1', '--data-urlencode', 'q=a b&c', '--data-urlencode', '=é', '--data-urlencode', "(it's)", '--data-urlencode', `f@${file}`, '--data-urlencode', `@${file}`]);
    expect(forms).toMatchObject({ method: 'POST', data: "x=1&q=a+b%26c&%C3%A9&%28it%27s%29&f=a+b%0A&a+b%0A", headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const get = parse(['-G', '-d', 'k=v w', '--data-urlencode', 'q=a b']);
    expect(get).toMatchObject({ method: 'GET', query: 'k=v%20w&q=a+b' });
    expect(get.data).toBeUndefined();
    expect(get.headers).not.toHaveProperty('content-type');
    expect(parse(['-G']).query).toBeUndefined();
    expect(parse(['-G', '-d', 'color=#fff&x=1']).query).toBe('color=%23fff&x=1');
    // URL parsing drops tabs and line breaks without a word: they go encoded.
    expect(parse(['-G', '-d', 'a=1\nb=2', '-d', 'q=a\tb\r']).query).toBe('a=1%0Ab=2&q=a%09b%0D');
    expect(() => parse(['-G', '--json', '{}'])).toThrow(/--json/);
    // curl: with -I, -G's data is the query of a HEAD.
    expect(parse(['-G', '-I', '-d', 'a=1'])).toMatchObject({ method: 'HEAD', query: 'a=1' });
    expect(parse(['-G', '-I', '-d', 'a=1']).data).toBeUndefined();
    expect(() => parse(['--data-binary', 'x', '--data-urlencode', 'y'])).toThrow(/adds to -d/);
  });

  it('a size in bytes is whole: a part of a byte was rounded down without a word (--max-body 1.5 kept 1)', () => {
    expect(() => parse(['--max-body', '1.5'])).toThrow(/^Expected --max-body to be a non-negative size .*, got "1.5" \(a whole number of bytes\)$/);
    expect(() => parse(['--max-filesize', '0.5'])).toThrow(/a whole number of bytes/);
    expect(parse(['--max-body', '1.5k']).maxBody).toBe(1536);
    expect(parse(['--max-body', '10']).maxBody).toBe(10);
  });

  it("takes curl's --rate N/U, -H @FILE and --data-ascii", () => {
    expect(parse(['--rate', '600/m']).rate).toBe(10);
    expect(parse(['--rate', '1/2s']).rate).toBe(0.5);
    expect(parse(['--per-host-rate', '36/h']).perHostRate).toBeCloseTo(0.01);
    expect(parse(['--rate', '2.5']).rate).toBe(2.5);
    // Its count written as a bare rate may be: .5 and 1. are taken alone, so .5/s and 1./s too.
    expect(parse(['--rate', '.5/s']).rate).toBe(0.5);
    expect(parse(['--rate', '1./s']).rate).toBe(1);
    expect(() => parse(['--rate', './s'])).toThrow(UsageError);
    expect(() => parse(['--rate', '5/w'])).toThrow(/N\/s, N\/m/);
    // A zero unit count is no rate (it ran as 1/s).
    expect(() => parse(['--rate', '1/0s'])).toThrow(/^Expected --rate to be a positive rate, got "1\/0s"$/);
    expect(() => parse(['--per-host-rate', '5/0m'])).toThrow(UsageError);
    // vegeta's spans: milliseconds, and parts of a unit.
    expect(parse(['--rate', '50/100ms']).rate).toBe(500);
    expect(parse(['--rate', '1/500ms']).rate).toBe(2);
    expect(parse(['--per-host-rate', '3/1.5s']).perHostRate).toBe(2);
    expect(() => parse(['--rate', '1/0ms'])).toThrow(/^Expected --rate to be a positive rate/);
    // vegeta's -rate 0 (no limit) was told the format it already had.
    expect(() => parse(['--rate', '0'])).toThrow(/^--rate 0 is no rate: leave --rate out to send as fast as --concurrency allows \(vegeta's -rate 0\)$/);
    const dir = scratchDir('bulkfetch-h');
    const file = join(dir, 'headers.txt');
    writeFileSync(file, 'X-A: 1\r\n\r\nUser-Agent:\nX-E;\n');
    expect(parse(['-H', 'X-A: 0', '-H', `@${file}`]).headers).toEqual({ 'x-a': '0, 1', 'user-agent': null, 'x-e': '' });
    // Saved with a byte order mark (Notepad, Excel): its first header's name was refused as "\uFEFFX-Bom", shown as X-Bom.
    writeFileSync(file, '\uFEFFX-Bom: 1\r\n');
    expect(parse(['-H', `@${file}`]).headers).toEqual({ 'x-bom': '1' });
    writeFileSync(file, `@${file}\n`);
    expect(() => parse(['-H', `@${file}`])).toThrow(UsageError);
    expect(() => parse(['-H', `@${join(dir, 'missing')}`])).toThrow(/Cannot read --header file/);
    // A Latin-1 file would lose its é to U+FFFD: refused, with the way out.
    writeFileSync(file, Buffer.concat([Buffer.from('X-Title: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(() => parse(['-H', `@${file}`])).toThrow(/is not UTF-8: save it as UTF-8/);
    writeFileSync(file, 'X-Title: café\n');
    expect(parse(['-H', `@${file}`]).headers).toMatchObject({ 'x-title': 'café' });
    expect(parse(['--data-ascii', 'a=1'])).toMatchObject({ data: 'a=1', method: 'POST' });
  });

  it("--parallel-max is curl -Z's total: at most N in flight, over a divisor of N processes when --procs is not given", () => {
    const spread = parse(['--parallel-max', '7']);
    expect(spread.procs * spread.concurrency).toBe(7);
    expect(parse(['--parallel-max', '10', '--procs', '3'])).toMatchObject({ procs: 3, concurrency: 3 });
    expect(parse(['--parallel-max', '1'])).toMatchObject({ procs: 1, concurrency: 1 });
    expect(() => parse(['--parallel-max', '2', '--procs', '3'])).toThrow(/less than --procs/);
  });

  it("take curl's removal and empty forms: null or 'Name:' removes, '' or 'Name;' sends empty", () => {
    expect(resolveRunOptions('-', { headers: { 'User-Agent': null, 'X-E': '' } }).headers).toEqual({ 'user-agent': null, 'x-e': '' });
    expect(resolveRunOptions('-', { headers: ['Accept:', 'X-E;', 'X-A: 1'] }).headers).toEqual({ accept: null, 'x-e': '', 'x-a': '1' });
    expect(parse(['-H', 'X-A: 1', '-H', 'X-A:', '-H', 'x-a: 2']).headers).toEqual({ 'x-a': '2' });
    // An empty value beside another is no element of the list: ', v' and 'v,' were sent.
    expect(parse(['-H', 'X-S;', '-H', 'X-S: v']).headers).toEqual({ 'x-s': 'v' });
    expect(parse(['-H', 'X-S: v', '-H', 'X-S;']).headers).toEqual({ 'x-s': 'v' });
    // As in curl, whose -b pairs give way to a Cookie header of the user's, an empty one included.
    expect(parse(['-b', 'a=1', '-H', 'Cookie:']).headers.cookie).toBeNull();
    expect(() => parse(['-H', 'X A:'])).toThrow(/header name/);
    // curl sends no Host or Connection for these; the client here always does, so they are refused, not ignored.
    expect(() => parse(['-H', 'Host:'])).toThrow('Invalid --header "Host:": Host cannot be removed');
    expect(() => parse(['-H', 'Connection:'])).toThrow(/Connection cannot be removed/);
  });

  it('take an object of strings, numbers or lists of them; any other value is a UsageError, not its String()', () => {
    expect(resolveRunOptions('-', { headers: { 'X-N': 7, 'X-L': ['a', 'b'] } }).headers).toEqual({ 'x-n': '7', 'x-l': 'a, b' });
    // Before: "Authorization: undefined" and "X-A: [object Object]" went to every host.
    expect(resolveRunOptions('-', { headers: { Host: ['a.test', 'b.test'] } }).headers.host).toBe('a.test');
    expect(() => resolveRunOptions('-', { headers: { Host: ['a.test', null] } })).toThrow(UsageError);
    expect(() => resolveRunOptions('-', { headers: { Authorization: undefined } })).toThrow(UsageError);
    expect(() => resolveRunOptions('-', { headers: { Authorization: undefined } })).toThrow(/Expected headers\["Authorization"\] to be a string, a number or a list of them \(null removes the header\), got undefined/);
    expect(() => resolveRunOptions('-', { headers: { 'X-A': {} } })).toThrow(UsageError);
    expect(() => resolveRunOptions('-', { headers: { 'X-A': [] } })).toThrow(UsageError);
    expect(() => resolveRunOptions('-', { headers: { 'X-A': Number.NaN } })).toThrow(UsageError);
  });

  it('take headers as an array of Name: value strings; a repeated name keeps both values', () => {
    expect(resolveRunOptions('-', { headers: ['X-A: 1', 'x-a: 2', 'Cookie: a=1', 'cookie: b=2'] }).headers).toEqual({ 'x-a': '1, 2', cookie: 'a=1; b=2' });
    expect(parse(['-H', 'X-A: 1', '-H', 'X-A: 2']).headers).toEqual({ 'x-a': '1, 2' });
  });
});

describe('library data (issue 11)', () => {
  it('is the body as given: no @file reading, no implied headers', () => {
    expect(resolveRunOptions('-', { data: '@/etc/hostname' })).toMatchObject({ data: '@/etc/hostname', headers: {} });
    expect(() => resolveRunOptions('-', { data: 5 })).toThrow(/^Expected data to be a string/);
    // Bytes are a body too, sent as they are.
    expect(resolveRunOptions('-', { data: new Uint8Array([0xff, 0]) }).data).toEqual(new Uint8Array([0xff, 0]));
  });
});
