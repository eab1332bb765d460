/**
 * Everything bench-runner prints goes through here, so the API key is removed from all of it in one
 * place (adapters already leave it out of their errors; this also covers a provider or a model that
 * echoes it back): per-item results as JSON lines on stdout and in the results file, progress and
 * errors on stderr.
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { redact } from '../providers/errors.ts';
import type { ItemResult } from '../evaluate/item-result.ts';

/** Parts of a key shorter than this are not removed on their own: they would match ordinary text. */
const MIN_PART_LENGTH = 8;

/**
 * What to remove for the keys (the target's, and the judge's when there is one): each key, each part
 * of Bedrock's `accessKeyId:secretAccessKey[:token]` form, and each as it appears inside a JSON string.
 */
export function secretsOf(...apiKeys: (string | undefined)[]): string[] {
  const forms = apiKeys.flatMap((apiKey) => {
    if (!apiKey) return [];
    const parts = apiKey.split(':').filter((part) => part.length >= MIN_PART_LENGTH);
    return [apiKey, ...parts].flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  });
  // Longest first, so a part never breaks the key it is in before the key is removed whole.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

export interface Reporter {
  result(result: ItemResult): void;
  /** One line on stderr. */
  log(line: string): void;
  /** The text with the secrets removed, for output written elsewhere (the termination message). */
  clean(text: string): string;
  /** Opens the results file (ConfigError when it cannot be written). */
  openResultsFile(path: string): void;
  /** Resolves once stdout and the results file have taken everything. */
  close(): Promise<void>;
}

export function createReporter(
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  secrets: readonly string[],
): Reporter {
  let file: WriteStream | undefined;
  const clean = (text: string) => redact(text, secrets);
  return {
    result(result) {
      const line = `${clean(JSON.stringify(result))}\n`;
      stdout.write(line);
      file?.write(line);
    },
    log(line) {
      stderr.write(`${clean(line)}\n`);
    },
    clean,
    openResultsFile(path) {
      let fd: number;
      try {
        fd = openSync(path, 'w');
      } catch (error) {
        throw new ConfigError(
          `--results-file ${path} cannot be written (${(error as NodeJS.ErrnoException).code})`,
        );
      }
      file = createWriteStream('', { fd });
    },
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => stdout.write('', () => resolve())),
        file && new Promise<void>((resolve) => file!.end(() => resolve())),
      ]);
    },
  };
}
