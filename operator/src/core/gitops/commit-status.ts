// A suite's rounds as GitHub commit statuses on the revision that defined them (docs/gitops.md):
// pending while a round runs, success or failure when it is complete, error when the suite is
// stalled or a round never finishes (replaced by the next one, or the suite deleted). Derived
// from the suite as the cache shows it, so a restarted operator derives the same statuses again;
// GitHub keeps the last status per commit and context, so reporting one twice changes nothing.
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { ANNOTATIONS } from '../render/labels.ts';
import { shorten } from '../status/text.ts';
import { repositoryAllowed, type RepositoryPattern } from './allowed-repositories.ts';

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface Repository {
  owner: string;
  repo: string;
}

export interface CommitStatus {
  repository: Repository;
  sha: string;
  state: CommitState;
  /** `<prefix>/<namespace>/<suite>`. */
  context: string;
  /** One line, at most DESCRIPTION_LIMIT characters. */
  description: string;
  targetURL?: string;
}

export interface CommitStatusOptions {
  /** For suites without the bench.dev/github-repository annotation. */
  repository?: Repository | undefined;
  /** The repositories statuses may go to (allowed-repositories.ts); others get none. */
  allowed: readonly RepositoryPattern[];
  contextPrefix: string;
  /** A template with {namespace}, {name}, {round}, {revision}. */
  targetURL?: string | undefined;
}

/** What is read of a suite. */
export type SuiteView = Pick<BenchmarkSuite, 'metadata' | 'status'>;

/** GitHub refuses longer descriptions. */
export const DESCRIPTION_LIMIT = 140;

/** GitHub's owner and repository name rules (letters, digits, `-`, `_`, `.`). */
export function parseRepository(value: string): Repository | undefined {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(value.trim());
  if (!match || match[2] === '.' || match[2] === '..') return undefined;
  return { owner: match[1]!, repo: match[2]!.replace(/\.git$/, '') };
}

/**
 * The commit of a revision: a plain SHA-1 or SHA-256 hex digest (Argo CD, `$ARGOCD_APP_REVISION`),
 * Flux's `<ref>@sha1:<digest>` or `sha1:<digest>`, or Flux v1's `<ref>/<digest>`. A revision that
 * names no commit (a Helm chart version, an OCI digest `sha256:` of an artifact built from a
 * tag...) has none; `sha256:` is a commit only behind a Git ref (`main@sha256:`).
 */
export function commitShaOf(revision: string | undefined): string | undefined {
  const value = revision?.trim() ?? '';
  const hex = (digest: string | undefined) =>
    digest && /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(digest) ? digest.toLowerCase() : undefined;
  const flux = /^(?:(.+)@)?(sha1|sha256):([0-9a-fA-F]+)$/.exec(value);
  if (flux) return flux[2] === 'sha256' && !flux[1] ? undefined : hex(flux[3]);
  const fluxV1 = /^.+\/([0-9a-fA-F]{40})$/.exec(value);
  return hex(fluxV1?.[1] ?? value);
}

type Placeholder = 'namespace' | 'name' | 'round' | 'revision';

function expand(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{(namespace|name|round|revision)\}/g, (_, key: keyof typeof values) =>
    encodeURIComponent(values[key]),
  );
}

/** The template gives an http(s) URL once its placeholders are filled in. */
export function validTargetURL(template: string): boolean {
  try {
    const url = new URL(expand(template, { namespace: 'ns', name: 'suite', round: '1', revision: 'main' }));
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** One line, cut at the limit (by characters, as GitHub counts them), with an ellipsis when cut. */
export function oneLine(text: string): string {
  return shorten(text.replace(/\s+/g, ' ').trim(), DESCRIPTION_LIMIT);
}

const formatScore = (score: number): string => String(Number(score.toFixed(2)));

/** "38/40 runs succeeded; best score gpt-4o 0.87": the round in one line. */
export function roundDescription(status: NonNullable<SuiteView['status']>): string {
  const total = status.summary?.total ?? status.runs?.length ?? 0;
  const succeeded = status.summary?.succeeded ?? 0;
  let best: { model: string; score: number } | undefined;
  for (const run of status.runs ?? []) {
    const score = run.result?.score;
    if (run.state !== 'Succeeded' || typeof score !== 'number' || !Number.isFinite(score)) continue;
    if (!best || score > best.score) best = { model: run.model ?? run.target, score };
  }
  const scored = best ? `; best score ${best.model} ${formatScore(best.score)}` : '';
  return oneLine(`${succeeded}/${total} runs succeeded${scored}`);
}

type Verdict = Pick<CommitStatus, 'state' | 'description'>;

function stalledCondition(suite: SuiteView) {
  return suite.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
}

/** What the suite's status says of its current round, or undefined before the first. */
function roundVerdict(suite: SuiteView): Verdict | undefined {
  const status = suite.status;
  if (!status?.round) return undefined;
  if (status.completionTime) {
    // A failed regression gate fails the commit, whatever the runs did: it is the point of gating.
    const gate = status.gates?.find((g) => g.round === status.round && g.verdict === 'Failed');
    if (gate) return { state: 'failure', description: `gate ${gate.name} failed: ${gate.message}` };
    const failed = (status.summary?.failed ?? 0) + (status.summary?.blocked ?? 0) > 0;
    return { state: failed ? 'failure' : 'success', description: roundDescription(status) };
  }
  // No counts: they change as the round goes, and each change would be another status on the commit.
  return { state: 'pending', description: `round ${status.round} in progress` };
}

interface Target {
  repository: Repository;
  sha: string;
  revision: string;
}

/** Where the suite's statuses go for a revision, or why they cannot. */
function target(
  suite: SuiteView,
  revision: string | undefined,
  options: CommitStatusOptions,
): Target | { unreportable: string } | undefined {
  const sha = commitShaOf(revision);
  if (!revision || !sha)
    return revision ? { unreportable: `revision "${revision}" names no Git commit` } : undefined;
  const annotated = suite.metadata?.annotations?.[ANNOTATIONS.githubRepository];
  const repository = annotated !== undefined ? parseRepository(annotated) : options.repository;
  if (!repository)
    return {
      unreportable:
        annotated !== undefined
          ? `annotation ${ANNOTATIONS.githubRepository} "${annotated}" is not owner/repo`
          : `no GitHub repository: set the annotation ${ANNOTATIONS.githubRepository} or a default repository`,
    };
  return { repository, sha, revision };
}

function statusFor(
  suite: SuiteView,
  where: Target,
  verdict: Verdict,
  round: number,
  options: CommitStatusOptions,
) {
  const { namespace = '', name = '' } = suite.metadata ?? {};
  const status: CommitStatus = {
    repository: where.repository,
    sha: where.sha,
    state: verdict.state,
    context: `${options.contextPrefix}/${namespace}/${name}`,
    description: oneLine(verdict.description),
  };
  if (options.targetURL)
    status.targetURL = expand(options.targetURL, {
      namespace,
      name,
      round: String(round),
      revision: where.revision,
    });
  return status;
}

/**
 * Whether what the suite reports now (its stall, its round's completion or start) happened since
 * `since` (ms). A time that cannot be read counts as recent: reporting again is harmless.
 */
export function changedSince(suite: SuiteView, since: number): boolean {
  const stalled = stalledCondition(suite);
  const status = suite.status;
  let when: string | undefined;
  if (stalled) when = stalled.lastTransitionTime;
  else if (status?.round) when = status.completionTime ?? status.lastScheduleTime;
  else return false;
  const time = when === undefined ? Number.NaN : Date.parse(when);
  return Number.isNaN(time) || time >= since;
}

export interface CommitStatuses {
  statuses: CommitStatus[];
  /** Why a status the suite would have cannot be reported (a revision that is no commit, no repository). */
  unreportable?: string;
  /** Statuses the suite would have in a repository the settings do not allow: not to be posted. */
  notAllowed?: CommitStatus[];
}

/**
 * The statuses one change of a suite calls for, oldest first: a round that ended without
 * finishing (the next round started, or the suite is gone) as `error` on its revision, then the
 * suite's state now. A stall belongs to the suite as it is now, so it goes on `currentRevision`
 * (the revision it would start its next round with), not on the last round's.
 */
export function commitStatusesOf(
  previous: SuiteView | undefined,
  current: SuiteView | undefined,
  currentRevision: string | undefined,
  options: CommitStatusOptions,
): CommitStatuses {
  const statuses: CommitStatus[] = [];
  const notAllowed: CommitStatus[] = [];
  let unreportable: string | undefined;
  const add = (
    suite: SuiteView,
    revision: string | undefined,
    verdict: Verdict | undefined,
    round: number,
  ) => {
    if (!verdict) return;
    const where = target(suite, revision, options);
    if (where && 'unreportable' in where) unreportable = where.unreportable;
    else if (where) {
      const status = statusFor(suite, where, verdict, round, options);
      (repositoryAllowed(options.allowed, where.repository) ? statuses : notAllowed).push(status);
    }
  };
  const before = previous && roundVerdict(previous);
  const previousRound = previous?.status?.round ?? 0;
  const currentRound = current?.status?.round ?? 0;
  if (previous && before?.state === 'pending' && (!current || currentRound > previousRound)) {
    add(
      previous,
      previous.status?.sourceRevision,
      {
        state: 'error',
        description: current
          ? `round ${previousRound} was replaced by round ${currentRound} before it finished`
          : `the suite was deleted before round ${previousRound} finished`,
      },
      previousRound,
    );
  }
  if (current) {
    const stalled = stalledCondition(current);
    if (stalled) {
      add(
        current,
        currentRevision,
        { state: 'error', description: `${stalled.reason}: ${stalled.message}` },
        currentRound,
      );
    } else {
      add(current, current.status?.sourceRevision, roundVerdict(current), currentRound);
    }
  }
  return {
    statuses,
    ...(unreportable !== undefined ? { unreportable } : {}),
    ...(notAllowed.length > 0 ? { notAllowed } : {}),
  };
}
