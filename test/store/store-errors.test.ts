import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import {
  checkExpectedVersion,
  conflictError,
  corruptRecord,
  errnoOf,
  isUnavailableErrno,
  problemOf,
  storeIoError,
  WriteHealth,
} from '../../src/store/store-errors.js';

const sysErr = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('isUnavailableErrno / errnoOf', () => {
  it.each([
    ['ENOSPC', true],
    ['EROFS', true],
    ['EDQUOT', true],
    ['EMFILE', true],
    ['EIO', true],
    ['ENOENT', false],
    ['EACCES', false],
    [undefined, false],
  ])('%s unavailable: %s', (code, expected) => {
    expect(isUnavailableErrno(code)).toBe(expected);
  });

  it('finds the errno on the error, in a StagegateError detail, or in its cause; not our own E_ codes', () => {
    expect(errnoOf(sysErr('ENOSPC'))).toBe('ENOSPC');
    expect(errnoOf(new StagegateError('E_STORE_IO', 'x', { errno: 'EROFS' }))).toBe('EROFS');
    expect(errnoOf(new StagegateError('E_STORE_IO', 'x', {}, { cause: sysErr('EIO') }))).toBe('EIO');
    expect(errnoOf(new StagegateError('E_STORE_CONFLICT', 'x'))).toBeUndefined();
    expect(errnoOf(new Error('plain'))).toBeUndefined();
  });
});

describe('storeIoError', () => {
  it('a full disk is E_STORE_UNAVAILABLE with the errno explained, the cause kept', () => {
    const cause = sysErr('ENOSPC');
    const err = storeIoError('write', '/state/rollouts/a.json', cause);
    expect(err).toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      message: 'cannot write /state/rollouts/a.json: ENOSPC (disk full)',
      details: { file: '/state/rollouts/a.json', errno: 'ENOSPC' },
    });
    expect(err.cause).toBe(cause);
  });

  it('anything else is E_STORE_IO with the errno or the message', () => {
    expect(storeIoError('read', '/f', sysErr('EACCES'))).toMatchObject({
      code: 'E_STORE_IO',
      message: 'cannot read /f: EACCES',
    });
    expect(storeIoError('read', '/f', new Error('weird'))).toMatchObject({
      code: 'E_STORE_IO',
      message: 'cannot read /f: weird',
    });
    expect(storeIoError('read', '/f', 'text')).toMatchObject({ message: 'cannot read /f: text' });
  });
});

describe('WriteHealth', () => {
  it('fails from the first unavailable error until a write succeeds, keeping when it began', () => {
    const clock = { now: 100 };
    const health = new WriteHealth(() => clock.now);
    expect(health.get()).toEqual({ ok: true, problem: null, errno: null, since: null });
    health.failed(storeIoError('write', '/f', sysErr('ENOSPC')));
    clock.now = 200;
    health.failed(storeIoError('write', '/f', sysErr('EROFS')));
    expect(health.get()).toEqual({
      ok: false,
      problem: 'cannot write /f: EROFS (read-only file system)',
      errno: 'EROFS',
      since: 100,
    });
    health.succeeded();
    expect(health.get().ok).toBe(true);
    clock.now = 300;
    health.failed(storeIoError('write', '/f', sysErr('ENOSPC')));
    expect(health.get().since).toBe(300);
  });

  it('a conflict, a lock or a plain error says nothing about the disk', () => {
    const health = new WriteHealth(() => 1);
    health.failed(new StagegateError('E_STORE_CONFLICT', 'changed underneath'));
    health.failed(new StagegateError('E_STORE_LOCKED', 'locked'));
    health.failed(sysErr('ENOSPC'));
    expect(health.get().ok).toBe(true);
  });
});

describe('corruptRecord / problemOf', () => {
  it('names the file and the reason on one capped line', () => {
    const err = corruptRecord(
      'a',
      '/state/rollouts/a.json',
      'updatedAt: 1.5 is not a whole number of epoch milliseconds',
    );
    expect(err).toMatchObject({
      code: 'E_STORE_CORRUPT',
      message:
        'corrupt state record /state/rollouts/a.json: updatedAt: 1.5 is not a whole number of epoch milliseconds',
      details: { name: 'a', file: '/state/rollouts/a.json', path: '/state/rollouts/a.json' },
    });
    const long = corruptRecord('a', '/f', 'x'.repeat(1_000));
    expect(long.message).toBe(`corrupt state record /f: ${'x'.repeat(300)}...`);
  });

  it('keeps the code of a corrupt or unavailable error, anything else is E_STORE_IO', () => {
    expect(problemOf('a', '/f', corruptRecord('a', '/f', 'bad'))).toEqual({
      name: 'a',
      code: 'E_STORE_CORRUPT',
      message: 'corrupt state record /f: bad',
      path: '/f',
    });
    expect(problemOf('a', '/f', storeIoError('read', '/f', sysErr('EIO'))).code).toBe('E_STORE_UNAVAILABLE');
    expect(problemOf('a', '/f', new Error('boom'))).toEqual({
      name: 'a',
      code: 'E_STORE_IO',
      message: 'boom',
      path: '/f',
    });
  });
});

describe('checkExpectedVersion and conflictError', () => {
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses expectedVersion %s with E_USAGE', (v) => {
    expect(() => checkExpectedVersion(v)).toThrow(
      expect.objectContaining({
        code: 'E_USAGE',
        message: `expectedVersion must be a whole number >= 0, got ${v}`,
      }),
    );
  });

  it.each([0, 1, 41])('accepts %s', (v) => {
    expect(() => checkExpectedVersion(v)).not.toThrow();
  });

  it('words the conflict once for every store, with the versions in its details', () => {
    const err = conflictError('alpha', 1, 2);
    expect(err).toBeInstanceOf(StagegateError);
    expect(err.code).toBe('E_STORE_CONFLICT');
    expect(err.message).toBe(
      'state of alpha changed underneath: stored version is 2, expected 1; reload and retry',
    );
    expect(err.details).toEqual({ name: 'alpha', expectedVersion: 1, storedVersion: 2 });
  });
});
