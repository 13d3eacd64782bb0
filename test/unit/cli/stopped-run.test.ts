// What a stopped run says about the input left: only the lines still to do.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStop } from '../../../src/cli/stopped-run.js';
import type { RunSummary } from '../../../src/run-types.js';
import { tempDir } from '../../helpers/index.js';

function stoppedSummary(counts: Partial<RunSummary>): RunSummary {
  return { records: 0, skipped: 0, resumed: 0, outOfShard: 0, stoppedBy: 'stop', errorCodes: {}, ...counts } as RunSummary;
}

describe('describeStop', () => {
  // Its random name may hold a secret's letters ("K1" in bulkfetch-test-8K1Rh2): the secret checks look past it.
  const dir = tempDir();
  const input = join(dir, 'urls.txt');
  writeFileSync(input, Array.from({ length: 1000 }, (_, i) => `http://127.0.0.1:9/${i}`).join('\n') + '\n');
  const output = join(dir, 'out.ndjson');
  const context = { argv: [input, '-o', output, '--resume'], inputPath: input, output, resume: true, signal: 'SIGINT' as const };

  it('does not count, as not read, the lines a --resume output answered before the stop reached them', async () => {
    // Stopped as its rewrite ended: 998 of 1,000 lines answered in the output, none of them reached yet.
    const early = await describeStop(stoppedSummary({}), { ...context, answeredBefore: 998 });
    expect(early?.notRead).toBe(2);
    expect(early?.rows[0]).toEqual(['stopped', `by SIGINT: 2 input lines were not read, besides 998 answered in ${output} already`]);
    // Stopped later: the skipped lines were read (resumed), and so were 1 of the 2 left.
    const late = await describeStop(stoppedSummary({ resumed: 998, records: 1 }), { ...context, answeredBefore: 998 });
    expect(late?.notRead).toBe(1);
    expect(late?.rows[0]).toEqual(['stopped', 'by SIGINT: 1 input line was not read']);
  });

  it('a signal that came after the last record was answered leaves nothing to continue, and offers no command', async () => {
    const done = await describeStop(stoppedSummary({ records: 1000 }), context);
    expect(done).toMatchObject({ notRead: 0, complete: true });
    expect(done?.rows).toEqual([['stopped', 'by SIGINT after the last record was answered: the whole input was read and every record has its line, so nothing is left to continue']]);
  });

  it('a run that cannot be continued (results on stdout) promises nothing of --resume for its ENOTSENT and EABORTED records', async () => {
    const summary = stoppedSummary({ records: 900, errorCodes: { ENOTSENT: 40, EABORTED: 2 } });
    const stdout = await describeStop(summary, { ...context, argv: [input], output: undefined, resume: false });
    expect(stdout?.rows.slice(1)).toEqual([
      ['aborted', '2 records in flight at the stop were answered EABORTED'],
      ['not sent', '40 records the stop came before were answered ENOTSENT'],
      ['continue', 'results went to stdout, so this run cannot be continued; give -o FILE --resume to make the next one resumable'],
    ]);
    const one = await describeStop(stoppedSummary({ records: 900, errorCodes: { ENOTSENT: 1, EABORTED: 1 } }), { ...context, argv: [input], output: undefined, resume: false });
    expect(one?.rows.slice(1, 3)).toEqual([['aborted', '1 record in flight at the stop was answered EABORTED'], ['not sent', '1 record the stop came before was answered ENOTSENT']]);
    const resumable = await describeStop(summary, context);
    expect(resumable?.rows.find(([key]) => key === 'not sent')?.[1]).toBe('40 records the stop came before were answered ENOTSENT; --resume drops those lines and sends them');
  });

  it("shows how to continue without the command line's secrets: -u's password, an Authorization header, a URL's or proxy's password", async () => {
    const argv = [input, '-o', output, '--resume', '-u', 'carol:pa55word', '-H', 'Authorization: Bearer T0KEN', '-x', 'http://p:s3cret@proxy.test:3128', '-ubob:hunter2', '--header=Proxy-Authorization: Basic Zm9v', '-H', 'X-Plain: 1', '-b', 'sid=C00KIE', '--cookie=b=C00KIE2', '-b', 'jar.txt'];
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    for (const secret of ['pa55word', 'T0KEN', 's3cret', 'hunter2', 'Zm9v', 'C00KIE']) expect(row.replaceAll(dir, 'DIR')).not.toContain(secret);
    // -b's pairs are a Cookie header; -b FILE names a file.
    expect(row).toContain("-u 'carol:***' -H 'Authorization: ***' -x 'http://p:***@proxy.test:3128' '-ubob:***' '--header=Proxy-Authorization: ***' -H 'X-Plain: 1' -b '***' '--cookie=***' -b jar.txt");
    // A shell comment: the line runs as pasted (a parenthesis after it was a syntax error).
    expect(row).toMatch(/ {2}# with the credentials shown as \*\*\* given again$/);
  });

  it('masks the secrets of bundled short flags, as curl users type them (-ku, -qb, -sH, -LHvalue)', async () => {
    const argv = [input, '-o', output, '--resume', '-ku', 'user:PW8', '-qb', 'sid=SECRET6', '-sH', 'Authorization: Bearer TOKEN9', '-LHCookie: a=SECRET11', '-kuann:PW12', '-sd', 'plain=1'];
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    for (const secret of ['PW8', 'SECRET6', 'TOKEN9', 'SECRET11', 'PW12']) expect(row.replaceAll(dir, 'DIR')).not.toContain(secret);
    expect(row).toContain("-ku 'user:***' -qb '***' -sH 'Authorization: ***' '-LHCookie: ***' '-kuann:***' -sd plain=1");
  });

  it("masks a body's secret fields (a token endpoint's client_secret, a login's password), form or JSON, and leaves the rest", async () => {
    const argv = [input, '-o', output, '--resume', '-d', 'client_secret=S3CRET&grant_type=client_credentials&password=pw123', '--json', '{"user":"ann","password":"J5ON\\"PW","n":1}', '--data-urlencode=token=TOK1', '-sdapi_key=K3Y', '-d', '@form.txt', '-d', 'q=plain', '-d', 'api-key=K4Y&access-token=T0K', '--json', '{"pin":1,"password":12345}'];
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    for (const secret of ['S3CRET', 'pw123', 'J5ON', 'TOK1', 'K3Y', 'K4Y', 'T0K', '12345']) expect(row.replaceAll(dir, 'DIR')).not.toContain(secret);
    expect(row).toContain(`-d 'api-key=***&access-token=***' --json '{"pin":1,"password":"***"}'`);
    expect(row).toContain("-d 'client_secret=***&grant_type=client_credentials&password=***' --json '{\"user\":\"ann\",\"password\":\"***\",\"n\":1}' '--data-urlencode=token=***' '-sdapi_key=***' -d @form.txt -d q=plain");
  });

  it("masks a JSON secret given as an array, whose values have no names of their own, and judges an object's members by theirs", async () => {
    const argv = [input, '-o', output, '--resume', '--json', '{"api_key":["ARR1", "AR\\"R2"],"token":[["NEST3"]],"auth":{"type":"basic","password":"PW4"},"tags":["plain"]}'];
    const stopped = await describeStop(stoppedSummary({ records: 2 }), { ...context, argv });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    for (const secret of ['ARR1', 'R2', 'NEST3', 'PW4']) expect(row.replaceAll(dir, 'DIR')).not.toContain(secret);
    expect(row).toContain(`--json '{"api_key":"***","token":"***","auth":{"type":"basic","password":"***"},"tags":["plain"]}'`);
  });

  it("masks a form's nested secret field (Rails, PHP) and an API key given as -u's user name with no password", async () => {
    const argv = [input, '-o', output, '--resume', '-d', 'user[email]=a@b.test&user[password]=NESTED1&user%5Bpassword%5D=NESTED2', '-u', 'sk_live_K3YUSER:'];
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    for (const secret of ['NESTED1', 'NESTED2', 'K3YUSER']) expect(row.replaceAll(dir, 'DIR')).not.toContain(secret);
    expect(row).toContain("-d 'user[email]=a@b.test&user[password]=***&user%5Bpassword%5D=***' -u '***:'");
  });

  it("masks a URL's whole password where it holds an @, /, ? or a space (the userinfo ends at the authority's last @)", async () => {
    const argv = ['http://bob:PW@K1@127.0.0.1:9/slow?[1-4]', 'http://bob:PW/K7@127.0.0.1:9/a', 'http://bob:PW?K5@127.0.0.1:9/b', 'http://bob:PW D7@127.0.0.1:9/c', 'http://host:8080/p?e=a@b.test', '-x', 'http://px:P@K4@127.0.0.1:3128', '-o', output, '--resume'];
    const stopped = await describeStop(stoppedSummary({ records: 2 }), { ...context, argv, inputPath: '-', argumentUrls: 5 });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    for (const secret of ['K1', 'K7', 'K5', 'D7', 'K4']) expect(row.replaceAll(dir, 'DIR')).not.toContain(secret);
    // A port and a query's @ are no userinfo: the command still runs.
    expect(row).toContain('http://host:8080/p?e=a@b.test');
  });

  it("quotes a word holding control characters $'...' with them escaped: raw, they acted on the terminal, and the line pasted back named another file", async () => {
    const argv = ['in\u001b]0;T\u0007\u202e.txt', '-o', 'out\u009b2J\\\'s.ndjson', '-H', "X-Note: it's"];
    const stopped = await describeStop(stoppedSummary({ records: 2 }), { ...context, argv });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    expect(row).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(row).toMatch(/ \$'in\\x1b\]0;T\\x07\\u202e\.txt' -o \$'out\\u009b2J\\\\\\'s\.ndjson' -H 'X-Note: it'\\''s'$/);
  });

  it('continuing a run that read a pipe (<(...), a FIFO) says its lines are to be given again: the path names nothing to read again', async () => {
    const fifo = join(dir, 'lines.fifo');
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv: [fifo, '-o', output, '--resume'], inputPath: fifo });
    const row = stopped?.rows.find(([key]) => key === 'continue')?.[1] as string;
    expect(row.replaceAll(dir, 'DIR')).toMatch(/ -o DIR\/out\S* --resume {2}# with the same input given again in place of DIR\/lines\.fifo: a pipe, read once$/);
    // A regular file is read again as it is: no comment.
    const file = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv: [input, '-o', output, '--resume'] });
    expect(file?.rows.find(([key]) => key === 'continue')?.[1]).toMatch(/ --resume$/);
  });

  it('continuing a run that read stdin says so in a shell comment, so the line still runs as pasted', async () => {
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, argv: ['-', '-o', output, '--resume'], inputPath: '-' });
    expect(stopped?.rows.find(([key]) => key === 'continue')?.[1]).toMatch(/ -o \S+ --resume {2}# with the same stdin$/);
  });

  it('counts every unread line when the output answered none', async () => {
    const stopped = await describeStop(stoppedSummary({ records: 10 }), { ...context, resume: false, answeredBefore: undefined });
    expect(stopped?.notRead).toBe(990);
  });
});
