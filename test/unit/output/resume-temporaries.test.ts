import { lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { STOPPED_BEFORE_SENDING } from '../../../src/errors.js';
import { fingerprintPath, markResumable, resumeOutput } from '../../../src/output/resume.js';
import { scratchDir } from '../../helpers/scratch-dir.js';

// The files written beside -o FILE and renamed over their place are named after the pid, which anyone who can
// write to that folder (a shared /tmp) can guess: a symlink planted under that name made the run write through it.
describe('the temporary files beside the output', () => {
  const victimText = 'a file the link points at\n';

  function planted(dir: string, temporary: string): string {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, victimText);
    symlinkSync(victim, temporary);
    return victim;
  }

  /** An input of `urls` and an empty output beside it, in a directory of their own. */
  function inputAndOutput(urls: string[]): { dir: string; input: string; output: string } {
    const dir = scratchDir('bulkfetch-temporaries');
    const input = join(dir, 'urls.txt');
    const output = join(dir, 'out.ndjson');
    writeFileSync(input, `${urls.join('\n')}\n`);
    writeFileSync(output, '');
    return { dir, input, output };
  }

  /** The input again, as --resume reads it. */
  function inputStream(input: string): PassThrough {
    const stdin = new PassThrough();
    stdin.end(readFileSync(input));
    return stdin;
  }

  it('the fingerprint is not written through a link planted at its temporary name', async () => {
    const { dir, input, output } = inputAndOutput(['http://127.0.0.1:9/a']);
    const victim = planted(dir, `${fingerprintPath(output)}.${process.pid}.tmp`);
    await markResumable(output, input);
    expect(readFileSync(victim, 'utf8')).toBe(victimText);
    expect(JSON.parse(readFileSync(fingerprintPath(output), 'utf8'))).toMatchObject({ format: 1, input });
    expect(lstatSync(fingerprintPath(output)).isFile()).toBe(true);
  });

  it('the output rewritten without resent lines is not written through a link planted at its temporary name', async () => {
    const { dir, input, output } = inputAndOutput(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
    await markResumable(output, input);
    const answered = `${JSON.stringify({ line: 1, url: 'http://127.0.0.1:9/a', status: 200 })}\n`;
    writeFileSync(output, `${answered}${JSON.stringify({ line: 2, url: 'http://127.0.0.1:9/b', error: STOPPED_BEFORE_SENDING })}\n`);
    const victim = planted(dir, `${output}.${process.pid}.tmp`);
    const resumed = await resumeOutput(output, input, inputStream(input));
    resumed.sink.destroy();
    expect(readFileSync(victim, 'utf8')).toBe(victimText);
    expect(readFileSync(output, 'utf8')).toBe(answered);
    expect([resumed.done.size, resumed.done.has(1), resumed.done.has(2)]).toEqual([1, true, false]);
    expect(readdirSync(dir).sort()).toEqual(['out.ndjson', 'out.ndjson.resume.json', 'urls.txt', 'victim.txt']);
  });

  it('says what is in the way when a directory holds the rewrite\'s name, not to free space', async () => {
    const { input, output } = inputAndOutput(['http://127.0.0.1:9/a']);
    await markResumable(output, input);
    const unsent = `${JSON.stringify({ line: 1, url: 'http://127.0.0.1:9/a', error: STOPPED_BEFORE_SENDING })}\n`;
    writeFileSync(output, unsent);
    mkdirSync(join(`${output}.${process.pid}.tmp`, 'x'), { recursive: true });
    await expect(resumeOutput(output, input, inputStream(input))).rejects.toThrow(`: EEXIST; it is unchanged: remove ${JSON.stringify(`${output}.${process.pid}.tmp`)}, which is in the way, then run the same command again`);
    expect(readFileSync(output, 'utf8')).toBe(unsent);
  });
});
