import { describe, expect, it } from 'vitest';
import { MOVED_EXTRA_CA_ENV, restoreMovedExtraCaCerts } from '../../../src/cli/launcher-env.js';
import { writeTempFile, cleanupAfterEach } from '../../helpers/index.js';

cleanupAfterEach();

describe('restoreMovedExtraCaCerts (the JavaScript half of bin/\'s sh line)', () => {
  it('puts NODE_EXTRA_CA_CERTS back and drops our name', () => {
    const file = writeTempFile('pem', 'ca.pem');
    const env: NodeJS.ProcessEnv = { [MOVED_EXTRA_CA_ENV]: file, PATH: '/bin' };
    expect(restoreMovedExtraCaCerts(env)).toBeUndefined();
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: file, PATH: '/bin' });
  });

  it('leaves an environment the sh line did not touch as it is (node bin/bulkfetch.js)', () => {
    const file = writeTempFile('pem', 'ca.pem');
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: file };
    expect(restoreMovedExtraCaCerts(env)).toBeUndefined();
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: file });
  });

  it('warns of a file it cannot read under node bin/bulkfetch.js on Node 22 and later, which no longer warn as they start', () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' };
    expect(restoreMovedExtraCaCerts(env, 24)).toBe('bulkfetch: warning: NODE_EXTRA_CA_CERTS "/nonexistent/ca.pem" cannot be read (ENOENT); its certificates are not trusted\n');
    expect(restoreMovedExtraCaCerts(env, 22)).toMatch(/cannot be read/);
    // Node 20 printed its own warning as it started.
    expect(restoreMovedExtraCaCerts(env, 20)).toBeUndefined();
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
  });

  it('keeps a NODE_EXTRA_CA_CERTS given beside ours', () => {
    const env: NodeJS.ProcessEnv = { [MOVED_EXTRA_CA_ENV]: '/moved.pem', NODE_EXTRA_CA_CERTS: '/given.pem' };
    expect(restoreMovedExtraCaCerts(env)).toBeUndefined();
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/given.pem' });
  });

  it('warns, in one line, of a file that cannot be read, and still puts it back', () => {
    const env: NodeJS.ProcessEnv = { [MOVED_EXTRA_CA_ENV]: '/nonexistent/ca.pem' };
    expect(restoreMovedExtraCaCerts(env)).toBe('bulkfetch: warning: NODE_EXTRA_CA_CERTS "/nonexistent/ca.pem" cannot be read (ENOENT); its certificates are not trusted\n');
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
  });
});
