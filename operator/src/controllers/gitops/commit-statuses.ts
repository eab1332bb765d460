// Reports each suite's rounds as commit statuses on GitHub (docs/gitops.md): pending when a
// round starts, success or failure when it completes, error when it cannot run or never
// finishes, on the commit of the round's revision. Statuses are derived from the suite's status
// changes as the cache sees them (core/gitops/commit-status.ts), queued per suite and created by
// a controller, so the leader alone reports them and no reconcile waits for GitHub.
//
// Nothing is stored outside the process: a status is idempotent per commit and context, so a new
// leader (after a restart or a failover) derives each suite's status again from the cache and
// reports it if it changed within RESTART_HORIZON_MS, covering what the previous leader may have
// had waiting when it stopped.
import type { Logger } from 'pino';
import { formatPattern, notAllowedMessage } from '../../core/gitops/allowed-repositories.ts';
import {
  changedSince,
  commitStatusesOf,
  type CommitStatus,
  type SuiteView,
} from '../../core/gitops/commit-status.ts';
import { sourceRevisionOf } from '../../core/suite/revision.ts';
import type { Caches, SuiteObject } from '../caches.ts';
import { requestKey, type Result } from '../../runtime/controller/request.ts';
import { referenceTo, type EventRecorder } from '../../runtime/events/recorder.ts';
import type { Manager } from '../../runtime/manager/manager.ts';
import { realClock, type Clock } from '../../runtime/time/clock.ts';
import { ItemExponentialFailureRateLimiter } from '../../runtime/workqueue/rate-limiters.ts';
import type { GitHubConfig } from '../../gitops/config.ts';
import { commitStatusClient, isRejection, type CommitStatusClient } from '../../gitops/github-client.ts';
import type { ManagedRevisions } from '../../gitops/managed-revisions.ts';
import { commitStatusMetrics, type CommitStatusMetrics } from '../../gitops/metrics.ts';
import { StatusOutbox } from '../../gitops/status-outbox.ts';

/** A new leader reports again what suites' statuses say changed this recently. */
export const RESTART_HORIZON_MS = 60 * 60 * 1000;
/** A status GitHub does not take (5xx, no answer, rate limits) is retried this long. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;
/** Statuses waiting per suite; past it, the oldest is dropped. */
export const WAITING_PER_SUITE = 10;
/** Between attempts of a suite's statuses, after octokit's own retries failed. */
const BACKOFF = { baseMs: 5_000, maxMs: 5 * 60 * 1000 };
/** GitHub spaces writes a second apart anyway; more workers only keep one slow suite from holding the rest. */
const WORKERS = 4;

export interface CommitStatusReporterOptions {
  client: CommitStatusClient;
  config: Pick<GitHubConfig, 'repository' | 'allowed' | 'contextPrefix' | 'targetURL'>;
  /** Suites as the cache has them, by `namespace/name`. */
  suites: { get(key: string): SuiteObject | undefined };
  /** The revision of the GitOps object managing a suite, when the operator reads those. */
  managedRevision?: ((suite: SuiteObject) => string | undefined) | undefined;
  /** Asks for the suite's waiting statuses to be delivered. */
  enqueue(key: string): void;
  metrics: CommitStatusMetrics;
  /** Where a suite hears that its repository is not allowed. */
  events: Pick<EventRecorder, 'emit'>;
  outbox: StatusOutbox;
  logger: Logger;
  clock?: Clock;
}

const keyOf = (suite: SuiteView) =>
  requestKey({ namespace: suite.metadata?.namespace ?? '', name: suite.metadata?.name ?? '' });

const logFields = (status: CommitStatus) => ({
  repository: `${status.repository.owner}/${status.repository.repo}`,
  sha: status.sha,
  context: status.context,
  state: status.state,
});

export class CommitStatusReporter {
  private readonly options: CommitStatusReporterOptions;
  private readonly clock: Clock;
  private readonly backoff = new ItemExponentialFailureRateLimiter<string>(BACKOFF.baseMs, BACKOFF.maxMs);
  /** Suites whose state has been derived since this replica began reporting. */
  private readonly derived = new Set<string>();
  /** Why each suite cannot be reported, as last logged. */
  private readonly unreportable = new Map<string, string>();
  /** Per suite, the last status refused for its repository (counted once) and the generation and repository last warned of. */
  private readonly refused = new Map<string, { status?: string; warned?: string }>();

  constructor(options: CommitStatusReporterOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
  }

  /** A suite changed (previous undefined: first seen; current undefined: deleted). */
  observe(previous: SuiteObject | undefined, current: SuiteObject | undefined): void {
    const suite = current ?? previous;
    if (!suite) return;
    const key = keyOf(suite);
    this.derived.add(key);
    const currentRevision = current
      ? sourceRevisionOf(current, this.options.managedRevision?.(current))
      : undefined;
    const { statuses, unreportable, notAllowed } = commitStatusesOf(
      previous,
      current,
      currentRevision,
      this.options.config,
    );
    if (unreportable !== undefined && this.unreportable.get(key) !== unreportable) {
      this.unreportable.set(key, unreportable);
      this.options.logger.debug({ suite: key, why: unreportable }, 'no commit status for the suite');
    }
    if (notAllowed) this.refuse(key, current, notAllowed);
    const now = this.clock.now();
    let queued = false;
    for (const status of statuses) {
      const added = this.options.outbox.add(key, status, now);
      queued ||= added.queued;
      for (const dropped of added.dropped) {
        this.options.metrics.counted(dropped.state, 'dropped');
        this.options.logger.warn(
          { suite: key, ...logFields(dropped), waitingPerSuite: WAITING_PER_SUITE },
          'commit status dropped: too many waiting for the suite',
        );
      }
    }
    if (queued) this.options.enqueue(key);
  }

  /**
   * Statuses for a repository the settings do not allow: nothing reaches GitHub; each is counted
   * once, and the suite is told (a Warning Event and a log line) once per generation and repository.
   */
  private refuse(key: string, suite: SuiteObject | undefined, statuses: CommitStatus[]): void {
    const refused = this.refused.get(key) ?? {};
    this.refused.set(key, refused);
    for (const status of statuses) {
      const fingerprint = JSON.stringify([status.repository, status.sha, status.state, status.description]);
      if (refused.status === fingerprint) continue;
      refused.status = fingerprint;
      this.options.metrics.counted(status.state, 'not_allowed');
    }
    const { repository } = statuses[0]!;
    const warned = `${suite?.metadata.generation ?? ''}/${repository.owner}/${repository.repo}`;
    if (!suite || refused.warned === warned) return;
    refused.warned = warned;
    const note = notAllowedMessage(repository);
    this.options.logger.warn({ suite: key, ...logFields(statuses[0]!) }, note);
    this.options.events.emit({
      regarding: referenceTo(suite),
      type: 'Warning',
      reason: 'CommitStatusRepositoryNotAllowed',
      action: 'CreateCommitStatus',
      note,
    });
  }

  /** Creates the suite's waiting statuses, oldest first; a failure to reach GitHub is retried later. */
  async deliver(key: string, signal: AbortSignal): Promise<Result> {
    const { outbox, client, metrics, logger } = this.options;
    if (!this.derived.has(key)) {
      const suite = this.options.suites.get(key);
      if (suite && changedSince(suite, this.clock.now() - RESTART_HORIZON_MS)) this.observe(undefined, suite);
      this.derived.add(key);
    }
    for (let pending = outbox.next(key); pending; pending = outbox.next(key)) {
      const { status } = pending;
      try {
        await client.create(status, signal);
      } catch (error) {
        if (signal.aborted) return {};
        const reason = (error as Error).message;
        if (isRejection(error)) {
          outbox.remove(key, pending);
          metrics.counted(status.state, 'rejected');
          logger.error(
            { suite: key, ...logFields(status), status: error.status, reason },
            'GitHub rejected the commit status; it is not retried',
          );
          continue;
        }
        if (this.clock.now() - pending.queuedAt >= GIVE_UP_AFTER_MS) {
          outbox.remove(key, pending);
          metrics.counted(status.state, 'failed');
          logger.error(
            { suite: key, ...logFields(status), reason, retriedForMs: GIVE_UP_AFTER_MS },
            'commit status not created: GitHub could not be reached; given up',
          );
          continue;
        }
        const retryInMs = this.backoff.when(key);
        logger.warn({ suite: key, ...logFields(status), reason, retryInMs }, 'commit status not created yet');
        return { requeueAfterMs: retryInMs };
      }
      outbox.accept(key, pending);
      metrics.counted(status.state, 'created');
      logger.info(
        { suite: key, ...logFields(status), description: status.description },
        'commit status created',
      );
    }
    this.backoff.forget(key);
    if (!this.options.suites.get(key)) {
      outbox.forget(key);
      this.derived.delete(key);
      this.unreportable.delete(key);
      this.refused.delete(key);
    }
    return {};
  }
}

/**
 * Wires the reporter onto the manager: suite changes are derived on the leader (a standby's
 * first reconcile as leader derives each suite again), and a controller delivers them.
 */
export function setupCommitStatuses(
  manager: Manager,
  caches: Caches,
  config: GitHubConfig,
  revisions?: ManagedRevisions,
): void {
  const logger = manager.logger.child({ controller: 'github-status' });
  const outbox = new StatusOutbox(WAITING_PER_SUITE);
  const controller = manager.controller({
    name: 'github-status',
    workers: WORKERS,
    reconcile: (request, context) => reporter.deliver(requestKey(request), context.signal),
  });
  const reporter = new CommitStatusReporter({
    client: commitStatusClient(config, logger),
    config,
    suites: caches.suites.store,
    managedRevision: revisions ? (suite) => revisions.of(suite) : undefined,
    enqueue: (key) => controller.queue.add(key),
    metrics: commitStatusMetrics(manager.registry, outbox),
    events: manager.events,
    outbox,
    logger,
  });
  // Adds (every suite at start-up) and deletions reach the controller; status changes reach the reporter.
  controller.watches(
    caches.suites,
    (suite) => [{ namespace: suite.metadata.namespace!, name: suite.metadata.name! }],
    {
      updates: () => false,
    },
  );
  caches.suites.addEventHandler({
    onUpdate: (previous, current) => {
      if (manager.isLeader()) reporter.observe(previous, current);
    },
    onDelete: (suite) => {
      if (manager.isLeader()) reporter.observe(suite, undefined);
    },
  });
  logger.info(
    {
      url: config.baseURL,
      credentials: config.credentials.kind,
      secret: config.secret,
      repository: config.repository ? `${config.repository.owner}/${config.repository.repo}` : undefined,
      allowedRepositories: config.allowed.map(formatPattern),
      contextPrefix: config.contextPrefix,
      timeoutMs: config.timeoutMs,
    },
    'GitHub commit statuses configured',
  );
}
