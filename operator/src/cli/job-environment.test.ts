import { describe, expect, it } from 'vitest';
import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { CliError } from './errors.ts';
import { expandReferences, localEnvironment, type LocalEnvironmentInput } from './job-environment.ts';
import type { Manifest } from './manifests.ts';

const configMap = (name: string, data: Record<string, string>, namespace?: string): Manifest => ({
  file: 'cm.yaml',
  index: 0,
  object: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    data,
  },
});

function job(env: V1EnvVar[], args: string[] = [], indexed = false): V1Job {
  return {
    metadata: { name: 'j', namespace: 'team-a' },
    spec: {
      ...(indexed ? { completionMode: 'Indexed', completions: 2 } : {}),
      template: { spec: { containers: [{ name: 'runner', env, args }] } },
    },
  };
}

const input = (j: V1Job, extra: Partial<LocalEnvironmentInput> = {}): LocalEnvironmentInput => ({
  job: j,
  manifests: [
    configMap('datasets', { 'a.jsonl': '{"prompt":"x"}' }),
    configMap('datasets', { 'a.jsonl': 'other' }, 'elsewhere'),
  ],
  apiKey: 'sk-user',
  index: 0,
  overrides: {},
  ...extra,
});

describe('expandReferences', () => {
  it('replaces defined variables, leaves others, and reads $$ as $', () => {
    const lookup = (name: string) => ({ A: 'x', B: '' })[name];
    expect(expandReferences('$(A)-$(B)-$(C)-$$(A)-$$-$(A', lookup)).toBe('x--$(C)-$(A)-$-$(A');
  });
});

describe('localEnvironment', () => {
  it('resolves values, ConfigMap keys of the Job’s namespace, the key from the user, and $(VAR) in values and args', () => {
    const { env, args } = localEnvironment(
      input(
        job(
          [
            { name: 'BENCH_MODEL', value: 'm' },
            { name: 'BENCH_API_KEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'apiKey' } } },
            { name: 'DATASET', valueFrom: { configMapKeyRef: { name: 'datasets', key: 'a.jsonl' } } },
            { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
            { name: 'LABEL', value: '$(BENCH_MODEL)@$(LATER)' },
            { name: 'LATER', value: 'l' },
          ],
          ['--dataset=env:DATASET', '--tag=$(LABEL)/$(LATER)'],
          true,
        ),
        { index: 1 },
      ),
    );
    expect(env).toEqual({
      JOB_COMPLETION_INDEX: '1',
      BENCH_MODEL: 'm',
      BENCH_API_KEY: 'sk-user',
      DATASET: '{"prompt":"x"}',
      LABEL: 'm@$(LATER)',
      LATER: 'l',
    });
    expect(args).toEqual(['--dataset=env:DATASET', '--tag=m@$(LATER)/l']);
  });

  it('leaves BENCH_API_KEY out without a key; --env overrides win and stand in for what cannot be read', () => {
    const j = job([
      { name: 'BENCH_API_KEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'apiKey' } } },
      { name: 'BENCH_ENDPOINT', value: '' },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
    ]);
    expect(
      localEnvironment(
        input(j, {
          apiKey: undefined,
          overrides: { HF_TOKEN: 't', BENCH_ENDPOINT: 'http://localhost:8000/v1' },
        }),
      ).env,
    ).toEqual({
      BENCH_ENDPOINT: 'http://localhost:8000/v1',
      HF_TOKEN: 't',
    });
  });

  it.each([
    [
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
      'HF_TOKEN comes from Secret hf (key token), which benchctl does not read: give it with --env HF_TOKEN[=value]',
    ],
    [
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      'POD comes from the pod (fieldRef or resourceFieldRef), which does not exist locally',
    ],
    [
      { name: 'D', valueFrom: { configMapKeyRef: { name: 'datasets', key: 'b.jsonl' } } },
      'D comes from key b.jsonl of ConfigMap datasets, which is not among the manifests',
    ],
  ])('refuses what it cannot resolve: %j', (variable, message) => {
    expect(() => localEnvironment(input(job([variable])))).toThrow(CliError);
    expect(() => localEnvironment(input(job([variable])))).toThrow(message);
  });
});
