/**
 * The demo's provider stand-in (make demo, on a machine with the real node): one process serving,
 * on one port each, every ProviderPolicy of examples/ in its provider's wire format (the fakes of
 * runner/test/fakes), on the real node's bridge address, where the node's pods reach it.
 *
 *   node hack/demo/stand-in.ts [--host ADDRESS] [--examples DIR]
 *
 * Each policy's port takes only the API key of the Secret its credentialsSecretRef names
 * (examples/00-prerequisites.yaml's placeholders), so the run's Secret reference is exercised. The
 * answers come from hack/demo/answers.ts: right for a per-model share of the datasets' items,
 * wrong for the rest. They are no model's answers: the scores bench-runner gives them measure the
 * pipeline, not a model.
 *
 * Prints one JSON line once listening, `{"endpoints": {"<policy>": "<spec.endpoint for it>"},
 * "skills": {"<model>": <share right>, "other": 0.5}}`, then one JSON line per answer (policy,
 * model, item, right). Stops on SIGTERM or SIGINT.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { ProviderType } from '../../runner/src/providers/types.ts';
import type { FakePrompt, FakeProvider } from '../../runner/test/fakes/core.ts';
import { startFakeFor } from '../../runner/test/fakes/index.ts';
import { answerFor, DEFAULT_SKILL, knownItems, SKILLS } from './answers.ts';

const repo = path.resolve(import.meta.dirname, '../..');

function bridgeAddress(): string {
  const network = readFileSync(path.join(repo, 'hack/testenv/network.sh'), 'utf8');
  const match = /^REAL_NODE_GATEWAY=(\S+)/m.exec(network);
  if (!match) throw new Error('hack/testenv/network.sh sets no REAL_NODE_GATEWAY');
  return match[1]!;
}

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    examples: { type: 'string', default: path.join(repo, 'examples') },
  },
});
const host = values.host ?? bridgeAddress();

interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  spec?: { provider?: ProviderType; credentialsSecretRef?: { name: string; key?: string } };
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}

const manifests: Manifest[] = readdirSync(values.examples)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(values.examples, file), 'utf8')).map(
      (document) => (document.toJS() ?? {}) as Manifest,
    ),
  );
const named = (kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata?.name === name);

const datasets = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata?.name === 'bench-datasets');
if (!datasets?.data) throw new Error(`no bench-datasets ConfigMap in ${values.examples}`);
const items = knownItems(datasets.data);

/** The key a policy's runs present: from the Secret of its credentialsSecretRef, as the kubelet reads it. */
function apiKeyOf(policy: Manifest): string | undefined {
  const ref = policy.spec?.credentialsSecretRef;
  if (!ref) return undefined;
  const secret = named('Secret', ref.name);
  const key = ref.key ?? 'apiKey';
  const value =
    secret?.stringData?.[key] ??
    (secret?.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString());
  if (value === undefined) throw new Error(`no Secret ${ref.name} with key ${key} in ${values.examples}`);
  return value;
}

/** What spec.endpoint must say for bench-runner to reach the fake (docs/providers.md). */
function endpointOf(type: ProviderType, url: string): string {
  return ['openai', 'openai-compatible', 'groq', 'together', 'mistral'].includes(type) ? `${url}/v1` : url;
}

function log(line: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const fakes: FakeProvider[] = [];
const endpoints: Record<string, string> = {};
for (const policy of manifests.filter((m) => m.kind === 'ProviderPolicy')) {
  const name = policy.metadata!.name!;
  const type = policy.spec!.provider!;
  const apiKey = apiKeyOf(policy);
  const answer = (prompt: FakePrompt): string => {
    fake.requests.splice(0); // nothing reads them here: a long-running demo keeps no history
    const question = prompt.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    const item = items.get(question);
    if (!item) {
      log({ policy: name, model: prompt.model, item: null });
      return 'I only know the questions of examples/25-datasets.yaml.';
    }
    const { text, right } = answerFor(item, prompt.model);
    log({ policy: name, model: prompt.model, item: item.key, right });
    return text;
  };
  const fake: FakeProvider = await startFakeFor(type, {
    host,
    answer,
    ...(apiKey !== undefined ? { apiKey } : {}),
  });
  fakes.push(fake);
  endpoints[name] = endpointOf(type, fake.url);
}
log({ endpoints, skills: { ...SKILLS, other: DEFAULT_SKILL } });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void Promise.all(fakes.map((f) => f.close())).then(() => process.exit(0)));
}
