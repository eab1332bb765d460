// The runtime's event recorder against the real events.k8s.io/v1 API: MicroTime eventTime and the
// reporting fields are accepted, repeats become one Event with a series count, distinct notes
// stay distinct Events, and the per-object spam filter caps a flood at its burst.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import { EventRecorder, referenceTo } from '../../operator/src/runtime/events/recorder.ts';
import { eventsFor } from '../support/events.ts';
import { kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { runtimeClient, testLogger } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';
import { configMaps } from '../support/config-maps.ts';

const namespace = useNamespace('rt-events');
async function subject(name: string) {
  const { client, registry } = await runtimeClient();
  const object = await client.create<KubeObject>(configMaps, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: namespace() },
  });
  const recorder = new EventRecorder({
    client,
    reportingInstance: 'e2e-pod-0',
    logger: testLogger(),
    registry,
  });
  return { recorder, regarding: referenceTo({ ...object, apiVersion: 'v1', kind: 'ConfigMap' }), registry };
}

describe('the runtime event recorder', () => {
  it('writes events.k8s.io/v1 Events and aggregates repeats into a series', async () => {
    const { recorder, regarding } = await subject('series');
    const related = { apiVersion: 'batch/v1', kind: 'Job', name: 'series-job', namespace: namespace() };
    for (let i = 0; i < 3; i++) {
      recorder.emit({
        regarding,
        related,
        type: 'Normal',
        reason: 'RunAdmitted',
        action: 'Admit',
        note: 'run x admitted',
      });
    }
    recorder.emit({
      regarding,
      type: 'Warning',
      reason: 'RunFailed',
      action: 'Observe',
      note: 'run x failed: exit 3',
    });
    await recorder.flush();

    const events = await eventsFor('ConfigMap', 'series', namespace());
    expect(events).toHaveLength(2);
    expect(events).toContainEqual({
      reason: 'RunAdmitted',
      type: 'Normal',
      note: 'run x admitted',
      count: 3,
      related: expect.objectContaining({ kind: 'Job', name: 'series-job' }) as unknown,
    });
    expect(events).toContainEqual(
      expect.objectContaining({ reason: 'RunFailed', type: 'Warning', count: 1 }),
    );

    const list = await kubectlGetJson<{
      items: Array<{
        eventTime: string;
        reportingController: string;
        reportingInstance: string;
        series?: { lastObservedTime: string };
      }>;
    }>(['events.v1.events.k8s.io', '--field-selector', 'regarding.name=series,reason=RunAdmitted'], {
      namespace: namespace(),
    });
    const [admitted] = list.items;
    expect(admitted?.eventTime).toMatch(/\.\d{6}Z$/);
    expect(admitted?.series?.lastObservedTime).toMatch(/\.\d{6}Z$/);
    expect(admitted).toMatchObject({
      reportingController: 'bench.dev/operator',
      reportingInstance: 'e2e-pod-0',
    });
  });

  it('drops events beyond the per-object burst of 25 and counts them', async () => {
    const { recorder, regarding, registry } = await subject('flood');
    for (let i = 0; i < 40; i++) {
      recorder.emit({
        regarding,
        type: 'Normal',
        reason: 'RunDeferred',
        action: 'Defer',
        note: `waiting, pass ${i}`,
      });
    }
    await recorder.flush();
    await waitFor('25 Events for the flooded object', async () => {
      const events = await eventsFor('ConfigMap', 'flood', namespace());
      return { done: events.length === 25, seen: events.length };
    });
    const dropped = await registry.getSingleMetric('event_recorder_dropped_total')?.get();
    expect(dropped?.values.find((v) => v.labels.reason === 'rate_limited')?.value).toBe(15);
  });
});
