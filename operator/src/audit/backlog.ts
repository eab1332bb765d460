import type { EventRecorder } from '../runtime/events/recorder.ts';
import type { EventReference } from '../runtime/events/event.ts';
import type { PendingRecords } from './pending.ts';

export interface BacklogOptions {
  pending: PendingRecords;
  /** The bound: at it, no run is admitted (the scheduler defers every run with AuditBacklogFull). */
  limit: number;
  events: Pick<EventRecorder, 'emit'>;
  /** The operator's own object, where the backlog's Events go (its Pod). */
  regarding: EventReference;
}

type Level = 'ok' | 'high' | 'full';

/** Share of the bound past which the backlog is reported as growing. */
export const HIGH_WATERMARK = 0.8;

/**
 * Watches the audit backlog: an Event when it passes 80 % of its bound (AuditBacklogHigh), when it
 * reaches the bound (AuditBacklogFull) and when it is back under 80 % (AuditBacklogCleared); and
 * tells the scheduler when there is room again, so deferred runs are admitted at once.
 */
export class BacklogMonitor {
  private readonly options: BacklogOptions;
  private readonly roomListeners: Array<() => void> = [];
  private level: Level = 'ok';

  constructor(options: BacklogOptions) {
    this.options = options;
  }

  isFull(): boolean {
    return this.options.pending.size >= this.options.limit;
  }

  onRoom(listener: () => void): void {
    this.roomListeners.push(listener);
  }

  /** Call after the backlog changed on this replica's account (a write, an acknowledgement). */
  check(): void {
    const { pending, limit } = this.options;
    const level: Level =
      pending.size >= limit ? 'full' : pending.size >= limit * HIGH_WATERMARK ? 'high' : 'ok';
    const was = this.level;
    if (level === was) return;
    this.level = level;
    if (level === 'full') {
      this.emit(
        'Warning',
        'AuditBacklogFull',
        `the audit backlog reached its bound of ${limit} records: no run is admitted until the audit webhook has acknowledged records`,
      );
    } else if (level === 'high' && was === 'ok') {
      this.emit(
        'Warning',
        'AuditBacklogHigh',
        `the audit backlog passed ${Math.round(HIGH_WATERMARK * 100)}% of its bound of ${limit} records: the audit webhook is down or slower than the decisions`,
      );
    } else if (level === 'ok') {
      this.emit(
        'Normal',
        'AuditBacklogCleared',
        `the audit backlog is below ${Math.round(HIGH_WATERMARK * 100)}% of its bound of ${limit} records again`,
      );
    }
    if (was === 'full') for (const listener of this.roomListeners) listener();
  }

  private emit(type: 'Normal' | 'Warning', reason: string, note: string): void {
    this.options.events.emit({ regarding: this.options.regarding, type, reason, action: 'Audit', note });
  }
}
