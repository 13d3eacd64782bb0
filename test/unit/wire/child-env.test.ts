import { describe, expect, it } from 'vitest';
import { CHILD_EXTRA_CA_ENV, childCaEnv } from '../../../src/wire/child-env.js';

describe('childCaEnv', () => {
  it('moves NODE_EXTRA_CA_CERTS under our name, leaving the rest alone', () => {
    expect(childCaEnv({ NODE_EXTRA_CA_CERTS: '/ca.pem', PATH: '/bin' }, [])).toEqual({ [CHILD_EXTRA_CA_ENV]: '/ca.pem', PATH: '/bin' });
  });

  it('changes nothing without it, or when Node is told to use another CA store', () => {
    const env = { NODE_EXTRA_CA_CERTS: '/ca.pem' };
    expect(childCaEnv({ PATH: '/bin' }, [])).toEqual({ PATH: '/bin' });
    expect(childCaEnv({ ...env, NODE_EXTRA_CA_CERTS: '' }, [])).toEqual({ NODE_EXTRA_CA_CERTS: '' });
    expect(childCaEnv(env, ['--use-openssl-ca'])).toEqual(env);
    expect(childCaEnv({ ...env, NODE_OPTIONS: '--max-old-space-size=100 --use-system-ca' }, [])).toMatchObject(env);
    expect(childCaEnv({ ...env, NODE_USE_SYSTEM_CA: '1' }, [])).toMatchObject(env);
  });

  it('drops our name when the caller set it: only the parent hands a file over', () => {
    expect(childCaEnv({ [CHILD_EXTRA_CA_ENV]: '/x.pem', PATH: '/bin' }, [])).toEqual({ PATH: '/bin' });
    expect(childCaEnv({ [CHILD_EXTRA_CA_ENV]: '/x.pem', NODE_EXTRA_CA_CERTS: '/ca.pem' }, [])).toEqual({ [CHILD_EXTRA_CA_ENV]: '/ca.pem' });
  });
});
