/** Progress lines while the run goes: at most one per interval, and one at the end. */
import type { ItemResult } from '../evaluate/item-result.ts';

export interface Progress {
  item(result: ItemResult): void;
  retry(): void;
  readonly retries: number;
  /** Prints the line now. */
  report(): void;
}

export function createProgress(
  items: number,
  intervalMs: number,
  now: () => number,
  log: (line: string) => void,
): Progress {
  const started = now();
  let last = started;
  let done = 0;
  let failed = 0;
  let scored = 0;
  let correct = 0;
  let retries = 0;
  const report = () => {
    last = now();
    const seconds = (last - started) / 1000;
    const parts = [
      `${done}/${items} items`,
      `${failed} failed`,
      ...(scored > 0 ? [`accuracy ${(correct / scored).toFixed(4)}`] : []),
      `${retries} retries`,
      ...(seconds > 0 ? [`${(done / seconds).toFixed(1)} items/s`] : []),
    ];
    log(`progress: ${parts.join(', ')}`);
  };
  return {
    item(result) {
      done++;
      if (result.status === 'failed') failed++;
      if (result.correct !== undefined) {
        scored++;
        if (result.correct) correct++;
      }
      if (now() - last >= intervalMs) report();
    },
    retry() {
      retries++;
    },
    get retries() {
      return retries;
    },
    report,
  };
}
