import type { Logger } from '../log.js';
import { formatProblem, type Problem } from '../rollout/errors.js';
import { checkFiles, firstOfEachName } from '../rollout/loader.js';
import type { ConfigNames } from '../rollout/rules-config.js';
import type { Rollout } from '../rollout/types.js';
import { watchDir, type DirWatch } from './dir-watch.js';
import { diffRollouts, mergeWithLastGood, type RolloutChange } from './rollout-diff.js';

/*
 * The rollouts dir as the controller sees it: loaded once at start, then
 * watched. fs.watch reports bursts (an editor's temp file + rename, a git
 * checkout touching many files), so events are debounced and the whole dir is
 * reloaded and diffed by rollout name; the controller gets added / changed /
 * removed. A broken file is logged once per reload, one line per problem as
 * `path:line:col: message`, and skipped; every other rollout keeps running.
 * The watch survives the dir being replaced (dir-watch.ts). A dir that is
 * missing or unreadable for a moment (mid-checkout) keeps every rollout as it
 * was: unscheduling them all would drop their rollback protection. Two files
 * claiming one name: the one already running keeps it, the newcomer is
 * reported as the duplicate.
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
  /** how often the dir is re-checked without a watch event (default 10 s) */
  readonly rescanMs?: number;
  /** checks provider and notifier names against the config, so a typo is a problem at load, not a failed check */
  readonly config?: ConfigNames;
}

export function createRolloutLoader({
  dir,
  logger,
  debounceMs = 250,
  rescanMs = 10_000,
  config,
}: RolloutLoaderOptions): RolloutLoader {
  let current = new Map<string, Rollout>();
  let lastProblems: readonly Problem[] = [];
  let watcher: DirWatch | undefined;
  let timer: NodeJS.Timeout | undefined;
  // reloads never overlap: a burst during a reload queues exactly one more
  let reloading: Promise<RolloutChange[]> | undefined;
  let again = false;

  async function load(): Promise<RolloutChange[]> {
    const { checks, problems: dirProblems } = await checkFiles([dir], { config });
    if (dirProblems.length > 0) {
      // the dir itself is gone or unreadable: keep what runs, a rescan picks the dir up again
      lastProblems = dirProblems;
      for (const p of dirProblems)
        logger.error(
          { dir, problem: formatProblem(p) },
          'rollouts dir unreadable, keeping every rollout as loaded',
        );
      return [];
    }
    const running = new Map([...current.values()].map((r) => [r.name, r.source ?? '']));
    const { rollouts, problems: duplicates } = firstOfEachName(checks, running);
    const problems = [...checks.flatMap((c) => c.problems), ...duplicates];
    lastProblems = problems;
    const broken = new Set<string>();
    for (const p of checks.flatMap((c) => c.problems)) {
      broken.add(p.path);
      logger.error(
        { file: p.path, line: p.line, col: p.col, problem: formatProblem(p) },
        'rollout file invalid, skipped',
      );
    }
    for (const p of duplicates)
      logger.error({ file: p.path, problem: formatProblem(p) }, 'duplicate rollout name, file skipped');
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
      watcher = watchDir({
        dir,
        logger,
        rescanMs,
        onChange: () => {
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
        },
      });
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
