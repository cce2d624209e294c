import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../log.js';
import { formatProblem, type Problem } from '../rollout/errors.js';
import { loadRolloutsDir } from '../rollout/loader.js';
import type { ConfigNames } from '../rollout/rules.js';
import type { Rollout } from '../rollout/types.js';
import { diffRollouts, mergeWithLastGood, type RolloutChange } from './rollout-diff.js';

/*
 * The rollouts dir as the controller sees it: loaded once at start, then
 * watched. fs.watch reports bursts (an editor's temp file + rename, a git
 * checkout touching many files), so events are debounced and the whole dir is
 * reloaded and diffed by rollout name; the controller gets added / changed /
 * removed. A broken file is logged once per reload, one line per problem as
 * `path:line:col: message`, and skipped; every other rollout keeps running.
 */
export interface RolloutLoader {
  /** (Re)loads the dir and reports what changed since the last load. */
  reload(): Promise<RolloutChange[]>;
  /** Starts watching; changes are passed to `onChange` after the debounce. */
  watch(onChange: (changes: RolloutChange[]) => void): void;
  get(name: string): Rollout | undefined;
  all(): Rollout[];
  /** the problems of the last reload */
  problems(): readonly Problem[];
  close(): void;
}

export interface RolloutLoaderOptions {
  readonly dir: string;
  readonly logger: Logger;
  readonly debounceMs?: number;
  /** checks provider and notifier names against the config, so a typo is a problem at load, not a failed check */
  readonly config?: ConfigNames;
}

export function createRolloutLoader({
  dir,
  logger,
  debounceMs = 250,
  config,
}: RolloutLoaderOptions): RolloutLoader {
  let current = new Map<string, Rollout>();
  let lastProblems: readonly Problem[] = [];
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  // reloads never overlap: a burst during a reload queues exactly one more
  let reloading: Promise<RolloutChange[]> | undefined;
  let again = false;

  async function load(): Promise<RolloutChange[]> {
    const { rollouts, problems } = await loadRolloutsDir(dir, { config });
    lastProblems = problems;
    const broken = new Set<string>();
    for (const p of problems) {
      broken.add(p.path);
      logger.error(
        { file: p.path, line: p.line, col: p.col, problem: formatProblem(p) },
        'rollout file invalid, skipped',
      );
    }
    const next = mergeWithLastGood(current, rollouts, broken);
    for (const [name, r] of next) {
      if (!rollouts.includes(r))
        logger.warn({ rollout: name, file: r.source }, 'keeping the last valid version of the rollout');
    }
    const changes = diffRollouts(current, next);
    current = next;
    return changes;
  }

  async function reload(): Promise<RolloutChange[]> {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      let changes = await load();
      while (again) {
        again = false;
        changes = [...changes, ...(await load())];
      }
      return changes;
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  }

  return {
    reload,
    watch(onChange) {
      if (watcher) return;
      watcher = watch(dir, { persistent: false }, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          reload().then(
            (changes) => {
              if (changes.length > 0) onChange(changes);
            },
            (err: unknown) => logger.error({ dir, err }, 'rollouts dir reload failed'),
          );
        }, debounceMs);
      });
      watcher.on('error', (err) => logger.error({ dir, err }, 'rollouts dir watch failed'));
    },
    get(name) {
      return current.get(name);
    },
    all() {
      return [...current.values()];
    },
    problems() {
      return lastProblems;
    },
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
