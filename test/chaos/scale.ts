// How big a chaos run is: `short` runs in `make test`, `full` is `make chaos` (docs/chaos.md).
export interface ChaosScale {
  name: 'short' | 'full';
  suites: number;
  /** Each suite has two targets on neighbouring providers, so runs = suites × 2 × benchmarks. */
  benchmarksPerSuite: number;
  providers: number;
  /** Each provider's maxConcurrentRuns. */
  cap: number;
  /** How long a simulated run takes: KWOK's pod-complete delay and its upper bound. */
  runDelay: string;
  runJitter: string;
  leaderKills: number;
  apiServerRestarts: number;
  etcdRestarts: number;
  /** etcd compactions each followed by an API server restart, so every watch resumes into 410 Gone. */
  compactions: number;
  /** How long the audit sink refuses connections, once, in the middle of the run. */
  sinkDownMs: number;
  /** The test's own timeout: generous, so an invariant rather than the clock says what went wrong. */
  timeoutMs: number;
}

const SCALES: Record<ChaosScale['name'], ChaosScale> = {
  short: {
    name: 'short',
    suites: 5,
    benchmarksPerSuite: 10,
    providers: 5,
    cap: 2,
    runDelay: '2s',
    runJitter: '4s',
    leaderKills: 4,
    apiServerRestarts: 1,
    etcdRestarts: 1,
    compactions: 1,
    sinkDownMs: 20_000,
    timeoutMs: 12 * 60_000,
  },
  full: {
    name: 'full',
    suites: 50,
    benchmarksPerSuite: 10,
    providers: 5,
    cap: 4,
    runDelay: '5s',
    runJitter: '9s',
    leaderKills: 50,
    apiServerRestarts: 3,
    etcdRestarts: 1,
    compactions: 1,
    sinkDownMs: 120_000,
    timeoutMs: 60 * 60_000,
  },
};

export function chaosScale(name = process.env.CHAOS_SCALE ?? 'short'): ChaosScale {
  const scale = SCALES[name as ChaosScale['name']];
  if (!scale) throw new Error(`CHAOS_SCALE must be one of ${Object.keys(SCALES).join(', ')}, not "${name}"`);
  return scale;
}
