import { describe, expect, it } from 'vitest';
import { childExecArgv } from '../../../src/parent/child-exec-argv.js';

describe('childExecArgv', () => {
  it('drops what would run the caller\'s code or tools in a child: -e/-p and their code, REPL, check, test runner, watcher, inspector', () => {
    const code = "import('bulkfetch').then(({ bulkfetch }) => bulkfetch(['http://x/']))";
    for (const given of [['-e', code], ['--eval', code], ['-p', code], ['--print', code], ['-pe', code], [`--eval=${code}`], ['--input-type=module', '-e', code], ['--input-type', 'module', '-e', code]]) {
      expect(childExecArgv(given), given.join(' ')).toEqual([]);
    }
    expect(childExecArgv(['-i', '--check', '--test', '--test-only', '--watch', '--watch-path=src', '--watch-path', 'src', '--inspect', '--inspect-brk=0', '--inspect-port', '9230', '--debug-port=1'])).toEqual([]);
  });

  it('keeps what instruments or tunes the child as it does the parent', () => {
    const kept = ['--cpu-prof', '--cpu-prof-dir=/tmp/p', '-r', './trace.js', '--require=./x.js', '--max-old-space-size=4096', '--enable-source-maps', '--use-openssl-ca'];
    expect(childExecArgv(kept)).toEqual(kept);
    expect(childExecArgv(['--enable-source-maps', '-e', 'code', '--trace-warnings'])).toEqual(['--enable-source-maps', '--trace-warnings']);
  });
});
