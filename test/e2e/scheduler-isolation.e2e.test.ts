// One bad run never slows the others: a suite whose Job the API server refuses (a ResourceQuota
// that admits no Job in its namespace) waits out its own backoff with reason JobRejected, while
// another suite's retry, due 5 s after its first attempt failed, is created on time.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DECISION_ID_ANNOTATION } from '../../operator/src/controllers/decision-recorder.ts';
import { REJECTION_BACKOFF } from '../../operator/src/controllers/scheduler/rejections.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

// Two namespaces: the quota refuses every Job in its own, so the healthy suite runs in the other.
const refusedNamespace = useNamespace('iso-refused');
const healthyNamespace = useNamespace('iso-healthy');
stopOperatorsAfterAll();

const RETRY_SECONDS = 5;
/** How late the retry may be created: the pass's latency and the timestamps' whole seconds. */
const RETRY_TOLERANCE_SECONDS = 3;
/** The operator's backoff after a Job's first refusal. */
const FIRST_REJECTION_BACKOFF_MS = REJECTION_BACKOFF.initialMs;

const runner = {
  image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
  resources: { requests: { cpu: '10m' } },
};

const manifests = (...objects: object[]) => objects.map((o) => stringify(o)).join('---\n');

const provider = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name: 'p' },
  spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid' },
};

function suite(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: { runner, benchmarks: [{ name: 'b' }], ...spec },
  };
}

interface JobItem {
  metadata: { name: string; creationTimestamp: string };
  status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
}

interface EventItem {
  metadata: { annotations?: Record<string, string> };
  reason?: string;
  note?: string;
}

/** The JobRejected Events of a suite, each with the time of its refusal (the end of its decision id). */
async function rejections(namespace: string, suite: string) {
  const { items } = await kubectlGetJson<{ items: EventItem[] }>(
    [
      'events.v1.events.k8s.io',
      '--field-selector',
      `regarding.kind=BenchmarkSuite,regarding.name=${suite},reason=JobRejected`,
    ],
    { namespace },
  );
  return items
    .map((e) => {
      const id = e.metadata.annotations?.[DECISION_ID_ANNOTATION] ?? '';
      return { at: Date.parse(id.slice(id.lastIndexOf('/') + 1)), note: e.note ?? '', id };
    })
    .sort((a, b) => a.at - b.at);
}

describe('scheduler isolation', () => {
  it("retries one suite on time while another's Job is refused, and backs off the refused one alone", async () => {
    const refusedNs = refusedNamespace();
    const healthyNs = healthyNamespace();

    await kubectlApply(
      manifests({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'no-jobs' },
        spec: { hard: { 'count/jobs.batch': '0' } },
      }),
      { namespace: refusedNs },
    );
    // The quota refuses Jobs once the API server has it (a server-side dry run says so).
    await waitFor(
      `the ResourceQuota no-jobs to refuse Jobs in ${refusedNs}`,
      async () => {
        const probe = await kubectl(
          ['create', 'job', 'quota-probe', '--image=busybox', '--dry-run=server', '-o', 'name'],
          { namespace: refusedNs, allowFailure: true },
        );
        return { done: /exceeded quota: no-jobs/.test(probe.stderr), seen: probe.stderr || probe.stdout };
      },
      { timeoutMs: 30_000 },
    );

    await kubectlApply(
      manifests(provider, suite('refused', { targets: [{ name: 't', providerRef: 'p', model: 'm' }] })),
      {
        namespace: refusedNs,
      },
    );
    await kubectlApply(
      manifests(
        provider,
        suite('retried', {
          retry: { limit: 2, backoff: { initial: `${RETRY_SECONDS}s`, jitterPercent: 0 } },
          targets: [
            {
              name: 't',
              providerRef: 'p',
              model: 'm',
              parameters: { 'kwok.exit-code': '3', 'kwok.fail-until-attempt': '1' },
            },
          ],
        }),
      ),
      { namespace: healthyNs },
    );
    startOperator({ namespaces: [refusedNs, healthyNs] });

    // The healthy suite: attempt 1 fails, attempt 2 is created 5 s later and succeeds.
    const done = await waitForSuite(healthyNs, 'retried', (s) => s.phase === 'Succeeded', 90_000);
    expect(done.runs?.[0]).toMatchObject({ state: 'Succeeded', attempt: 2 });
    const jobs = (
      await kubectlGetJson<{ items: JobItem[] }>(['jobs', '-l', 'bench.dev/suite=retried'], {
        namespace: healthyNs,
      })
    ).items;
    const first = jobs.find((j) => j.metadata.name === 'retried-1-b-t');
    const second = jobs.find((j) => j.metadata.name === 'retried-1-b-t-a2');
    const failedAt = first?.status?.conditions?.find(
      (c) => c.type === 'Failed' && c.status === 'True',
    )?.lastTransitionTime;
    expect(failedAt, `attempt 1's Failed condition; Jobs seen: ${JSON.stringify(jobs)}`).toBeDefined();
    expect(
      second,
      `attempt 2's Job; Jobs seen: ${JSON.stringify(jobs.map((j) => j.metadata.name))}`,
    ).toBeDefined();
    const retryDelaySeconds = (Date.parse(second!.metadata.creationTimestamp) - Date.parse(failedAt!)) / 1000;
    console.info(
      `[scheduler-isolation] attempt 1 failed at ${failedAt}, attempt 2 created at ${second!.metadata.creationTimestamp}: ${retryDelaySeconds} s (retry due after ${RETRY_SECONDS} s)`,
    );
    expect(
      retryDelaySeconds,
      `attempt 2 created ${retryDelaySeconds} s after attempt 1 failed; expected ${RETRY_SECONDS} to ${RETRY_SECONDS + RETRY_TOLERANCE_SECONDS} s`,
    ).toBeGreaterThanOrEqual(RETRY_SECONDS);
    expect(retryDelaySeconds).toBeLessThanOrEqual(RETRY_SECONDS + RETRY_TOLERANCE_SECONDS);

    // The refused suite: no Job, and its run says why, in the API server's words, and until when.
    const refused = await waitForSuite(
      refusedNs,
      'refused',
      (s) => s.runs?.[0]?.reason === 'JobRejected' && /refused \d+ times/.test(s.runs[0].message ?? ''),
      30_000,
    );
    const run = refused.runs![0]!;
    expect(run).toMatchObject({ state: 'Queued', attempt: 0 });
    expect(run.message).toMatch(
      /^the API server refused Job refused-1-b-t \(403 Forbidden\): jobs\.batch "refused-1-b-t" is forbidden: exceeded quota: no-jobs, requested: count\/jobs\.batch=1, used: count\/jobs\.batch=0, limited: count\/jobs\.batch=0; refused \d+ times, trying again at \d{4}-\d\d-\d\dT[\d:.]+Z$/,
    );
    const jobsOfRefused = await kubectlGetJson<{ items: JobItem[] }>(['jobs'], { namespace: refusedNs });
    expect(jobsOfRefused.items).toEqual([]);

    // Each refusal an Event; the n-th try after the first comes 10 s · 2^(n-1) after the one
    // before: the run's own backoff, never a hot loop.
    const seen = await waitFor(
      'two JobRejected Events on the refused suite',
      async () => {
        const events = await rejections(refusedNs, 'refused');
        return { done: events.length >= 2, value: events, seen: events };
      },
      { timeoutMs: 30_000 },
    );
    const gaps = seen.slice(1).map((e, i) => e.at - seen[i]!.at);
    console.info(
      `[scheduler-isolation] refusals at ${seen.map((e) => new Date(e.at).toISOString()).join(', ')}: ${gaps.join(', ')} ms apart`,
    );
    expect(seen[0]!.note).toContain('exceeded quota: no-jobs');
    seen.forEach((refusal, i) => {
      const backoffMs = FIRST_REJECTION_BACKOFF_MS * 2 ** i;
      expect(refusal.note).toContain(
        `refused ${i + 1} time${i === 0 ? '' : 's'}, trying again at ${new Date(refusal.at + backoffMs).toISOString()}`,
      );
      if (i === 0) return;
      const gap = refusal.at - seen[i - 1]!.at;
      const expected = backoffMs / 2;
      expect(
        gap,
        `refusal ${i + 1} came ${gap} ms after refusal ${i}; expected ${expected} ms + at most ${RETRY_TOLERANCE_SECONDS} s`,
      ).toBeGreaterThanOrEqual(expected);
      expect(gap, `refusal ${i + 1} came ${gap} ms after refusal ${i}`).toBeLessThanOrEqual(
        expected + RETRY_TOLERANCE_SECONDS * 1000,
      );
    });
  });
});
