// bench-operator: reconciles BenchmarkSuites, ProviderPolicies and SchedulePolicies into Jobs.
import { parseAuditArgs, splitAuditArgs } from './audit/config.ts';
import { loadAuditConfig, setupAudit } from './audit/setup.ts';
import { setupControllers } from './controllers/setup.ts';
import { Manager } from './runtime/manager/manager.ts';
import { parseManagerOptions } from './runtime/manager/options.ts';

async function main(): Promise<void> {
  const args = splitAuditArgs(process.argv.slice(2));
  const options = parseManagerOptions(args.rest, process.env);
  const auditFlags = parseAuditArgs(args.audit);
  const manager = await Manager.create(options);
  // The outbox and the signing key Secret live in the operator's own namespace, with its Lease.
  const auditConfig = await loadAuditConfig(auditFlags, manager.client, options.leaderElectionNamespace);
  setupControllers(manager, { audit: auditConfig ? setupAudit(manager, auditConfig) : undefined });
  manager.handleSignals();
  await manager.start();
  manager.logger.info(
    {
      healthPort: manager.healthPort(),
      metricsPort: manager.metricsPort(),
      namespaces: options.namespaces,
      audit: auditConfig !== undefined,
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
