// bench-operator: reconciles BenchmarkSuites, ProviderPolicies and SchedulePolicies into Jobs.
import { parseAuditArgs, splitAuditArgs } from './audit/config.ts';
import { ARTIFACTS_FLAGS, loadArtifactStore } from './config/artifacts.ts';
import { loadAuditConfig, setupAudit } from './audit/setup.ts';
import { parseGroupArgs, splitGroupArgs } from './config/flag-group.ts';
import { loadSchedulerConfig, SCHEDULER_FLAGS } from './config/scheduler.ts';
import { setupCommitStatuses } from './controllers/gitops/commit-statuses.ts';
import { setupControllers } from './controllers/setup.ts';
import { GITOPS_FLAGS } from './gitops/config.ts';
import { setupManagedRevisions } from './gitops/managed-revisions.ts';
import { loadGitOpsConfig } from './gitops/setup.ts';
import { Manager } from './runtime/manager/manager.ts';
import { parseManagerOptions } from './runtime/manager/options.ts';

async function main(): Promise<void> {
  const args = splitAuditArgs(process.argv.slice(2));
  const gitopsArgs = splitGroupArgs(args.rest, GITOPS_FLAGS.prefix);
  const artifactsArgs = splitGroupArgs(gitopsArgs.rest, ARTIFACTS_FLAGS.prefix);
  const schedulerArgs = splitGroupArgs(artifactsArgs.rest, SCHEDULER_FLAGS.prefix);
  const options = parseManagerOptions(schedulerArgs.rest, process.env);
  const auditFlags = parseAuditArgs(args.audit);
  const gitopsFlags = parseGroupArgs(GITOPS_FLAGS, gitopsArgs.group);
  const artifactsFlags = parseGroupArgs(ARTIFACTS_FLAGS, artifactsArgs.group);
  const schedulerFlags = parseGroupArgs(SCHEDULER_FLAGS, schedulerArgs.group);
  const manager = await Manager.create(options);
  // The outbox, the signing key Secret and the GitHub credentials Secret live in the operator's
  // own namespace, with its Lease.
  const auditConfig = await loadAuditConfig(auditFlags, manager.client, options.leaderElectionNamespace);
  const gitops = await loadGitOpsConfig(gitopsFlags, manager.client, options.leaderElectionNamespace);
  const artifacts = await loadArtifactStore(artifactsFlags, manager.client, options.leaderElectionNamespace);
  const scheduler = await loadSchedulerConfig(
    schedulerFlags,
    manager.client,
    options.leaderElectionNamespace,
  );
  const revisions = await setupManagedRevisions(manager, gitops.revisions);
  const caches = setupControllers(manager, {
    audit: auditConfig ? setupAudit(manager, auditConfig) : undefined,
    revisions,
    artifacts,
    maxActiveRuns: scheduler.maxActiveRuns,
  });
  if (gitops.github) setupCommitStatuses(manager, caches, gitops.github, revisions);
  manager.handleSignals();
  await manager.start();
  manager.logger.info(
    {
      healthPort: manager.healthPort(),
      metricsPort: manager.metricsPort(),
      namespaces: options.namespaces,
      audit: auditConfig !== undefined,
      artifacts: artifacts ? `s3://${artifacts.bucket}/${artifacts.prefix}` : undefined,
      maxActiveRuns: scheduler.maxActiveRuns ?? 'no cap',
    },
    'bench-operator started',
  );
  const code = await manager.done;
  // The manager has drained its work and released the lease; sockets still open (watches being
  // torn down, keep-alive connections) must not keep the process around, as a Go operator's
  // main returning would not.
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
