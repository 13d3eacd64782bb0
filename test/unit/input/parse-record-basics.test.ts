import { describe, expect, it } from 'vitest';
import { parseRecord, tooLongRecord, MAX_ECHOED_URL } from '../../../src/input/parse-record.js';

const codeOf = (text: string) => {
  const r = parseRecord(text, 1);
  return r.kind === 'invalid' ? r.error.code : r.kind;
};

describe('parseRecord', () => {
  it('skips blank and comment lines', () => {
    expect(parseRecord('', 1).kind).toBe('skip');
    expect(parseRecord('   \t', 1).kind).toBe('skip');
    expect(parseRecord('# a comment', 1).kind).toBe('skip');
  });

  it('normalizes a URL record and keeps its line number', () => {
    const r = parseRecord('  HTTP://Example.COM:80/a/../b?q=1  ', 7);
    expect(r).toEqual({ kind: 'request', spec: { line: 7, method: 'GET', url: 'http://example.com/b?q=1' } });
  });

  it("takes a JSON string line as its URL (jq without -r) and refuses a JSON array with the way to split it", () => {
    expect(parseRecord('"https://a.example/x?q=1"', 4)).toEqual({ kind: 'request', spec: { line: 4, method: 'GET', url: 'https://a.example/x?q=1' } });
    expect(parseRecord('"HTTPS://A.example"', 1)).toMatchObject({ kind: 'request', spec: { url: 'https://a.example/' } });
    const array = parseRecord('["https://a.example/1", "https://a.example/2"]', 2);
    expect(array).toMatchObject({ kind: 'invalid', error: { code: 'EINVALIDSPEC', message: expect.stringMatching(/jq -c/) } });
    // Not JSON: an IPv6 host written without a scheme, and a quote that does not close.
    expect(parseRecord('[::1]:8080/x', 1)).toMatchObject({ kind: 'request', spec: { url: 'http://[::1]:8080/x' } });
    expect(codeOf('"https://a.example/x')).toBe('EINVALIDURL');
  });

  it('says what a host of a name\'s characters lacks: a label between two dots', () => {
    for (const line of ['http://a..b:8080/x', 'http://.a.test/x']) {
      expect(parseRecord(line, 1), line).toMatchObject({ kind: 'invalid', error: { code: 'EINVALIDURL', message: expect.stringMatching(/^URL's host has an empty label \(two dots in a row, or a dot first\)/) } });
    }
    for (const line of ['http://[fe80::1%25eth0]:8080/x', 'http://[::1%lo]/x']) {
      expect(parseRecord(line, 1), line).toMatchObject({ error: { code: 'EINVALIDURL', message: expect.stringContaining('(an IPv6 address with a zone ID, the % and the interface after it: not taken') } });
    }
    expect(parseRecord('http://a!b.test/x', 1)).toMatchObject({ error: { message: expect.stringMatching(/^URL's host holds characters no host name has/) } });
  });

  it('refuses a vegeta body line (@FILE), which read as a URL was a GET to a host named after the file', () => {
    for (const line of ['@body.json', '@payloads/create.json']) {
      expect(parseRecord(line, 1), line).toMatchObject({ kind: 'invalid', error: { code: 'EINVALIDURL', message: expect.stringMatching(/^A vegeta body line \(@FILE\) is not read/) } });
    }
  });

  it('never echoes the password of a URL that does not parse (a /, ? or # in it), in the line\'s url or its message', () => {
    for (const text of ['http://alice:pa/ss2@127.0.0.1:9/x', 'http://alice:pa?ss4@127.0.0.1:9/x', 'http://alice:pa ss5@127.0.0.1:9/x', 'http://alice:pa@ssH1@[::1/x']) {
      const record = parseRecord(text, 1);
      expect(record.kind, text).toBe('invalid');
      expect(JSON.stringify(record), text).not.toMatch(/ss[0-9H]/);
    }
    const typed = parseRecord(JSON.stringify({ url: 'http://a.test/', headers: ['Authorization: Bearer S3CRET'] }), 1);
    expect(JSON.stringify(typed)).not.toContain('S3CRET');
  });

  it('never echoes a credential header\'s bad value in the error message: the line goes to logs', () => {
    const secret = parseRecord(JSON.stringify({ url: 'http://a.test/', headers: { Authorization: 'Bearer S3CRET\u0001' } }), 1);
    expect(secret).toMatchObject({ kind: 'invalid', error: { code: 'EINVALIDHEADER', message: 'Header Authorization: expected a value without CR, LF or control characters (its value is a credential, not shown)' } });
    const plain = parseRecord(JSON.stringify({ url: 'http://a.test/', headers: { 'X-Plain': 'v\u0001' } }), 1);
    expect(plain).toMatchObject({ kind: 'invalid', error: { message: 'Header X-Plain: expected a value without CR, LF or control characters, got "v\\u0001"' } });
    // DEL and C1 controls too, which JSON leaves raw: the message showed "v" and wrote the byte to the terminal.
    const del = parseRecord(JSON.stringify({ url: 'http://a.test/', headers: { 'X-Plain': 'v\u007f\u0085' } }), 1);
    expect(del).toMatchObject({ kind: 'invalid', error: { message: 'Header X-Plain: expected a value without CR, LF or control characters, got "v\\u007f\\u0085"' } });
  });

  it('takes user:password@ before a host without a scheme as credentials, as curl does, and never echoes a password', () => {
    // Was EUNSUPPORTEDSCHEME (scheme "user:") with the password in the line, unless the password began with a digit.
    expect(parseRecord('user:s3cret@127.0.0.1:8080/x', 1)).toMatchObject({ kind: 'request', spec: { url: 'http://user:***@127.0.0.1:8080/x', headers: { authorization: `Basic ${Buffer.from('user:s3cret').toString('base64')}` } } });
    expect(parseRecord('user:@a.test/x', 1)).toMatchObject({ kind: 'request', spec: { headers: { authorization: `Basic ${Buffer.from('user:').toString('base64')}` } } });
    expect(parseRecord('mailto:a@b.test', 1)).toMatchObject({ kind: 'invalid', url: 'mailto:a@b.test', error: { code: 'EUNSUPPORTEDSCHEME' } });
    const refused = parseRecord('user:s3cret@bad host/', 1);
    expect(refused).toMatchObject({ kind: 'invalid', url: 'user:***@bad host/', error: { code: 'EINVALIDURL' } });
    expect(JSON.stringify(refused)).not.toContain('s3cret');
  });

  it('never echoes a credential from the raw text of a record it cannot read: a spec\'s headers or body, a header or curl config line', () => {
    // The raw line was the record's url, and V8's excerpt of it in the message: Bearer tokens and passwords went to stdout and -o files.
    const lines = [
      '{"url":"http://a.test/","headers":{"Authorization":"Bearer Z9Q1"},}',
      '{"url":"http://a.test/","headers":{"cookie":"sid=Z9Q2"}',
      '{"url":"http://a.test/","json":{"password":"Z9Q3","a":x}}',
      '{"url":"http://a.test/","body":"a=1&client_secret=Z9Q4&b=2" , }',
      '{"url":"http://a.test/","headers":{"X":["Proxy-Authorization: Basic Z9Q5"]}} }',
      'Authorization: Bearer Z9Q6',
      'Cookie: sid=Z9Q7',
      'user = "alice:Z9Q8"',
      '--user alice:Z9Q9',
    ];
    const shown = lines.map((line) => parseRecord(line, 1));
    for (const record of shown) expect(record.kind).toBe('invalid');
    expect(JSON.stringify(shown)).not.toMatch(/Z9Q|9Q\d/);
    expect(shown.map((record) => record.kind === 'invalid' && record.url)).toEqual([
      '{"url":"http://a.test/","headers":{"Authorization":"***"},}',
      '{"url":"http://a.test/","headers":{"cookie":"***"}',
      '{"url":"http://a.test/","json":{"password":"***","a":x}}',
      '{"url":"http://a.test/","body":"a=1&client_secret=***&b=2" , }',
      '{"url":"http://a.test/","headers":{"X":["Proxy-Authorization: ***"]}} }',
      'Authorization: ***',
      'Cookie: ***',
      'user = "alice:***"',
      '--user alice:***',
    ]);
    // Other shapes of the same: single quotes, a pasted -H or -u, a value to the line's end, a Python dict.
    const more = [
      ["'Authorization: Bearer Z9Q1'", "'Authorization: ***'"],
      ["-H 'Authorization: Bearer Z9Q2'", "-H 'Authorization: ***'"],
      ['authorization: Bearer "Z9Q3" extra', 'authorization: ***'],
      ['-u alice:Z9Q4', '-u alice:***'],
      ["{\"url\":\"http://a.test/\",\"headers\":{'Authorization':'Bearer Z9Q5'}}", "{\"url\":\"http://a.test/\",\"headers\":{'Authorization':'***'}}"],
    ];
    for (const [line, url] of more) expect(parseRecord(line as string, 1), line).toMatchObject({ kind: 'invalid', url });
    // And the shapes a hunt found shown whole: a value without quotes, curl's attached -u, a header after the URL,
    // -b, -d and --oauth2-bearer pasted, a JSON body inside a spec's body string.
    const pasted = [
      ['{"url":"http://a.test/","headers":{"Authorization":Bearer Z9Q1}}', '{"url":"http://a.test/","headers":{"Authorization":"***"}}'],
      ['curl -ubob:Z9Q2 http://a.test/', 'curl -ubob:*** http://a.test/'],
      ['http://a.test/get Authorization: Bearer Z9Q3', 'http://a.test/get Authorization: ***'],
      ["curl -b 'sid=Z9Q4' http://a.test/", "curl -b '***' http://a.test/"],
      ['curl --cookie sid=Z9Q5 http://a.test/', 'curl --cookie *** http://a.test/'],
      ["curl -d 'user=a&password=Z9Q6' http://a.test/", "curl -d 'user=a&password=***' http://a.test/"],
      ['curl --oauth2-bearer Z9Q7 http://a.test/', 'curl --oauth2-bearer *** http://a.test/'],
      ['{"url":"http://a.test/","body":"{\\"password\\":\\"Z9Q8\\"}",}', '{"url":"http://a.test/","body":"{\\"password\\":\\"***\\"}",}'],
    ];
    pasted.push(
      ['curl -bsid=Z9Q9 http://a.test/', 'curl -b*** http://a.test/'],
      ['curl -d "{\\"password\\":\\"Z9Q0\\"}" http://a.test/', 'curl -d "{\\"password\\":\\"***\\"}" http://a.test/'],
      ['curl --json "{\\"token\\":\\"Z9Q1\\", \\"a\\": 1}" http://a.test/', 'curl --json "{\\"token\\":\\"***\\", \\"a\\": 1}" http://a.test/'],
    );
    // Wherever the pasted command starts (a prompt, sudo, a bare URL) and however bash quotes it.
    pasted.push(
      ["$ curl -H 'Authorization: Bearer Z9Q2' -b 'sid=Z9Q3' https://x/", "$ curl -H 'Authorization: ***' -b '***' https://x/"],
      ["sudo curl -b 'sid=Z9Q4' https://x/", "sudo curl -b '***' https://x/"],
      ['https://x/ -b sid=Z9Q5', 'https://x/ -b ***'],
      ['"https://x/" Cookie: Z9Q6', '"https://x/" Cookie: ***'],
      ['curl -sb sid=Z9Q7 https://x/', 'curl -sb *** https://x/'],
      ["curl -H $'Authorization: Bearer Z9Q8' https://x/", "curl -H $'Authorization: ***' https://x/"],
      ["curl https://x/ -F 'password=Z9Q9'", "curl https://x/ -F 'password=***'"],
      ["curl https://x/ -d 'password='\\''Z9Q0'\\'''", "curl https://x/ -d 'password=***'"],
      ['curl https://x/ --json "{\\"password\\": \\"Z9Q1\\", \\"home\\": \\"$HOME\\"}"', 'curl https://x/ --json "{\\"password\\": \\"***\\", \\"home\\": \\"$HOME\\"}"'],
    );
    for (const [line, url] of pasted) {
      const record = parseRecord(line as string, 1);
      expect(record, line).toMatchObject({ kind: 'invalid', url });
      expect(JSON.stringify(record), line).not.toMatch(/Z9Q/);
    }
    // curl's short flags joined, as curl reads them: -ku is -k -u.
    for (const [line, url] of [
      ['curl -ku bob:Z9Q1 https://x', 'curl -ku bob:*** https://x'],
      ["curl -sSu 'bob:Z9Q2' https://x", "curl -sSu 'bob:***' https://x"],
      ['curl -vU proxy:Z9Q3 -x http://p https://x', 'curl -vU proxy:*** -x http://p https://x'],
      ['curl -sLd password=Z9Q4 https://x', 'curl -sLd password=*** https://x'],
      ["curl -sF 'password=Z9Q5' https://x", "curl -sF 'password=***' https://x"],
      ['curl -sbsid=Z9Q6 https://x', 'curl -sb*** https://x'],
      ['curl -sSLkvb sid=Z9Q7 https://x', 'curl -sSLkvb *** https://x'],
      ['curl https://x "-HAuthorization: Bearer Z9Q8"', 'curl https://x "-HAuthorization: ***"'],
      ['curl -skH"Authorization: Bearer Z9Q9" http://x/', 'curl -skH"Authorization: ***" http://x/'],
      ['curl http://x/ -E cert.pem:Z9Q0 --pass Z9Q1', 'curl http://x/ -E cert.pem:*** --pass ***'],
      // Windows cmd's quoting (Chrome's "Copy as cURL (cmd)"), shown without its carets.
      ['curl ^"https://x/api^" -H ^"authorization: Bearer Z9Q2^" -b ^"a=b; sid=Z9Q3^" --data-raw ^"^{^\\^"password^\\^":^\\^"Z9Q4^\\^"^}^"', 'curl "https://x/api" -H "authorization: ***" -b "***" --data-raw "{\\"password\\":\\"***\\"}"'],
    ]) {
      const record = parseRecord(line as string, 1);
      expect(record, line).toMatchObject({ kind: 'invalid', url });
      expect(JSON.stringify(record), line).not.toMatch(/Z9Q/);
    }
    // A browser's "Copy as cURL": each line ends in ` \`, which the message's quote ends in too (`\\"`); and a quote cut
    // on a backslash. Both were left unmasked in the message, the url masked.
    for (const line of ["  -H 'authorization: Bearer Z9Q1' \\", "  --data-raw '{\"password\":\"Z9Q2\",\"remember\":true}' \\"]) {
      expect(JSON.stringify(parseRecord(line, 1)), line).not.toMatch(/Z9Q/);
    }
    for (let n = 1; n <= 30; n++) {
      const line = `curl -d "{\\"user\\":\\"${'a'.repeat(n)}\\",\\"password\\":\\"Z9Q${n}\\",\\"remember\\":\\"yes\\"}" https://api.example.com/login`;
      expect(JSON.stringify(parseRecord(line, 1)), line).not.toMatch(/Z9Q/);
    }
    // A pasted curl line longer than the message's 80-character quote: the quote, cut with its closing quote, is masked too.
    const pastedLong = parseRecord(`curl -H 'Authorization: Bearer Z9Q9' -H 'Cookie: s=Z9Q0' http://a.test/get/${'a'.repeat(60)}`, 1);
    expect(pastedLong).toMatchObject({ kind: 'invalid', error: { message: expect.stringContaining(`"curl -H 'Authorization: ***' -H 'Cookie: ***' http://a.test/get/a`) } });
    expect(JSON.stringify(pastedLong)).not.toMatch(/Z9Q/);
    // Masked whole, then cut to 2048: a value the cut split showed its end.
    const prefix = '{"url":"http://a.test/","headers":{"Authorization":"Bearer ';
    const long = `{"id":"${'p'.repeat(2048 - prefix.length - 20)}",${prefix.slice(1)}Z9Q6 sk_live_Z9Q7abcdef"}, oops}`;
    const cut = parseRecord(long, 1);
    expect(cut.kind === 'invalid' && cut.url.length).toBeLessThanOrEqual(2048);
    expect(JSON.stringify(cut)).not.toMatch(/Z9Q|9Q\d/);
    const members = parseRecord(`{"url":"http://a.test/",${'"token":1,'.repeat(300)} oops}`, 1);
    expect(members.kind === 'invalid' && members.url.length).toBe(2048);
    // Not over-masked: a URL's query is shown as a valid record's is, and a quote inside it starts no header line.
    for (const line of ['{"url":"http://a.test/get?x=1&token=abc","method":5}', 'http://a.test/a b?x=1&auth=sso&cookie=consent', '{"url":"http://a.test/get?q=\\"cookie:x\\"","method":5}']) {
      const record = parseRecord(line, 1);
      expect(record.kind === 'invalid' && record.url, line).not.toContain('***');
    }
    // V8's excerpt stays where the line holds no credential: it points at the mistake.
    expect(shown[2]).toMatchObject({ error: { message: 'Invalid JSON: Unexpected token \'x\' (the line holds a credential, so the text around it is not quoted: the line is in "url", the credential as ***)' } });
    expect(parseRecord('{"url": x}', 1)).toMatchObject({ error: { message: 'Invalid JSON: Unexpected token \'x\', "{"url": x}" is not valid JSON' } });
  });

  it('reads an invalid line of long runs of spaces or tabs in linear time: a 64 KB one took 4 s (a padded or TSV export)', () => {
    const started = performance.now();
    for (const line of [`http://a.test/get${' '.repeat(64_000)}x`, `curl -H 'Authorization: x'${'\t'.repeat(64_000)}cookie: y`, `{"url":"http://a.test/${' '.repeat(64_000)}"}`]) {
      expect(parseRecord(line, 1).kind).toBe('invalid');
    }
    // Coarse: about 10 ms now, where each of the first two took seconds.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('says why a host and port do not parse: an IPv6 address outside brackets, a port past 65535', () => {
    const messageOf = (text: string) => {
      const record = parseRecord(text, 1);
      return record.kind === 'invalid' ? record.error.message : record.kind;
    };
    for (const text of ['http://::1:8080/', '::1', 'http://u:pw@::1/x']) expect(messageOf(text), text).toMatch(/^Not a valid URL \(an IPv6 address goes between brackets, its port after them: http:\/\/\[::1\]:8080\/\): /);
    expect(messageOf('http://[::1]:99999/')).toBe('Not a valid URL (port 99999 is past 65535): "http://[::1]:99999/"');
    expect(messageOf('127.0.0.1:70000/x')).toMatch(/^Not a valid URL \(port 70000 is past 65535\)/);
    expect(messageOf('http://[::1]:8080/')).toBe('request');
    // A port given twice is no IPv6 address.
    for (const text of ['http://127.0.0.1:28080:/get', 'http://localhost:8080:/x', 'http://127.0.0.1:80:80/', 'http://a:b@host:1:2/']) expect(messageOf(text), text).toMatch(/^Not a valid URL \(more than one : after the host: a URL has one port, after one colon\): /);
  });

  it("gives V8's JSON message the same on every Node: one line is one record, and Node 22+ add its line and column", () => {
    expect(parseRecord('{broken', 1)).toMatchObject({ error: { message: "Invalid JSON: Expected property name or '}' in JSON at position 1" } });
  });

  it('uses the default method given by -X', () => {
    const r = parseRecord('http://a/', 1, 'HEAD');
    expect(r.kind === 'request' && r.spec.method).toBe('HEAD');
  });

  it.each([
    ['not a url', 'EINVALIDURL'],
    ['http://', 'EINVALIDURL'],
    ['file:///etc/passwd', 'EUNSUPPORTEDSCHEME'],
    ['data:text/plain,hi', 'EUNSUPPORTEDSCHEME'],
    ['javascript:alert(1)', 'EUNSUPPORTEDSCHEME'],
    ['ftp://example.com/x', 'EUNSUPPORTEDSCHEME'],
    ['{"url": 5}', 'EINVALIDSPEC'],
    ['{broken', 'EINVALIDSPEC'],
    ['[1,2]', 'EINVALIDSPEC'],
    ['{"url":"http://a/","method":"GE T"}', 'EINVALIDMETHOD'],
    // A method of another type is a wrongly typed member, as a body or an id of one is.
    ['{"url":"http://a/","method":null}', 'EINVALIDSPEC'],
    ['{"url":"http://a/","method":5}', 'EINVALIDSPEC'],
    ['{"url":"http://a/","headers":{"x-a":"v\\r\\nInjected: 1"}}', 'EINVALIDHEADER'],
    ['{"url":"http://a/","headers":{"bad name":"v"}}', 'EINVALIDHEADER'],
    // Removals the client cannot make (it sends both): said, where they did nothing.
    ['{"url":"http://a/","headers":{"Host":null}}', 'EINVALIDHEADER'],
    ['{"url":"http://a/","headers":{"connection":null}}', 'EINVALIDHEADER'],
    ['{"url":"http://a/","body":"x","json":{}}', 'EINVALIDSPEC'],
    ['{"url":"http://a/","id":{}}', 'EINVALIDSPEC'],
  ])('%s -> %s', (text, code) => {
    expect(codeOf(text)).toBe(code);
  });

  it('parses a JSON spec with method, headers, json body and id', () => {
    const r = parseRecord('{"url":"http://a/x","method":"post","headers":{"X-Token":"t"},"json":{"a":1},"id":"i1"}', 3);
    expect(r).toEqual({
      kind: 'request',
      // The json's Content-Type is implied: a -H of that name replaces it.
      spec: { line: 3, id: 'i1', method: 'POST', url: 'http://a/x', headers: { 'content-type': 'application/json', 'x-token': 't' }, implied: ['content-type'], body: '{"a":1}' },
    });
  });

  it('echoes the raw text of an invalid record, cut to a sane length', () => {
    const r = parseRecord(`not a url ${'x'.repeat(5000)}`, 2);
    expect(r.kind === 'invalid' && r.url.length).toBe(MAX_ECHOED_URL);
  });

  it('reports an over-long line with its own code', () => {
    const r = tooLongRecord(9, 100000, 65536);
    expect(r.kind === 'invalid' && [r.line, r.error.code]).toEqual([9, 'ELINETOOLONG']);
  });
});
