// Prints the KWOK fake Node manifests described by node-pools.yaml, as one YAML stream for
// `kubectl apply -f -`. Usage: node hack/testenv/nodes.ts [node-pools.yaml]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

interface Pool {
  name: string;
  count: number;
  countEnv?: string;
  labels?: Record<string, string>;
  capacity: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: string }>;
}

interface NodePools {
  zones: string[];
  pools: Pool[];
}

function poolSize(pool: Pool): number {
  const fromEnv = pool.countEnv ? process.env[pool.countEnv] : undefined;
  if (fromEnv === undefined || fromEnv === '') return pool.count;
  const count = Number(fromEnv);
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`${pool.countEnv}=${fromEnv}: expected a whole number`);
  return count;
}

export function renderNodes(pools: NodePools): object[] {
  const nodes: object[] = [];
  for (const pool of pools.pools) {
    for (let i = 0; i < poolSize(pool); i++) {
      const name = `kwok-${pool.name}-${i}`;
      const zone = pools.zones[i % pools.zones.length] ?? 'zone-a';
      nodes.push({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          // The KWOK controller manages only nodes carrying this annotation.
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/arch': 'amd64',
            'kubernetes.io/os': 'linux',
            'kubernetes.io/hostname': name,
            'kubernetes.io/role': 'agent',
            'node-role.kubernetes.io/agent': '',
            'topology.kubernetes.io/region': 'local',
            'topology.kubernetes.io/zone': zone,
            type: 'kwok',
            ...pool.labels,
          },
        },
        spec: { taints: pool.taints ?? [] },
        status: { allocatable: pool.capacity, capacity: pool.capacity },
      });
    }
  }
  return nodes;
}

const here = path.dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.join(here, 'node-pools.yaml');
  const pools = parse(readFileSync(file, 'utf8')) as NodePools;
  process.stdout.write(
    renderNodes(pools)
      .map((node) => stringify(node, { aliasDuplicateObjects: false }))
      .join('---\n'),
  );
}
