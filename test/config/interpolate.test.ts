import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { interpolate, interpolateDocument } from '../../src/config/interpolate.js';

describe('interpolate', () => {
  const env = { HOST: 'flipper.internal', EMPTY: '', PORT: '5000' };

  it.each([
    ['plain text', 'plain text'],
    ['http://${HOST}:${PORT}/api', 'http://flipper.internal:5000/api'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'flipper.internal'],
    ['${MISSING:-}', ''],
    ['$${HOST}', '${HOST}'],
    ['cost: $5 and $HOST', 'cost: $5 and $HOST'],
    ['${EMPTY}', ''],
  ])('%j → %j', (text, value) => {
    expect(interpolate(text, env)).toEqual({ ok: true, value });
  });

  it.each([
    ['${MISSING}', 1, 'environment variable MISSING is not set (or give a default: ${MISSING:-...})'],
    [
      'http://${HOST}/${NOPE}/x',
      16,
      'environment variable NOPE is not set (or give a default: ${NOPE:-...})',
    ],
    [
      'http://${USER_X}:${PASS_X}@${HOST}/${USER_X}',
      8,
      'environment variables USER_X and PASS_X are not set (or give defaults: ${USER_X:-...})',
    ],
    ['abc ${HOST', 5, 'unclosed "${": write ${NAME}, or $${ for a literal "${"'],
    ['${1ABC}', 1, '"${1ABC}" is not a variable reference: write ${NAME} or ${NAME:-default}'],
    ['${}', 1, '"${}" is not a variable reference: write ${NAME} or ${NAME:-default}'],
    ['${A B}', 1, '"${A B}" is not a variable reference: write ${NAME} or ${NAME:-default}'],
  ])('%j fails at column %i', (text, column, message) => {
    expect(interpolate(text, env)).toEqual({ ok: false, column, message });
  });
});

describe('interpolateDocument', () => {
  const env = { HOST: 'flipper.internal', PORT: '5000', ON: 'true', EVIL: 'x\nrolloutsDir: /etc' };

  function run(text: string) {
    const doc = parseDocument(text);
    const issues = interpolateDocument(doc, env);
    return { issues, data: doc.toJS() as unknown };
  }

  it('interpolates values in place, never keys', () => {
    expect(run('url: "http://${HOST}/api"\n"${HOST}": kept\n').data).toEqual({
      url: 'http://flipper.internal/api',
      '${HOST}': 'kept',
    });
  });

  it.each([
    ['port: "${PORT}"\n', { port: 5000 }],
    ['port: "${MISSING:-8080}"\n', { port: 8080 }],
    ['on: "${ON}"\n', { on: true }],
    ['port: "p${PORT}"\n', { port: 'p5000' }],
    ['host: "${HOST}"\n', { host: 'flipper.internal' }],
  ])('retypes a value that is exactly one reference: %j', (text, data) => {
    expect(run(text).data).toEqual(data);
  });

  it('cannot inject YAML structure through a value', () => {
    expect(run('path: "${EVIL}"\n').data).toEqual({ path: 'x\nrolloutsDir: /etc' });
  });

  it('reports each failing scalar with its data path and column', () => {
    const { issues } = run('toggles:\n  f: { baseUrl: "http://${NOPE}" }\nlist:\n  - ok\n  - "${GONE}"\n');
    expect(issues).toEqual([
      {
        path: ['toggles', 'f', 'baseUrl'],
        at: 'value',
        column: 8,
        message: 'environment variable NOPE is not set (or give a default: ${NOPE:-...})',
      },
      {
        path: ['list', 1],
        at: 'value',
        column: 1,
        message: 'environment variable GONE is not set (or give a default: ${GONE:-...})',
      },
    ]);
  });

  it('leaves a document without references untouched', () => {
    const { issues, data } = run('a: 1\nb: [x, "y"]\n');
    expect(issues).toEqual([]);
    expect(data).toEqual({ a: 1, b: ['x', 'y'] });
  });
});
