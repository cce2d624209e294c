import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/rollout/errors.js';
import {
  checkFeatures,
  formatFinding,
  locateToggleFeature,
  parseFeaturesText,
  readFeaturesFile,
  type DeclaredFeature,
} from '../../src/rollout/features-file.js';
import { makeRollout } from '../engine/rollout-factory.js';

const FEATURES = `features:
  new_checkout:
    actor_type: user
    description: the new checkout
  anonymous_banner:
    actor_type: cookie_id
  no_actor:
    description: nothing
  constructor:
    actor_type: user
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-features-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function declared(text = FEATURES): ReadonlyMap<string, DeclaredFeature> {
  const parsed = parseFeaturesText(text, 'config/features.yml');
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  return parsed.features;
}

describe('parseFeaturesText', () => {
  it('reads every declared feature with its actor_type and where its key is', () => {
    expect([...declared().values()]).toEqual([
      { name: 'new_checkout', actorType: 'user', line: 2, col: 3 },
      { name: 'anonymous_banner', actorType: 'cookie_id', line: 5, col: 3 },
      { name: 'no_actor', actorType: undefined, line: 7, col: 3 },
      { name: 'constructor', actorType: 'user', line: 9, col: 3 },
    ]);
  });

  it('takes a feature with no entry at all', () => {
    expect(declared('features:\n  bare:\n').get('bare')).toEqual({
      name: 'bare',
      actorType: undefined,
      line: 2,
      col: 3,
    });
  });

  it.each([
    [
      'other: 1\n',
      'f.yml:1:1: expected a `features:` mapping of feature names (vets-api config/features.yml)',
    ],
    [
      'features: [a, b]\n',
      'f.yml:1:1: expected a `features:` mapping of feature names (vets-api config/features.yml)',
    ],
    ['', 'f.yml:1:1: file is empty: expected a mapping with `features:` (vets-api config/features.yml)'],
  ])('%j → %s', (text, message) => {
    const parsed = parseFeaturesText(text, 'f.yml');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.map(formatProblem)).toEqual([message]);
  });
});

describe('readFeaturesFile', () => {
  it('reads a file, and turns a missing one into a problem', async () => {
    const path = join(dir, 'features.yml');
    await writeFile(path, FEATURES);
    const ok = await readFeaturesFile(path);
    expect(ok.ok && [...ok.features.keys()]).toEqual([
      'new_checkout',
      'anonymous_banner',
      'no_actor',
      'constructor',
    ]);
    const missing = await readFeaturesFile(join(dir, 'nope.yml'));
    expect(missing).toEqual({
      ok: false,
      problems: [{ path: join(dir, 'nope.yml'), line: 0, col: 0, message: 'no such file or directory' }],
    });
  });
});

describe('checkFeatures', () => {
  const at = () => ({ path: 'rollouts/r.yaml', line: 3, col: 22 });

  it('an undeclared feature is an error, and nothing else is said of it', () => {
    const findings = checkFeatures(
      [makeRollout({ toggle: { feature: 'missing_one' } })],
      declared(),
      'config/features.yml',
      at,
    );
    expect(findings.map(formatFinding)).toEqual([
      'rollouts/r.yaml:3:22: error: toggle.feature: missing_one is not declared in config/features.yml (rake features:setup deletes undeclared features)',
    ]);
  });

  it('a user feature on percentage_of_time gets only the note', () => {
    const findings = checkFeatures(
      [makeRollout({ toggle: { feature: 'new_checkout', gate: 'percentage_of_time' } })],
      declared(),
      'config/features.yml',
      at,
    );
    expect(findings).toEqual([
      {
        path: 'rollouts/r.yaml',
        line: 3,
        col: 22,
        level: 'note',
        message: 'toggle.feature: new_checkout is declared at config/features.yml:2 with actor_type user',
      },
    ]);
  });

  it('a cookie_id feature on percentage_of_actors is warned about twice', () => {
    const findings = checkFeatures(
      [makeRollout({ toggle: { feature: 'anonymous_banner', gate: 'percentage_of_actors' } })],
      declared(),
      'config/features.yml',
      at,
    );
    expect(findings.map((f) => f.level)).toEqual(['note', 'warning', 'warning']);
    expect(findings[1]?.message).toMatch(
      /^toggle\.feature: anonymous_banner has actor_type cookie_id: the actors are anonymous browsers/,
    );
    expect(findings[2]?.message).toMatch(
      /^toggle\.gate: percentage_of_actors needs an actor at every call site: Flipper\.enabled\?\(:anonymous_banner\) without one is false/,
    );
  });

  it('says "none" for a feature without actor_type, and is not fooled by Object.prototype names', () => {
    const findings = checkFeatures(
      [
        makeRollout({ toggle: { feature: 'no_actor', gate: 'percentage_of_time' } }),
        makeRollout({ toggle: { feature: 'toString', gate: 'percentage_of_time' } }),
        makeRollout({ toggle: { feature: 'constructor', gate: 'percentage_of_time' } }),
      ],
      declared(),
      'config/features.yml',
      at,
    );
    expect(findings.map((f) => `${f.level}: ${f.message}`)).toEqual([
      'note: toggle.feature: no_actor is declared at config/features.yml:7 with actor_type none',
      'error: toggle.feature: toString is not declared in config/features.yml (rake features:setup deletes undeclared features)',
      'note: toggle.feature: constructor is declared at config/features.yml:9 with actor_type user',
    ]);
  });
});

describe('locateToggleFeature', () => {
  it('points at the value of toggle.feature in the rollout file', async () => {
    const path = join(dir, 'r.yaml');
    await writeFile(path, 'name: r\ntoggle:\n  provider: flipper\n  feature: new_checkout\n');
    const rollout = { ...makeRollout(), source: path };
    expect(await locateToggleFeature(rollout)).toEqual({ path, line: 4, col: 12 });
  });

  it('falls back to line 1 col 1 without a readable source', async () => {
    expect(await locateToggleFeature({ ...makeRollout({ name: 'in-memory' }), source: undefined })).toEqual({
      path: 'in-memory',
      line: 1,
      col: 1,
    });
    const gone = join(dir, 'gone.yaml');
    expect(await locateToggleFeature({ ...makeRollout(), source: gone })).toEqual({
      path: gone,
      line: 1,
      col: 1,
    });
  });
});
