// The demo's provider stand-in (hack/demo): its right answers score correct under bench-runner's
// own scorers and its wrong ones do not, for every item of the examples' datasets read as
// bench-runner reads them; which items a model gets right is fixed and their share follows the
// model's skill; and bench-runner run against the stand-in process, with the examples' Secret's
// key, scores what the stand-in meant it to.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  answerFor,
  answersRight,
  DEFAULT_SKILL,
  knownItems,
  rightAnswer,
  skillOf,
  SKILLS,
  wrongAnswer,
  type KnownItem,
} from '../../hack/demo/answers.ts';
import { parseDataset } from '../../runner/src/dataset/items.ts';
import type { ScorerName } from '../../runner/src/scoring/scorers.ts';
import { runRunner, workDir } from '../../runner/test/runner-process.ts';
import { repoRoot } from '../support/paths.ts';

const examples = path.join(repoRoot, 'examples');
const datasets = (
  parse(readFileSync(path.join(examples, '25-datasets.yaml'), 'utf8')) as {
    data: Record<string, string>;
  }
).data;
const known = knownItems(datasets);

/** The --scorer each dataset is run with by the example suites (gsm8k.jsonl: numeric). */
const defaultScorers = new Map<string, ScorerName>();
for (const file of ['30-benchmarksuite-smoke.yaml', '31-benchmarksuite-nightly-eval.yaml']) {
  const suite = parse(readFileSync(path.join(examples, file), 'utf8')) as {
    spec: { benchmarks: { args?: string[] }[] };
  };
  for (const { args = [] } of suite.spec.benchmarks) {
    const dataset = args
      .find((a) => a.startsWith('--dataset=/datasets/'))
      ?.slice('--dataset=/datasets/'.length);
    const scorer = args.find((a) => a.startsWith('--scorer='))?.slice('--scorer='.length);
    if (dataset && scorer) defaultScorers.set(dataset, scorer as ScorerName);
  }
}

/** Every item of every dataset, as bench-runner parses and scores it, with the stand-in's view of it. */
const cases = Object.entries(datasets).flatMap(([file, jsonl]) =>
  parseDataset(jsonl, { mode: 'accuracy', defaultScorer: defaultScorers.get(file) }).map((item) => {
    const question = item.messages.filter((m) => m.role === 'user').at(-1)!.content;
    return { name: `${file}/${item.id}`, item, standIn: known.get(question) };
  }),
);

describe('the demo stand-in’s answers', () => {
  it('knows every item of the examples’ datasets', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const { name, standIn } of cases) expect(standIn, name).toBeDefined();
  });

  it.each(cases)('%# $name: the right answer scores correct, the wrong one does not', ({ item, standIn }) => {
    const right = rightAnswer(standIn!);
    const wrong = wrongAnswer(standIn!);
    expect(item.scorer!(right).correct, `right answer ${JSON.stringify(right)}`).toBe(true);
    expect(item.scorer!(wrong).correct, `wrong answer ${JSON.stringify(wrong)}`).toBe(false);
  });

  it('answers each item the same way every time, right exactly when the model’s draw says so', () => {
    for (const model of [...Object.keys(SKILLS), 'llama3.2:3b']) {
      for (const { standIn } of cases) {
        const first = answerFor(standIn!, model);
        expect(answerFor(standIn!, model)).toEqual(first);
        expect(first.right).toBe(answersRight(model, standIn!.key));
        expect(first.text).toBe(first.right ? rightAnswer(standIn!) : wrongAnswer(standIn!));
      }
    }
  });

  it('gets a share of items right that follows the model’s skill (unknown models: 0.5)', () => {
    expect(skillOf('gpt-4o')).toBe(0.85);
    expect(skillOf('claude-haiku-4-5')).toBe(0.55);
    expect(skillOf('some-other-model')).toBe(DEFAULT_SKILL);
    const keys = Array.from({ length: 4000 }, (_, i) => `synthetic.jsonl/${i}`);
    for (const model of [...Object.keys(SKILLS), 'some-other-model']) {
      const share = keys.filter((key) => answersRight(model, key)).length / keys.length;
      expect(share, model).toBeCloseTo(skillOf(model), 1);
    }
    // Models differ in which items they get right, not only in how many.
    const rightFor = (model: string) => keys.filter((key) => answersRight(model, key)).join();
    expect(rightFor('gpt-4o')).not.toBe(rightFor('claude-sonnet-4-5'));
  });
});

describe('bench-runner against the stand-in process', () => {
  const work = workDir();
  let endpoints: Record<string, string>;
  let standIn: ReturnType<typeof spawn>;
  const secrets = Object.fromEntries(
    parseAllDocuments(readFileSync(path.join(examples, '00-prerequisites.yaml'), 'utf8'))
      .map((d) => d.toJS() as { kind: string; metadata: { name: string }; stringData?: { apiKey: string } })
      .filter((d) => d.kind === 'Secret')
      .map((d) => [d.metadata.name, d.stringData!.apiKey]),
  );
  const hello = work.file('hello.jsonl', datasets['hello.jsonl']);

  beforeAll(async () => {
    standIn = spawn(
      path.join(repoRoot, 'node_modules/.bin/node'),
      [path.join(repoRoot, 'hack/demo/stand-in.ts'), '--host', '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: standIn.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      standIn.once('exit', (code) => reject(new Error(`the stand-in exited (${code})`)));
    });
    endpoints = (JSON.parse(first) as { endpoints: Record<string, string> }).endpoints;
  }, 30_000);
  afterAll(() => {
    standIn?.kill('SIGTERM');
    work.remove();
  });

  function run(provider: string, endpoint: string, model: string, apiKey: string) {
    return runRunner(
      [`--dataset=${hello}`, '--max-output-tokens=128'],
      {
        BENCH_PROVIDER: provider,
        BENCH_MODEL: model,
        BENCH_ENDPOINT: endpoint,
        BENCH_API_KEY: apiKey,
        // The stand-in listens over plain http, as the demo's ProviderPolicies allow.
        BENCH_ALLOW_PLAIN_HTTP: 'true',
        BENCH_PARAMETERS: '{"temperature":"0"}',
      },
      work.file(`termination-${provider}-${model}`),
    );
  }

  const expectedScore = (model: string) => {
    const items = [...known.values()].filter((i: KnownItem) => i.key.startsWith('hello.jsonl/'));
    return items.filter((i) => answersRight(model, i.key)).length / items.length;
  };

  it('serves each example ProviderPolicy on a port of its own', () => {
    expect(Object.keys(endpoints).sort()).toEqual(['anthropic', 'openai']);
    expect(endpoints.openai).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(endpoints.anthropic).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['openai', 'gpt-4o-mini', 'openai-credentials'],
    ['anthropic', 'claude-haiku-4-5', 'anthropic-credentials'],
  ])(
    '%s %s with the Secret’s key: bench-runner scores the share the stand-in meant',
    async (provider, model, secret) => {
      const result = await run(provider, endpoints[provider]!, model, secrets[secret]!);
      expect(result.code, result.stderr).toBe(0);
      const { score } = JSON.parse(result.message) as { score: number };
      expect(score).toBeCloseTo(expectedScore(model), 6);
    },
    60_000,
  );

  it('refuses another key: bench-runner exits 12 (credentials rejected)', async () => {
    const result = await run('openai', endpoints.openai!, 'gpt-4o-mini', 'sk-not-the-secrets-key');
    expect(result.code).toBe(12);
  }, 60_000);
});
