import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter, secretsOf } from './reporter.ts';

const text = (stream: PassThrough) => (stream.read() as Buffer | null)?.toString() ?? '';

describe('secretsOf', () => {
  it('is the key, the long parts of a Bedrock key, and their JSON-escaped forms, longest first', () => {
    expect(secretsOf(undefined)).toEqual([]);
    expect(secretsOf('sk-abc"def')).toEqual(['sk-abc\\"def', 'sk-abc"def']);
    expect(secretsOf('AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG:tok')).toEqual([
      'AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG:tok',
      'wJalrXUtnFEMI/K7MDENG',
      'AKIDEXAMPLE',
    ]);
  });
});

describe('createReporter', () => {
  it('removes the key from results and log lines, whole or in parts, raw or inside JSON', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const key = 'AKIDEXAMPLE:wJalrXUtnFEMI"K7MDENG';
    const reporter = createReporter(stdout, stderr, secretsOf(key));
    reporter.result({
      index: 0,
      line: 1,
      status: 'answered',
      output: `key ${key}, secret wJalrXUtnFEMI"K7MDENG`,
    });
    reporter.log(`echoed AKIDEXAMPLE and ${key}`);
    await reporter.close();
    expect(text(stdout)).toBe(
      '{"index":0,"line":1,"status":"answered","output":"key [redacted], secret [redacted]"}\n',
    );
    expect(text(stderr)).toBe('echoed [redacted] and [redacted]\n');
  });
});
