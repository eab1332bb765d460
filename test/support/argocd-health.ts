import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths.ts';

/** What an Argo CD health check returns (hs.status, hs.message). */
export interface Health {
  status: string;
  message: string;
}

const driver = path.join(repoRoot, 'test/support/argocd-health-driver.lua');

/**
 * Runs an Argo CD health check (Lua) over an object with the real Lua 5.1 interpreter (Debian's
 * lua5.1, `make tools`), in the sandbox Argo CD gives health checks (argocd-health-driver.lua).
 * Rejects with the interpreter's error when the check fails to load, raises an error or returns
 * no valid health.
 */
export function evaluateHealth(script: string, object: unknown): Promise<Health> {
  const input = `{script = ${luaLiteral(script)}, obj = ${luaLiteral(object)}}`;
  return new Promise((resolve, reject) => {
    const child = execFile('lua5.1', [driver], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) {
        const why = stderr.trim() || error.message;
        reject(new Error(`lua5.1 health check failed: ${why}`));
        return;
      }
      const newline = stdout.indexOf('\n');
      resolve({ status: stdout.slice(0, newline), message: stdout.slice(newline + 1) });
    });
    child.stdin!.end(input);
  });
}

/**
 * A JSON value as a Lua table literal, as Argo CD converts objects to Lua: objects and arrays
 * become tables, null becomes nil.
 */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`no Lua literal for the number ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value).map(([key, item]) => `[${luaString(key)}] = ${luaLiteral(item)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`no Lua literal for a ${typeof value}`);
}

/** A Lua string literal: quotes, backslashes and control characters as three-digit decimal escapes. */
function luaString(text: string): string {
  const escaped = text.replace(
    // eslint-disable-next-line no-control-regex
    /[\\"\u0000-\u001f\u007f]/g,
    (c) => `\\${c.charCodeAt(0).toString().padStart(3, '0')}`,
  );
  return `"${escaped}"`;
}

/** The kinds with an Argo CD health check in config/argocd/health. */
export const healthCheckedKinds = ['BenchmarkSuite', 'ProviderPolicy', 'SchedulePolicy'] as const;
export type HealthCheckedKind = (typeof healthCheckedKinds)[number];

/** The argocd-cm key Argo CD reads a kind's health check from. */
export const healthKey = (kind: HealthCheckedKind) => `resource.customizations.health.bench.dev_${kind}`;

/** A kind's health check: the single copy, which the kustomize Component puts into argocd-cm. */
export const healthScriptPath = (kind: HealthCheckedKind) =>
  path.join(repoRoot, 'config/argocd/health', `${kind}.lua`);

/**
 * Objects captured from the operator with the health expected for each, in the layout of Argo CD's
 * own resource_customizations tests: <kind>/health_test.yaml lists {healthStatus, inputPath}, the
 * objects are under <kind>/testdata/.
 */
export const healthFixturesDir = path.join(repoRoot, 'test/fixtures/argocd-health');

export interface HealthTestCase {
  healthStatus: Health;
  inputPath: string;
}

/** A kind's fixtures: each case of its health_test.yaml with the object it names. */
export function readHealthFixtures(kind: HealthCheckedKind): Array<HealthTestCase & { object: unknown }> {
  const dir = path.join(healthFixturesDir, kind);
  const { tests } = parse(readFileSync(path.join(dir, 'health_test.yaml'), 'utf8')) as {
    tests: HealthTestCase[];
  };
  return tests.map((test) => ({
    ...test,
    object: parse(readFileSync(path.join(dir, test.inputPath), 'utf8')) as unknown,
  }));
}
