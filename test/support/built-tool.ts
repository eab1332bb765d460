import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/**
 * The binary a hack/testenv build script makes (e.g. 'hack/testenv/helm/build.sh'): instant when it
 * is cached (the Makefile's test-e2e builds it first); a cold build logs its progress on stderr.
 * Resolves with the path the script prints on its last line.
 */
export function builtTool(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, script), { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const binary = stdout.trim().split('\n').pop();
      if (code === 0 && binary) resolve(binary);
      else reject(new Error(`${script} exited ${code}: ${stdout.trim()}`));
    });
  });
}
