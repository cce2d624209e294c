import type { Problem } from './errors.js';
import { readSource } from './read-source.js';
import type { Rollout } from './types.js';
import { parseYamlSource, problemAt, type YamlSource } from './yaml-source.js';

/*
 * `validate --features <vets-api>/config/features.yml` (issue 13): the gate
 * must fit the feature. vets-api declares every Flipper feature in
 * config/features.yml,
 *   features:
 *     some_feature:
 *       actor_type: user          # or cookie_id
 *       description: ...
 *       enable_in_development: true
 * and `rake features:setup` deletes features not declared there. The file
 * cannot show call sites, so the findings say what to check in the code.
 */

export interface DeclaredFeature {
  readonly name: string;
  /** `user`, `cookie_id`, or undefined when the entry has none */
  readonly actorType: string | undefined;
  readonly line: number;
  readonly col: number;
}

export type FindingLevel = 'error' | 'warning' | 'note';

export interface FeatureFinding extends Problem {
  readonly level: FindingLevel;
}

export type FeaturesParse =
  | { readonly ok: true; readonly path: string; readonly features: ReadonlyMap<string, DeclaredFeature> }
  | { readonly ok: false; readonly problems: Problem[] };

/** Reads and parses a features.yml; problems (unreadable, not YAML, no `features:` mapping) are data. */
export async function readFeaturesFile(path: string): Promise<FeaturesParse> {
  const text = await readSource(path);
  if (typeof text !== 'string') return { ok: false, problems: [text] };
  return parseFeaturesText(text, path);
}

export function parseFeaturesText(text: string, path: string): FeaturesParse {
  const parsed = parseYamlSource(text, path, 'a mapping with `features:` (vets-api config/features.yml)');
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { source } = parsed;
  const root = source.data;
  const features = isRecord(root) ? root['features'] : undefined;
  if (!isRecord(features)) {
    const at = problemAt(source, { path: [], at: 'parent', message: '' });
    return {
      ok: false,
      problems: [
        { ...at, message: 'expected a `features:` mapping of feature names (vets-api config/features.yml)' },
      ],
    };
  }
  // no prototype: a feature may be called `constructor` or `__proto__`
  const declared = new Map<string, DeclaredFeature>();
  for (const [name, entry] of Object.entries(features)) {
    const actor = isRecord(entry) ? entry['actor_type'] : undefined;
    const { line, col } = keyAt(source, name);
    declared.set(name, { name, actorType: typeof actor === 'string' ? actor : undefined, line, col });
  }
  return { ok: true, path, features: declared };
}

/** Findings for each rollout's feature; `at` locates `toggle.feature` in its rollout file. */
export function checkFeatures(
  rollouts: readonly Rollout[],
  declared: ReadonlyMap<string, DeclaredFeature>,
  featuresPath: string,
  at: (rollout: Rollout) => { path: string; line: number; col: number },
): FeatureFinding[] {
  const findings: FeatureFinding[] = [];
  for (const rollout of rollouts) {
    const { feature, gate } = rollout.toggle;
    const where = at(rollout);
    const add = (level: FindingLevel, message: string) => findings.push({ ...where, level, message });
    const entry = declared.get(feature);
    if (entry === undefined) {
      add(
        'error',
        `toggle.feature: ${feature} is not declared in ${featuresPath} (rake features:setup deletes undeclared features)`,
      );
      continue;
    }
    const declaredAt = `${featuresPath}:${String(entry.line)}`;
    const actor = entry.actorType ?? 'none';
    add('note', `toggle.feature: ${feature} is declared at ${declaredAt} with actor_type ${actor}`);
    if (entry.actorType === 'cookie_id') {
      add(
        'warning',
        `toggle.feature: ${feature} has actor_type cookie_id: the actors are anonymous browsers (cookies), not users; one person on two browsers is two actors, and percentages are shares of cookies`,
      );
    }
    if (gate === 'percentage_of_actors') {
      add(
        'warning',
        `toggle.gate: percentage_of_actors needs an actor at every call site: Flipper.enabled?(:${feature}) without one is false at every percentage, even 100%; check the call sites (docs/vets-api.md), and ramp actor-less checks with percentage_of_time`,
      );
    }
  }
  return findings;
}

/** Where `toggle.feature` sits in a rollout file, for findings; line 1 col 1 when it cannot be found. */
export async function locateToggleFeature(
  rollout: Rollout,
): Promise<{ path: string; line: number; col: number }> {
  const path = rollout.source ?? rollout.name;
  if (rollout.source === undefined) return { path, line: 1, col: 1 };
  const text = await readSource(rollout.source);
  if (typeof text !== 'string') return { path, line: 1, col: 1 };
  const parsed = parseYamlSource(text, path, 'a rollout mapping');
  if (!parsed.ok) return { path, line: 1, col: 1 };
  const { line, col } = problemAt(parsed.source, { path: ['toggle', 'feature'], at: 'value', message: '' });
  return { path, line, col };
}

export function formatFinding(f: FeatureFinding): string {
  return `${f.path}:${String(f.line)}:${String(f.col)}: ${f.level}: ${f.message}`;
}

function keyAt(source: YamlSource, name: string): { line: number; col: number } {
  const { line, col } = problemAt(source, { path: ['features', name], at: 'key', message: '' });
  return { line, col };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
