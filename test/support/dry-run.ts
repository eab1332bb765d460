// Asking the real API server what it thinks of a manifest, without storing it: `kubectl apply
// --dry-run=server`, and the field errors of its answer.
import { kubectl, type KubectlResult } from './kubectl.ts';

/** `kubectl apply --dry-run=server` of the YAML in the namespace; a rejection is an answer, not an error. */
export const dryRun = (yaml: string, namespace: string): Promise<KubectlResult> =>
  kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml, namespace, allowFailure: true });

/**
 * The field errors of kubectl's answer to a rejected create: `The Kind "name" is invalid: <error>`,
 * or one `* <error>` line each, or a strict decoding error listing unknown fields.
 */
export function serverErrors(stderr: string): string[] {
  const text = stderr.trim();
  const strict = text.match(/strict decoding error: (.*)$/s);
  if (strict) return strict[1]!.split(/, (?=unknown field ")/);
  const body = text.replace(/^.*? is invalid: /s, '');
  return body.includes('\n* ') || body.startsWith('\n')
    ? body
        .split('\n')
        .filter((l) => l.startsWith('* '))
        .map((l) => l.slice(2))
    : [body];
}
