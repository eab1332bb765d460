import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { shardPrefix } from '../contract/artifacts.ts';
import { parseArtifactsUrl } from './destination.ts';

describe('parseArtifactsUrl', () => {
  it('splits the bucket from the folder, which always ends with /', () => {
    expect(parseArtifactsUrl('s3://bench-artifacts/team-a/nightly/3/mmlu-gpt/', 'X')).toEqual({
      bucket: 'bench-artifacts',
      prefix: 'team-a/nightly/3/mmlu-gpt/',
    });
    expect(parseArtifactsUrl('s3://bench-artifacts/team-a/run', 'X').prefix).toBe('team-a/run/');
    expect(parseArtifactsUrl('s3://bench-artifacts/', 'X').prefix).toBe('');
  });

  it.each(['https://bucket/x/', 's3://bucket', 's3://Upper/x/', 's3:///x/'])(
    'refuses %s, naming the variable',
    (url) => {
      expect(() => parseArtifactsUrl(url, 'BENCH_ARTIFACTS_URL')).toThrow(ConfigError);
      expect(() => parseArtifactsUrl(url, 'BENCH_ARTIFACTS_URL')).toThrow(/^BENCH_ARTIFACTS_URL must be s3:/);
    },
  );
});

describe('shardPrefix', () => {
  it('is the run folder for a run of one shard, and shard-<i>/ below it for more', () => {
    expect(shardPrefix('ns/suite/3/run/', { index: 0, count: 1 })).toBe('ns/suite/3/run/');
    expect(shardPrefix('ns/suite/3/run/', { index: 0, count: 2 })).toBe('ns/suite/3/run/shard-0/');
    expect(shardPrefix('ns/suite/3/run/', { index: 1, count: 2 })).toBe('ns/suite/3/run/shard-1/');
  });
});
