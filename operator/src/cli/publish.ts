// Where `benchctl rollback --push / --pr` hands its commit over: pushing the branch to a remote
// and opening a pull request (pull-request.ts: on GitHub, through octokit). main.ts passes the
// Publisher to the commands.
import { failureError } from './errors.ts';
import type { Repo } from './git.ts';

export interface PushRequest {
  repo: Repo;
  remote: string;
  /** The local branch, pushed to the remote branch of the same name. */
  branch: string;
}

export interface PullRequestRequest {
  repo: Repo;
  remote: string;
  /** The branch with the change (already pushed). */
  head: string;
  /** The branch it should be merged into. */
  base: string;
  title: string;
  body: string;
}

export interface PullRequest {
  number: number;
  url: string;
}

export interface Publisher {
  push(request: PushRequest): Promise<void>;
  openPullRequest(request: PullRequestRequest): Promise<PullRequest>;
}

/** git push through simple-git, with the credentials git itself is configured with. */
export async function pushWithGit({ repo, remote, branch }: PushRequest): Promise<void> {
  try {
    await repo.git.push(remote, `${branch}:${branch}`);
  } catch (error) {
    throw failureError(`git push ${remote} ${branch} failed: ${(error as Error).message.trim()}`);
  }
}
