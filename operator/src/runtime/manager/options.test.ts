import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultManagerOptions, parseBindAddress, parseManagerOptions } from './options.ts';

describe('parseManagerOptions', () => {
  it('uses defaults: all namespaces, leader election on, controller-runtime lease timings', () => {
    const options = parseManagerOptions([], {});
    expect(options).toMatchObject({
      namespaces: [],
      leaderElection: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      healthProbeBindAddress: ':8081',
      metricsBindAddress: ':8080',
    });
    expect(options.kubeconfig).toBeUndefined();
  });

  it('prefers flags over environment', () => {
    const env = { WATCH_NAMESPACES: 'a,b', BENCH_WORKERS: '2', POD_NAME: 'pod-1', POD_NAMESPACE: 'ops' };
    expect(parseManagerOptions([], env)).toMatchObject({
      namespaces: ['a', 'b'],
      workers: 2,
      identity: 'pod-1',
      leaderElectionNamespace: 'ops',
    });
    expect(
      parseManagerOptions(
        ['--namespaces', 'c', '--workers=8', '--leader-elect=false', '--kubeconfig', '/k'],
        env,
      ),
    ).toMatchObject({ namespaces: ['c'], workers: 8, leaderElection: false, kubeconfig: '/k' });
  });

  it('has no client-side API rate limit unless --kube-api-qps sets one', () => {
    expect(parseManagerOptions([], {})).toMatchObject({ kubeApiQps: 0, kubeApiBurst: 30 });
    const env = { BENCH_KUBE_API_QPS: '5', BENCH_KUBE_API_BURST: '10' };
    expect(parseManagerOptions([], env)).toMatchObject({ kubeApiQps: 5, kubeApiBurst: 10 });
    expect(parseManagerOptions(['--kube-api-qps=20.5', '--kube-api-burst', '40'], env)).toMatchObject({
      kubeApiQps: 20.5,
      kubeApiBurst: 40,
    });
  });

  it('waits 30 s for in-flight reconciles on shutdown unless --graceful-shutdown-timeout says otherwise', () => {
    expect(parseManagerOptions([], {}).gracefulShutdownTimeoutMs).toBe(30_000);
    expect(parseManagerOptions(['--graceful-shutdown-timeout=1m30s'], {}).gracefulShutdownTimeoutMs).toBe(
      90_000,
    );
    expect(parseManagerOptions(['--graceful-shutdown-timeout', '0'], {}).gracefulShutdownTimeoutMs).toBe(0);
    expect(() => parseManagerOptions(['--graceful-shutdown-timeout=30'], {})).toThrow(
      '--graceful-shutdown-timeout must be a duration of 0 or more such as 30s or 1m30s, got "30"',
    );
    expect(() => parseManagerOptions(['--graceful-shutdown-timeout=-5s'], {})).toThrow(/0 or more/);
  });

  it('puts the Lease in the pod namespace when running in a cluster', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ns-')), 'namespace');
    writeFileSync(file, 'bench-system\n');
    expect(parseManagerOptions([], {}, file).leaderElectionNamespace).toBe('bench-system');
    expect(parseManagerOptions([], {}, '/nonexistent').leaderElectionNamespace).toBe('default');
  });

  it('rejects malformed values and unknown flags', () => {
    expect(() => parseManagerOptions(['--workers=0'], {})).toThrow(/positive integer/);
    expect(() => parseManagerOptions(['--leader-elect=maybe'], {})).toThrow(/true or false/);
    expect(() => parseManagerOptions(['--nope'], {})).toThrow();
    expect(() => parseManagerOptions(['--kube-api-qps=-1'], {})).toThrow(/0 or more/);
    expect(() => parseManagerOptions(['--kube-api-qps=fast'], {})).toThrow(/0 or more/);
    expect(() => parseManagerOptions(['--kube-api-burst=0'], {})).toThrow(/positive integer/);
    expect(() => parseManagerOptions(['--log-level=verbose'], {})).toThrow(/one of fatal, error, warn/);
    expect(parseManagerOptions([], { BENCH_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(defaultManagerOptions.workers).toBeGreaterThan(0);
  });
});

describe('parseBindAddress', () => {
  it('reads host:port and :port', () => {
    expect(parseBindAddress(':8081')).toEqual({ port: 8081 });
    expect(parseBindAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => parseBindAddress('8081')).toThrow();
  });
});
