import { describe, expect, it } from 'vitest';
import type { CommitStatus } from '../core/gitops/commit-status.ts';
import { StatusOutbox } from './status-outbox.ts';

const status = (sha: string, state: CommitStatus['state'], description = state): CommitStatus => ({
  repository: { owner: 'acme', repo: 'evals' },
  sha: sha.padEnd(40, '0'),
  state,
  context: 'bench/team/nightly',
  description,
});

describe('StatusOutbox', () => {
  it('keeps the newest status per commit and context, oldest commit first', () => {
    const outbox = new StatusOutbox(10);
    outbox.add('s', status('a', 'pending'), 1);
    outbox.add('s', status('b', 'pending'), 2);
    expect(outbox.add('s', status('a', 'success'), 3)).toEqual({ queued: true, dropped: [] });
    expect(outbox.size()).toBe(2);
    expect(outbox.next('s')?.status).toEqual(status('b', 'pending'));
  });

  it('does not queue again what waits already or what GitHub accepted last', () => {
    const outbox = new StatusOutbox(10);
    outbox.add('s', status('a', 'pending'), 1);
    expect(outbox.add('s', status('a', 'pending'), 2).queued).toBe(false);
    outbox.accept('s', outbox.next('s')!);
    expect(outbox.size()).toBe(0);
    expect(outbox.add('s', status('a', 'pending'), 3).queued).toBe(false);
    expect(outbox.add('s', status('a', 'success'), 4).queued).toBe(true);
  });

  it('keeps a status replaced while it was being sent', () => {
    const outbox = new StatusOutbox(10);
    outbox.add('s', status('a', 'pending'), 1);
    const sending = outbox.next('s')!;
    outbox.add('s', status('a', 'success'), 2);
    outbox.accept('s', sending);
    expect(outbox.next('s')?.status.state).toBe('success');
  });

  it('drops the oldest past the bound, per suite', () => {
    const outbox = new StatusOutbox(2);
    outbox.add('s', status('a', 'pending'), 1);
    outbox.add('t', status('a', 'pending'), 1);
    outbox.add('s', status('b', 'pending'), 2);
    expect(outbox.add('s', status('c', 'pending'), 3).dropped).toEqual([status('a', 'pending')]);
    expect(outbox.size()).toBe(3);
  });
});
