import type { EventRecorder } from '../runtime/events/recorder.ts';
import type { EventReference } from '../runtime/events/event.ts';
import type { PendingRecords } from './pending.ts';

export interface BacklogOptions {
  pending: PendingRecords;
  /** The bound: at it, no run is admitted (the scheduler defers every run with AuditBacklogFull). */
  limit: number;
  /** The fraction of the bound one namespace's records may take: at it, that namespace's runs wait. */
  namespaceShare: number;
  events: Pick<EventRecorder, 'emit'>;
  /** The operator's own object, where the backlog's Events go (its Pod). */
  regarding: EventReference;
}

type Level = 'ok' | 'high' | 'full';

/** Share of the bound past which the backlog is reported as growing. */
export const HIGH_WATERMARK = 0.8;

/**
 * The smallest namespace share, in records (or the whole bound when it is smaller): one scheduling
 * pass over a namespace's suites writes a record per run it admits or defers, so a smaller share
 * would hold a namespace back after a single pass.
 */
export const MIN_NAMESPACE_SHARE = 100;

/**
 * The level reported: once Full, a backlog stays Full until it is under the high watermark, so one
 * that hovers at its bound (each acknowledgement making room for the next decision) says so once.
 */
function levelOf(count: number, limit: number, was: Level): Level {
  if (count >= limit) return 'full';
  if (count >= limit * HIGH_WATERMARK) return was === 'full' ? 'full' : 'high';
  return 'ok';
}

/**
 * Watches the audit backlog, as a whole against its bound and each namespace's records against
 * the namespace's share of it, so one namespace whose suites decide a lot while the webhook is
 * away holds back its own runs only: for each, an Event when it passes 80 % (AuditBacklogHigh),
 * when it reaches the bound or share (AuditBacklogFull) and when it is back under 80 %
 * (AuditBacklogCleared); and tells the scheduler when there is room again, so deferred runs are
 * admitted at once.
 */
export class BacklogMonitor {
  private readonly options: BacklogOptions;
  /** Records one namespace may hold; undefined when that is the whole bound (no separate share). */
  private readonly share: number | undefined;
  private readonly roomListeners: Array<() => void> = [];
  private level: Level = 'ok';
  /** Namespaces whose level is not ok. */
  private readonly namespaceLevels = new Map<string, Level>();
  /** What hold() said at the last check: the whole backlog was full, these namespaces at their share. */
  private wasFull = false;
  private held = new Set<string>();

  constructor(options: BacklogOptions) {
    this.options = options;
    const share = Math.max(MIN_NAMESPACE_SHARE, Math.floor(options.limit * options.namespaceShare));
    this.share = share < options.limit ? share : undefined;
  }

  /** Why runs of the namespace may not be admitted now, or undefined when they may. */
  hold(namespace: string): string | undefined {
    const { pending, limit } = this.options;
    if (pending.size >= limit)
      return `the audit backlog is at its bound of ${limit} records: runs are admitted again once the audit webhook has acknowledged records`;
    if (this.share !== undefined && pending.sizeOf(namespace) >= this.share)
      return `the audit records of namespace ${namespace} fill its share of the audit backlog (${this.share} of the bound of ${limit} records): its runs are admitted again once the audit webhook has acknowledged records; other namespaces' runs still are`;
    return undefined;
  }

  onRoom(listener: () => void): void {
    this.roomListeners.push(listener);
  }

  /** Call after the backlog changed on this replica's account (a write, an acknowledgement). */
  check(): void {
    const { pending, limit } = this.options;
    this.level = this.report(undefined, pending.size, limit, this.level);
    const full = pending.size >= limit;
    const held = new Set<string>();
    if (this.share !== undefined) {
      const share = this.share;
      const seen = new Set<string>();
      for (const [namespace, count] of pending.namespaces()) {
        seen.add(namespace);
        if (count >= share) held.add(namespace);
        this.reportNamespace(namespace, count, share);
      }
      for (const namespace of [...this.namespaceLevels.keys()].filter((ns) => !seen.has(ns)))
        this.reportNamespace(namespace, 0, share);
    }
    const room = (this.wasFull && !full) || [...this.held].some((namespace) => !held.has(namespace));
    this.wasFull = full;
    this.held = held;
    if (room) for (const listener of this.roomListeners) listener();
  }

  private reportNamespace(namespace: string, count: number, share: number): void {
    const level = this.report(namespace, count, share, this.namespaceLevels.get(namespace) ?? 'ok');
    if (level === 'ok') this.namespaceLevels.delete(namespace);
    else this.namespaceLevels.set(namespace, level);
  }

  /** Emits the Event of a change of level of the whole backlog (no namespace) or of a namespace's share. */
  private report(namespace: string | undefined, count: number, limit: number, was: Level): Level {
    const level = levelOf(count, limit, was);
    if (level === was) return level;
    const high = `${Math.round(HIGH_WATERMARK * 100)}%`;
    const what =
      namespace === undefined
        ? { subject: 'the audit backlog', bound: `its bound of ${limit} records`, runs: 'no run' }
        : {
            subject: `the audit records of namespace ${namespace}`,
            bound: `its share of the audit backlog (${limit} of the bound of ${this.options.limit} records)`,
            runs: `no run of namespace ${namespace}`,
          };
    if (level === 'full') {
      this.emit(
        namespace,
        'Warning',
        'AuditBacklogFull',
        `${what.subject} reached ${what.bound}: ${what.runs} is admitted until the audit webhook has acknowledged records`,
      );
    } else if (level === 'high') {
      this.emit(
        namespace,
        'Warning',
        'AuditBacklogHigh',
        `${what.subject} passed ${high} of ${what.bound}: the audit webhook is down or slower than the decisions`,
      );
    } else {
      this.emit(
        namespace,
        'Normal',
        'AuditBacklogCleared',
        `${what.subject} is below ${high} of ${what.bound} again`,
      );
    }
    return level;
  }

  private emit(
    namespace: string | undefined,
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
  ): void {
    this.options.events.emit({
      regarding: this.options.regarding,
      ...(namespace === undefined
        ? {}
        : { related: { apiVersion: 'v1', kind: 'Namespace', name: namespace } }),
      type,
      reason,
      action: 'Audit',
      note,
    });
  }
}
