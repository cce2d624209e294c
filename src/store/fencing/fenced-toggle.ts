import { StagegateError } from '../../errors.js';
import type { Leadership } from '../../ports/leadership.js';
import type { Gate, ToggleProvider, ToggleState } from '../../ports/toggle-provider.js';

/*
 * A toggle provider that only raises exposure while this replica provably
 * holds the lease: before a setPercent above 0 or an enable it asks the
 * database that its epoch is still live (holder, epoch, not expired by the
 * database clock) and checks its local deadline once more right before the
 * call. Writes toward off (setPercent 0, disable) are never fenced: a breach
 * turns the toggle off from any replica, even without the database.
 *
 * What remains: a process frozen between that last check and the request
 * leaving the socket can still send one stale write when it resumes. The
 * lease margin makes the window the time of one local function call, and
 * the store refuses the save that would record it.
 */
export class FencedToggleProvider implements ToggleProvider {
  readonly name: string;

  constructor(
    private readonly inner: ToggleProvider,
    private readonly leadership: Leadership,
  ) {
    this.name = inner.name;
  }

  read(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    return this.inner.read(feature, signal);
  }

  async setPercent(feature: string, percent: number, gate: Gate, signal?: AbortSignal): Promise<ToggleState> {
    if (percent > 0) await this.guard(feature);
    return this.inner.setPercent(feature, percent, gate, signal);
  }

  disable(feature: string, mode: 'zero' | 'disable', signal?: AbortSignal): Promise<ToggleState> {
    return this.inner.disable(feature, mode, signal);
  }

  async enable(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    await this.guard(feature);
    return this.inner.enable(feature, signal);
  }

  private async guard(feature: string): Promise<void> {
    const token = this.leadership.fence();
    await this.leadership.confirm(token);
    if (!this.leadership.isLeader() || this.leadership.epoch() !== token.epoch) {
      throw new StagegateError('E_FENCED', `toggle write for ${feature} refused: the lease was lost`, {
        feature,
        epoch: token.epoch,
      });
    }
  }
}
