import { describe, expect, it } from 'vitest';
import { KubeClient } from './kube-client.ts';
import type { ResourceType } from './resource.ts';
import type { RawRequest, RestClient } from './rest-client.ts';

const rounds: ResourceType = { group: 'g', version: 'v1', plural: 'rounds', kind: 'Round', namespaced: true };

/** A KubeClient over a RestClient that records each request and answers an empty list. */
function recorded(): { client: KubeClient; requests: RawRequest[] } {
  const requests: RawRequest[] = [];
  const rest = {
    json: (request: RawRequest) => {
      requests.push(request);
      return Promise.resolve({ metadata: {}, items: [] });
    },
    raw: (request: RawRequest) => {
      requests.push(request);
      return Promise.resolve(new Response(''));
    },
  } as unknown as RestClient;
  return { client: new KubeClient(rest), requests };
}

describe('KubeClient metadata-only reads', () => {
  it('ask for PartialObjectMetadata lists and watch events, whole objects as the fallback', async () => {
    const { client, requests } = recorded();
    await client.list(rounds, { namespace: 'ns', metadataOnly: true });
    await client.watch(rounds, { namespace: 'ns', metadataOnly: true });
    expect(requests.map((r) => r.accept)).toEqual([
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
    ]);
  });

  it('ask for whole objects otherwise', async () => {
    const { client, requests } = recorded();
    await client.list(rounds, { namespace: 'ns' });
    await client.watch(rounds, { namespace: 'ns' });
    expect(requests.map((r) => r.accept)).toEqual([undefined, undefined]);
  });
});
