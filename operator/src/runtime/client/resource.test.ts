import { describe, expect, it } from 'vitest';
import { apiVersionOf, objectKey, resourcePath, splitObjectKey, type ResourceType } from './resource.ts';

const jobs: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true };
const pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const nodes: ResourceType = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

describe('resourcePath', () => {
  it('builds core, group, namespaced, cluster and subresource paths', () => {
    expect(resourcePath(jobs)).toBe('/apis/batch/v1/jobs');
    expect(resourcePath(jobs, { namespace: 'ns' })).toBe('/apis/batch/v1/namespaces/ns/jobs');
    expect(resourcePath(pods, { namespace: 'ns', name: 'p', subresource: 'status' })).toBe(
      '/api/v1/namespaces/ns/pods/p/status',
    );
    expect(resourcePath(nodes, { namespace: 'ignored', name: 'n1' })).toBe('/api/v1/nodes/n1');
  });

  it('names apiVersions with and without a group', () => {
    expect(apiVersionOf(jobs)).toBe('batch/v1');
    expect(apiVersionOf(pods)).toBe('v1');
  });
});

describe('objectKey', () => {
  it('round-trips namespaced and cluster-scoped keys', () => {
    expect(objectKey({ namespace: 'ns', name: 'a' })).toBe('ns/a');
    expect(objectKey({ name: 'n1' })).toBe('n1');
    expect(splitObjectKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitObjectKey('n1')).toEqual({ name: 'n1' });
  });
});
