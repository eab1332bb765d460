import { describe, expect, it } from 'vitest';
import { parseGroupArgs, splitGroupArgs } from './flag-group.ts';
import { ARTIFACTS_FLAGS, resolveArtifactStore, type ArtifactSettings } from './artifacts.ts';

const parse = (argv: string[]) => parseGroupArgs(ARTIFACTS_FLAGS, splitGroupArgs(argv, ARTIFACTS_FLAGS.prefix).group);

describe('artifact settings', () => {
  it('are off without a bucket', () => {
    expect(resolveArtifactStore({})).toBeUndefined();
  });

  it('read the flags into the store: the prefix as a folder, the endpoint without a trailing slash', () => {
    const flags = parse([
      '--artifacts-s3-endpoint=http://store.storage:7070/',
      '--artifacts-s3-bucket',
      'bench-artifacts',
      '--artifacts-s3-region=eu-west-1',
      '--artifacts-s3-prefix=/evals/prod',
      '--artifacts-secret=bench-artifacts',
      '--leader-elect=false',
    ]);
    expect(resolveArtifactStore(flags.settings)).toEqual({
      bucket: 'bench-artifacts',
      prefix: 'evals/prod/',
      endpoint: 'http://store.storage:7070',
      region: 'eu-west-1',
      secret: 'bench-artifacts',
    });
    expect(resolveArtifactStore({ s3Bucket: 'b-1', secret: 's' })).toEqual({ bucket: 'b-1', prefix: '', secret: 's' });
  });

  it.each<[ArtifactSettings, RegExp]>([
    [{ secret: 's' }, /^artifact settings \(secret\) without a bucket \(--artifacts-s3-bucket\)$/],
    [{ s3Bucket: 'Bench_Artifacts', secret: 's' }, /is not an S3 bucket name/],
    [{ s3Bucket: 'b-1' }, /credentials Secret in each suite's namespace \(--artifacts-secret\)$/],
    [{ s3Bucket: 'b-1', secret: 'Not/A/Name' }, /--artifacts-secret\), not "Not\/A\/Name"/],
    [{ s3Bucket: 'b-1', secret: 's', s3Endpoint: 'store:7070' }, /must be https \(or http/],
    [{ s3Bucket: 'b-1', secret: 's', s3Endpoint: 'not a url' }, /is not a URL/],
    [{ s3Bucket: 'b-1', secret: 's', s3Endpoint: 'https://k:v@store' }, /credentials come from the Secret/],
    [{ s3Bucket: 'b-1', secret: 's', s3Prefix: 'a/../b' }, /"\.\." is not a plain folder name/],
  ])('refuse %o', (settings, message) => {
    expect(() => resolveArtifactStore(settings)).toThrow(message);
  });

  it('refuse an unknown --artifacts- flag', () => {
    expect(() => parse(['--artifacts-s3-bukket=b'])).toThrow(/artifacts-s3-bukket/);
  });
});
