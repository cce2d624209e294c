import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';

/*
 * A watch on the rollouts dir that survives the dir being replaced. fs.watch
 * (inotify) follows the inode: after `rm -rf rollouts && git checkout`, a
 * ConfigMap update or a deploy that swaps the dir, it watches a deleted
 * directory and never fires again. So the dir's identity (device + inode) is
 * checked on every event and on a timer; when it changed, or the watcher
 * failed, the watch is re-armed on the new dir. The timer also compares a
 * cheap signature of the entries (names, and size/mtime/inode of what they
 * point to, through symlinks), so a change no event reported (network
 * filesystems, a `..data` symlink swap seen only from the old inode) is still
 * picked up within one rescan.
 */

export interface DirWatch {
  close(): void;
}

export interface DirWatchOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** how often the dir is re-checked without an event (ms) */
  readonly rescanMs: number;
  /** something may have changed: the caller reloads (debounced there) */
  readonly onChange: (why: 'event' | 'replaced' | 'rescan') => void;
}

async function identity(dir: string): Promise<string | null> {
  try {
    const s = await stat(dir);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** names and what they resolve to; null when the dir cannot be read */
export async function dirSignature(dir: string): Promise<string | null> {
  try {
    const names = (await readdir(dir)).sort();
    const parts = await Promise.all(
      names.map(async (n) => {
        const s = await stat(join(dir, n)).catch(() => null);
        return s ? `${n}:${s.ino}:${s.size}:${s.mtimeMs}` : `${n}:-`;
      }),
    );
    return parts.join('|');
  } catch {
    return null;
  }
}

export function watchDir({ dir, logger, rescanMs, onChange }: DirWatchOptions): DirWatch {
  let watcher: FSWatcher | undefined;
  let armedOn: string | null = null;
  let signature: string | null | undefined;
  let closed = false;
  let checking = false;

  const arm = async (): Promise<void> => {
    watcher?.close();
    watcher = undefined;
    armedOn = await identity(dir);
    if (closed || armedOn === null) return;
    try {
      watcher = watch(dir, { persistent: false }, () => onChange('event'));
      watcher.on('error', (err) => {
        logger.warn({ dir, error: err.message }, 'rollouts dir watch failed, re-arming at the next rescan');
        watcher?.close();
        watcher = undefined;
        armedOn = null;
      });
    } catch (err) {
      logger.warn(
        { dir, error: err instanceof Error ? err.message : String(err) },
        'rollouts dir not watchable',
      );
      armedOn = null;
    }
  };

  const check = async (): Promise<void> => {
    if (checking || closed) return;
    checking = true;
    try {
      const now = await identity(dir);
      if (now !== armedOn || watcher === undefined) {
        const was = armedOn;
        await arm();
        if (now !== null) {
          logger.warn({ dir, replaced: was !== null }, 'rollouts dir replaced or back: watching it again');
          signature = await dirSignature(dir);
          onChange('replaced');
          return;
        }
      }
      const next = await dirSignature(dir);
      if (signature !== undefined && next !== signature) onChange('rescan');
      signature = next;
    } finally {
      checking = false;
    }
  };

  void arm().then(async () => {
    signature = await dirSignature(dir);
  });
  const timer = setInterval(() => void check(), rescanMs);
  timer.unref();
  return {
    close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
