// The runtime's REST client against the real API server: server-side apply with the operator's
// field manager, status subresource writes that are skipped when nothing changed, Background
// deletes, and every request counted in rest_client_requests_total.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isConflict, isNotFound } from '../../operator/src/runtime/client/errors.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import { patchStatusIfChanged } from '../../operator/src/runtime/status/patch-status.ts';
import { setCondition, type Condition } from '../../operator/src/meta/conditions.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { counterValue, runtimeClient } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';
import { configMaps, type ConfigMap } from '../support/config-maps.ts';

const namespace = useNamespace('rt-client');

// A test-only CRD with a status subresource (the project's own CRDs belong to the API work). It is
// cluster-scoped scaffolding, left installed: deleting it could race another run using it.
const widgets: ResourceType = {
  group: 'runtime-test.bench.dev',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

interface Widget extends KubeObject {
  spec?: { size?: number };
  status?: { observedSize?: number; conditions?: Condition[] };
}

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.runtime-test.bench.dev' },
  spec: {
    group: 'runtime-test.bench.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

beforeAll(async () => {
  await kubectlApply(stringify(widgetCrd));
  await kubectl([
    'wait',
    '--for=condition=Established',
    'crd/widgets.runtime-test.bench.dev',
    '--timeout=60s',
  ]);
});

describe('the runtime REST client', () => {
  it('creates and updates by server-side apply as field manager bench-operator', async () => {
    const { client, registry } = await runtimeClient();
    const desired: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: namespace() },
      data: { a: '1' },
    };
    const created = await client.apply(configMaps, desired);
    expect(created.metadata.uid).toBeTruthy();
    const updated = await client.apply(configMaps, { ...desired, data: { a: '2', b: '3' } });
    expect(updated.data).toEqual({ a: '2', b: '3' });

    const live = await kubectlGetJson<{
      metadata: { managedFields: Array<{ manager: string; operation: string }> };
    }>(['configmap', 'applied', '--show-managed-fields'], { namespace: namespace() });
    expect(live.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'bench-operator', operation: 'Apply' }),
    );
    expect(
      await counterValue(registry, 'rest_client_requests_total', { method: 'PATCH', code: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await counterValue(registry, 'rest_client_requests_total', { method: 'PATCH' })).toBe(2);
  });

  it('counts failed requests by status code and maps them to typed errors', async () => {
    const { client, registry } = await runtimeClient();
    await expect(client.get(configMaps, namespace(), 'missing')).rejects.toSatisfy(isNotFound);
    expect(await counterValue(registry, 'rest_client_requests_total', { method: 'GET', code: '404' })).toBe(
      1,
    );

    const created = await client.create<ConfigMap>(configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'optimistic', namespace: namespace() },
      data: { v: '1' },
    });
    await client.update(configMaps, { ...created, data: { v: '2' } });
    await expect(client.update(configMaps, { ...created, data: { v: 'stale' } })).rejects.toSatisfy(
      isConflict,
    );
  });

  it('writes status through the subresource only when it changed', async () => {
    const { client, registry } = await runtimeClient();
    await kubectlApply(
      stringify({
        apiVersion: 'runtime-test.bench.dev/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { size: 3 },
      }),
      { namespace: namespace() },
    );
    const widget = await waitFor('the Widget to be readable', async () => {
      const w = await client.get<Widget>(widgets, namespace(), 'w');
      return { done: true, value: w, seen: w };
    });
    const now = new Date();
    const desired = {
      observedSize: 3,
      conditions: setCondition(
        [],
        { type: 'Ready', status: 'True', reason: 'Sized', message: 'size 3' },
        now,
      ),
    };
    const written = await patchStatusIfChanged(client, widgets, widget, desired);
    expect(written?.status).toEqual(desired);
    expect(written?.spec, 'the status subresource leaves the spec alone').toEqual({ size: 3 });

    const writesBefore = await counterValue(registry, 'rest_client_requests_total', { method: 'PUT' });
    const reread = await client.get<Widget>(widgets, namespace(), 'w');
    const again = {
      observedSize: 3,
      conditions: setCondition(
        reread.status?.conditions,
        { type: 'Ready', status: 'True', reason: 'Sized', message: 'size 3' },
        new Date(now.getTime() + 60_000),
      ),
    };
    expect(await patchStatusIfChanged(client, widgets, reread, again)).toBeUndefined();
    expect(await counterValue(registry, 'rest_client_requests_total', { method: 'PUT' })).toBe(writesBefore);

    await expect(
      patchStatusIfChanged(client, widgets, widget, { observedSize: 4 }),
      'a status computed from a stale object is refused',
    ).rejects.toSatisfy(isConflict);
  });

  it('deletes with Background propagation, so dependents are garbage-collected', async () => {
    const { client } = await runtimeClient();
    const owner = await client.create<ConfigMap>(configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner', namespace: namespace() },
    });
    await client.create<ConfigMap>(configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dependent',
        namespace: namespace(),
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }],
      },
    });
    await client.delete(configMaps, namespace(), 'owner');
    await expect(client.get(configMaps, namespace(), 'owner')).rejects.toSatisfy(isNotFound);
    await waitFor('the garbage collector to delete the dependent', async () => {
      const { code } = await kubectl(['get', 'configmap', 'dependent'], {
        namespace: namespace(),
        allowFailure: true,
      });
      return { done: code !== 0, seen: 'dependent still exists' };
    });
  });
});
