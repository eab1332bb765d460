// bench-operator: reconciles BenchmarkSuites, ProviderPolicies and SchedulePolicies into Jobs.
import { setupControllers } from './controllers/setup.ts';
import { Manager } from './runtime/manager/manager.ts';
import { parseManagerOptions } from './runtime/manager/options.ts';

async function main(): Promise<void> {
  const options = parseManagerOptions(process.argv.slice(2), process.env);
  const manager = await Manager.create(options);
  setupControllers(manager);
  manager.handleSignals();
  await manager.start();
  manager.logger.info(
    { healthPort: manager.healthPort(), metricsPort: manager.metricsPort(), namespaces: options.namespaces },
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
