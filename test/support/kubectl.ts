import { execFile } from 'node:child_process';
import { kubeconfigPath, kubectlBinary } from './paths.ts';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  /** Sent on standard input (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Adds `--namespace`. */
  namespace?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  /** Extra environment, e.g. a different KUBECONFIG. */
  env?: NodeJS.ProcessEnv;
  kubeconfig?: string;
}

/**
 * Runs the real, pinned kubectl against the local cluster, as a user would.
 * Rejects with the command, exit code and stderr when it fails (unless allowFailure).
 */
export function kubectl(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const fullArgs = [
    '--kubeconfig',
    options.kubeconfig ?? kubeconfigPath,
    ...(options.namespace ? ['--namespace', options.namespace] : []),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectlBinary,
      fullArgs,
      { env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !options.allowFailure) {
          reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
    // A kubectl that exits without reading its input (a command that takes none, or one failing
    // early) closes the pipe: EPIPE here says nothing its exit code and stderr do not.
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** `kubectl apply -f -` with the given YAML. */
export function kubectlApply(
  yaml: string,
  options: Omit<KubectlOptions, 'input'> = {},
): Promise<KubectlResult> {
  return kubectl(['apply', '-f', '-'], { ...options, input: yaml });
}

/** `kubectl get -o json`, parsed. */
export async function kubectlGetJson<T = Record<string, unknown>>(
  args: string[],
  options: KubectlOptions = {},
): Promise<T> {
  const { stdout } = await kubectl(['get', ...args, '-o', 'json'], options);
  return JSON.parse(stdout) as T;
}
