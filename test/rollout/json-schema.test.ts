import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ROLLOUT_SCHEMA_ID,
  rolloutJsonSchema,
  rolloutJsonSchemaText,
} from '../../src/rollout/json-schema.js';

describe('rollout JSON Schema', () => {
  it('config/rollout.schema.json is the current `stagegate schema` output (run it to refresh the file)', () => {
    expect(readFileSync('config/rollout.schema.json', 'utf8')).toBe(rolloutJsonSchemaText());
  });

  it('identifies itself and describes the top-level keys', () => {
    const schema = rolloutJsonSchema();
    expect(schema.$id).toBe(ROLLOUT_SCHEMA_ID);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('stagegate rollout');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'toggle', 'check', 'stages']);
    expect(Object.keys(schema.properties as object)).toEqual([
      '$schema',
      'name',
      'description',
      'toggle',
      'start',
      'check',
      'stages',
      'samples',
      'metrics',
      'criteria',
      'policy',
      'postLaunch',
      'notify',
      'report',
    ]);
  });

  it.each(['rollouts/event-bus-gateway-emails.yaml', 'rollouts/vre-eligibility-status-updates.yaml'])(
    '%s points editors at the schema and uses only keys it knows',
    (path) => {
      const text = readFileSync(path, 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../config/rollout.schema.json');
      const known = Object.keys(rolloutJsonSchema().properties as object);
      for (const key of Object.keys(parse(text) as object)) expect(known).toContain(key);
    },
  );
});
