import { describe, expect, it } from 'vitest';
import { ApiError, isRefusal, serverMessage } from './errors.ts';

const answer = (code: number, reason?: string, message?: string) =>
  new ApiError(code, 'PATCH', '/apis/batch/v1/namespaces/ns/jobs/j', { kind: 'Status', reason, message });

describe('isRefusal', () => {
  it('is a 4xx the same request would get again', () => {
    for (const [code, reason] of [
      [400, 'BadRequest'],
      [403, 'Forbidden'],
      [404, 'NotFound'],
      [413, 'RequestEntityTooLarge'],
      [422, 'Invalid'],
    ] as const) {
      expect(isRefusal(answer(code, reason)), `${code} ${reason}`).toBe(true);
    }
  });

  it('is not an answer that says "not now", a server error, or no answer at all', () => {
    for (const [code, reason] of [
      [401, 'Unauthorized'],
      [408, 'Timeout'],
      [409, 'Conflict'],
      [409, 'AlreadyExists'],
      [429, 'TooManyRequests'],
      [500, 'InternalError'],
      [503, 'ServiceUnavailable'],
      [504, 'Timeout'],
    ] as const) {
      expect(isRefusal(answer(code, reason)), `${code} ${reason}`).toBe(false);
    }
    expect(isRefusal(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRefusal(undefined)).toBe(false);
  });
});

describe('serverMessage', () => {
  it("is the API server's own message when it gave one, else the error's", () => {
    expect(
      serverMessage(answer(422, 'Invalid', 'Job.batch "j" is invalid: spec.template: Required value')),
    ).toBe('Job.batch "j" is invalid: spec.template: Required value');
    expect(serverMessage(answer(403, 'Forbidden'))).toBe(
      'PATCH /apis/batch/v1/namespaces/ns/jobs/j: 403 Forbidden',
    );
    expect(serverMessage(new Error('socket hang up'))).toBe('socket hang up');
  });
});
