import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/http/error-codes.js';

describe('classifyError', () => {
  it('maps an HTTPParserError without a code (invalid status line) to EPROTOCOL by its name', () => {
    // Constructed as undici's parser does for an invalid status line: (message, code undefined, data).
    const HTTPParserError = errors.HTTPParserError as unknown as new (message: string, code?: string) => Error & { code?: string };
    const error = new HTTPParserError('Response does not match the HTTP/1.1 protocol (Invalid status code)');
    expect(error.code).toBeUndefined();
    expect(classifyError(error).code).toBe('EPROTOCOL');
  });

  it('maps llhttp codes, resets under socket errors, and unknown errors to stable codes', () => {
    expect(classifyError(Object.assign(new Error('x'), { code: 'HPE_INVALID_CONSTANT' })).code).toBe('EPROTOCOL');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET', cause: { code: 'ECONNRESET' } })).code).toBe('ECONNRESET');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' })).code).toBe('ESOCKETCLOSED');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_OVERFLOW' })).code).toBe('EPROTOCOL');
    expect(classifyError(Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' })).code).toBe('EMFILE');
    expect(classifyError(Object.assign(new Error('x'), { cause: { code: 'ENFILE' } })).code).toBe('EMFILE');
    expect(classifyError(new Error('what')).code).toBe('EUNKNOWN');
    expect(classifyError(new Error('x'), 'shutdown').code).toBe('EABORTED');
  });
});
