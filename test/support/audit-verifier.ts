import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.ts';

export type VerifyBenchSignature = (
  body: string,
  header: string | undefined,
  key: Buffer | string,
  options?: { toleranceSeconds?: number; now?: number },
) => void;

/**
 * The receiver-side verifier exactly as docs/audit.md documents it: the JavaScript block after the
 * `<!-- verifier` marker, written to a module and imported, so the documented code is what the
 * tests run.
 */
export async function documentedVerifier(): Promise<VerifyBenchSignature> {
  const doc = readFileSync(path.join(repoRoot, 'docs/audit.md'), 'utf8');
  const match = /<!-- verifier[^\n]*-->\s*```js\n([\s\S]*?)```/.exec(doc);
  if (!match) throw new Error('docs/audit.md has no ```js block after a <!-- verifier --> marker');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-verifier-')), 'verify.mjs');
  writeFileSync(file, match[1]!);
  const module = (await import(pathToFileURL(file).href)) as { verifyBenchSignature?: VerifyBenchSignature };
  if (typeof module.verifyBenchSignature !== 'function')
    throw new Error('the documented verifier does not export verifyBenchSignature');
  return module.verifyBenchSignature;
}
