import type { FenceableStore, Leadership } from '../../ports/leadership.js';
import type {
  HistoryEntry,
  HistoryPage,
  RolloutRecord,
  SaveOptions,
  StateStore,
  StoreHealth,
  StoreScan,
} from '../../ports/state-store.js';

/*
 * The state store as the leader's runtime sees it: every save and every
 * history append carries the leader's epoch and is refused with E_FENCED
 * when this replica is not the leader or a newer epoch exists (checked by the
 * store in the same transaction as the write). History entries about a write
 * toward off are the exception: a rollback is recorded by whoever made it,
 * deposed or not, because fencing must never hide that the toggle went off.
 * (They are appended on their own, never inside a save.) Reads pass through.
 */

/** a toggle intent or result that turns exposure down to 0 */
export function isTowardOff(entry: HistoryEntry): boolean {
  if (entry.type === 'toggle-intent') return entry.intent.action === 'disable' || entry.intent.percent === 0;
  if (entry.type === 'toggle-result') return entry.percent === 0;
  return false;
}

export class FencedStore implements StateStore {
  /** the inner store's, when it has them: /readyz reads a file store's health and unreadable records */
  readonly scan?: () => Promise<StoreScan>;
  readonly health?: () => StoreHealth;

  constructor(
    private readonly inner: FenceableStore,
    private readonly leadership: Leadership,
  ) {
    const { scan, health } = inner;
    if (scan) this.scan = () => scan.call(inner);
    if (health) this.health = () => health.call(inner);
  }

  load(name: string): Promise<RolloutRecord | undefined> {
    return this.inner.load(name);
  }

  /** the step's entries are fenced with the record: a deposed leader's save leaves no trace */
  async save(record: RolloutRecord, expectedVersion: number, opts?: SaveOptions): Promise<RolloutRecord> {
    return this.inner.saveFenced(record, expectedVersion, this.leadership.fence(), opts);
  }

  async appendHistory(name: string, entry: HistoryEntry): Promise<void> {
    if (isTowardOff(entry)) return this.inner.appendHistory(name, entry);
    return this.inner.appendHistoryFenced(name, entry, this.leadership.fence());
  }

  history(name: string, page?: HistoryPage): Promise<HistoryEntry[]> {
    return this.inner.history(name, page);
  }

  list(): Promise<RolloutRecord[]> {
    return this.inner.list();
  }
}
