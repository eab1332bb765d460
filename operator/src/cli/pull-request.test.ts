import { describe, expect, it } from 'vitest';
import { githubRemote } from './pull-request.ts';

describe('githubRemote', () => {
  it('reads owner/repo and the API from https, ssh and scp-like remotes', () => {
    const github = { repository: { owner: 'team', repo: 'benchmarks' }, baseURL: 'https://api.github.com' };
    expect(githubRemote('https://github.com/team/benchmarks.git')).toEqual(github);
    expect(githubRemote('https://github.com/team/benchmarks')).toEqual(github);
    expect(githubRemote('git@github.com:team/benchmarks.git')).toEqual(github);
    expect(githubRemote('ssh://git@github.com/team/benchmarks.git')).toEqual(github);
    expect(githubRemote('https://ghe.example.com/team/benchmarks.git')).toEqual({
      ...github,
      baseURL: 'https://ghe.example.com/api/v3',
    });
  });

  it('is undefined for remotes that name no repository', () => {
    expect(githubRemote('/srv/git/benchmarks.git')).toBeUndefined();
    expect(githubRemote('file:///srv/git/benchmarks.git')).toBeUndefined();
    expect(githubRemote('https://github.com/team')).toBeUndefined();
  });
});
