import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../client/kube-client.ts';
import type { KubeObject } from '../client/resource.ts';
import type { EventRecord } from './event.ts';
import { EventRecorder } from './recorder.ts';

/** The recorder on a fake API client that keeps the Events it is asked to create. */
function recorder(bufferSize: number) {
  const created: KubeObject[] = [];
  const client = {
    create(_type: unknown, object: KubeObject) {
      created.push(object);
      return Promise.resolve(object);
    },
  } as unknown as KubeClient;
  const registry = new Registry();
  const events = new EventRecorder({
    client,
    reportingInstance: 'operator-0',
    logger: pino({ level: 'silent' }),
    bufferSize,
    registry,
  });
  const dropped = async () => {
    const metric = await registry.getSingleMetric('event_recorder_dropped_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [String(v.labels.reason), v.value] as const));
  };
  return { events, created, dropped };
}

// Each on its own object, so the per-object spam filter lets them all through.
function event(namespace: string, i: number): EventRecord {
  return {
    regarding: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: `${namespace}-${i}` },
    type: 'Normal',
    reason: 'Observed',
    action: 'Observe',
    note: `event ${i} of ${namespace}`,
  };
}

describe('EventRecorder', () => {
  it("writes every Event of a quiet namespace while another floods the buffer, dropping only the flood's excess", async () => {
    const { events, created, dropped } = recorder(10);
    // All emitted before the writer gets a turn: one Event in flight, the buffer full behind it.
    for (let i = 0; i < 50; i++) events.emit(event('flood', i));
    for (let i = 0; i < 3; i++) events.emit(event('quiet', i));
    await events.flush();
    const written = created.map((e) => (e as unknown as { note: string }).note);
    expect(written.filter((note) => note.endsWith('of quiet'))).toEqual([
      'event 0 of quiet',
      'event 1 of quiet',
      'event 2 of quiet',
    ]);
    // The namespaces take turns: the quiet one's Events do not wait behind the flood.
    expect(written.slice(0, 7)).toEqual([
      'event 0 of flood',
      'event 1 of flood',
      'event 0 of quiet',
      'event 2 of flood',
      'event 1 of quiet',
      'event 3 of flood',
      'event 2 of quiet',
    ]);
    expect(written).toHaveLength(11);
    expect(await dropped()).toEqual({ buffer_full: 39, pushed_out: 3 });
  });

  it('lets a lone namespace use the whole buffer', async () => {
    const { events, created, dropped } = recorder(10);
    for (let i = 0; i < 15; i++) events.emit(event('alone', i));
    await events.flush();
    expect(created).toHaveLength(11);
    expect(await dropped()).toEqual({ buffer_full: 4 });
  });
});
