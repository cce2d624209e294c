import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetSecretsForTests, scrub } from '../../src/secrets/scrubber.js';
import {
  fileSecret,
  looksLikeVariableName,
  resolveSecret,
  type SecretWarn,
} from '../../src/secrets/secret-source.js';
import { thrown } from '../stagegate-error.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-secrets-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
afterEach(() => resetSecretsForTests());

describe('fileSecret', () => {
  it('re-reads the file when it changes (a Kubernetes-style swap), keeps both values scrubbed', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'first-token-aaaa\n');
    const secret = fileSecret(path, 'toggles.flipper.tokenFile');
    expect(secret.get()).toBe('first-token-aaaa');
    // atomic replacement, as the kubelet does: new inode
    await writeFile(`${path}.new`, 'second-token-bbbb');
    await rename(`${path}.new`, path);
    expect(secret.get()).toBe('second-token-bbbb');
    expect(scrub('first-token-aaaa second-token-bbbb')).toBe('[redacted] [redacted]');
  });

  it('keeps the last value and warns when the file blinks away', async () => {
    const path = join(dir, 'blink');
    await writeFile(path, 'blinking-token-cccc');
    const warnings: string[] = [];
    const warn: SecretWarn = (_fields, message) => warnings.push(message);
    const secret = fileSecret(path, 'k', warn);
    await rm(path);
    expect(secret.get()).toBe('blinking-token-cccc');
    await writeFile(path, '');
    expect(secret.get()).toBe('blinking-token-cccc');
    expect(warnings).toEqual([
      'secret file unreadable, keeping the last value',
      'secret file unusable, keeping the last value',
    ]);
  });

  it.each([
    ['a missing file', 'missing', undefined, 'cannot be read (ENOENT)'],
    ['an empty file', 'empty', ' \n', 'is empty'],
    ['a directory', '.', undefined, 'is not a regular file'],
  ])('refuses %s at start-up, naming the key and the path', async (_what, name, content, why) => {
    const path = join(dir, name);
    if (content !== undefined) await writeFile(path, content);
    const err = thrown(() => fileSecret(path, 'toggles.f.tokenFile'));
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.message).toBe(`toggles.f.tokenFile: the secret file ${path} ${why}`);
  });
});

describe('*Env names are never echoed when they look like a secret', () => {
  it.each([
    ['FLIPPER_API_TOKEN', true],
    ['T', true],
    ['DD_API_KEY', true],
    ['ghp_16C7e42F292c6912E7710c838347Ae178B4a', false],
    ['AKIAIOSFODNN7EXAMPLE', false],
    ['a3f9c2d1e8b7a6f5', false],
    ['flipper_token', false],
  ])('%s looks like a variable name: %s', (name, expected) => {
    expect(looksLikeVariableName(name)).toBe(expected);
  });

  it('tokenEnv set to the token itself: the error says so and does not print it', () => {
    const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const err = thrown(() =>
      resolveSecret({ key: 'toggles.flipper.token', envName: token, file: undefined }, {}),
    );
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.message).toBe(
      'toggles.flipper.tokenEnv: the environment variable named by toggles.flipper.tokenEnv (its value looks like a secret, not a variable name: put the secret in the environment or a file and its name here) is not set',
    );
    expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain(token);
    // and from now on it is scrubbed wherever it turns up
    expect(scrub(`config says ${token}`)).toBe('config says [redacted]');
  });

  it('a conventional name that is not set is named', () => {
    const err = thrown(() =>
      resolveSecret({ key: 'server.token', envName: 'STAGEGATE_API_TOKEN', file: undefined }, {}),
    );
    expect(err.message).toBe('server.tokenEnv: environment variable STAGEGATE_API_TOKEN is not set');
  });
});
