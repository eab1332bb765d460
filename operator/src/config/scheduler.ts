// The scheduler's own settings (docs/scheduling.md#the-operators-own-cap), given as
// `--scheduler-*` flags or keys of the ConfigMap named by --scheduler-config.
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { loadGroupSettings } from './cluster-sources.ts';
import type { FlagGroup, GroupFlags } from './flag-group.ts';

/** As given, by flag (`--scheduler-<name>`) or ConfigMap key. */
export interface SchedulerSettings {
  /** Runs in use at once over every suite; "0" for no cap. */
  maxActiveRuns?: string;
}

export const SCHEDULER_FLAGS: FlagGroup<SchedulerSettings> = {
  prefix: 'scheduler',
  what: 'scheduler',
  settings: [{ flag: 'scheduler-max-active-runs', key: 'maxActiveRuns' }],
};

export type SchedulerFlags = GroupFlags<SchedulerSettings>;

export interface SchedulerConfig {
  /** Absent: no cap. */
  maxActiveRuns: number | undefined;
}

/**
 * The default cap on runs in use at once. Each run in use holds its Job and, while it is not
 * running, its pod in the operator's caches: the default bounds them well within the heap V8 sizes
 * for the 512Mi limit config/manager ships (docs/performance.md, "At scale", measures what they and
 * the suites take). Raise it with the memory limit.
 */
export const DEFAULT_MAX_ACTIVE_RUNS = 10_000;

/** The settings resolved; a mistake is an error naming its flag. */
export function resolveSchedulerConfig(settings: SchedulerSettings): SchedulerConfig {
  const given = settings.maxActiveRuns;
  if (given === undefined) return { maxActiveRuns: DEFAULT_MAX_ACTIVE_RUNS };
  const value = Number(given);
  if (given.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(
      `--scheduler-max-active-runs must be a whole number of runs, 0 for no cap, got "${given}"`,
    );
  }
  return { maxActiveRuns: value === 0 ? undefined : value };
}

/** The settings from the flags over the ConfigMap named by --scheduler-config (the operator's namespace). */
export async function loadSchedulerConfig(
  flags: SchedulerFlags,
  client: KubeClient,
  namespace: string,
): Promise<SchedulerConfig> {
  return resolveSchedulerConfig(await loadGroupSettings(SCHEDULER_FLAGS, flags, client, namespace));
}
