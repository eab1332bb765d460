import { describe, expect, it } from 'vitest';
import {
  notAllowedMessage,
  parseRepositoryPattern,
  parseRepositoryPatterns,
  repositoryAllowed,
} from './allowed-repositories.ts';

describe('parseRepositoryPattern', () => {
  it.each([
    ['acme/evals', { owner: 'acme', repo: 'evals' }],
    [' Acme/Evals ', { owner: 'acme', repo: 'evals' }],
    ['acme/*', { owner: 'acme', repo: '*' }],
    ['my-org/evals.git', { owner: 'my-org', repo: 'evals' }],
    ['a1/.github', { owner: 'a1', repo: '.github' }],
  ])('reads %j', (value, pattern) => {
    expect(parseRepositoryPattern(value)).toEqual(pattern);
  });

  it.each([
    ['acme', /"acme" is not owner\/repo or owner\/\*/],
    ['acme/evals/x', /is not owner\/repo or owner\/\*/],
    ['*/*', /the owner cannot be \*; list each owner as owner\/\*/],
    ['*/evals', /the owner cannot be \*/],
    ['-acme/evals', /"-acme" is not a GitHub owner name/],
    ['/evals', /"" is not a GitHub owner name/],
    ['acme/', /"" is not a GitHub repository name \(or \*\)/],
    ['acme/ev*', /"ev\*" is not a GitHub repository name/],
    ['acme/..', /".." is not a GitHub repository name/],
    ['https://github.com/acme/evals', /is not owner\/repo or owner\/\*/],
  ])('rejects %j', (value, message) => {
    const parsed = parseRepositoryPattern(value);
    expect('error' in parsed && parsed.error).toMatch(message);
  });
});

describe('parseRepositoryPatterns', () => {
  it('reads a comma-separated list, ignoring blanks', () => {
    expect(parseRepositoryPatterns('acme/*, other/evals,')).toEqual([
      { owner: 'acme', repo: '*' },
      { owner: 'other', repo: 'evals' },
    ]);
  });

  it.each([
    ['', /no repository given/],
    [' , ', /no repository given/],
    ['acme/*, nope', /"nope" is not owner\/repo/],
  ])('rejects %j', (value, message) => {
    const parsed = parseRepositoryPatterns(value);
    expect('error' in parsed && parsed.error).toMatch(message);
  });
});

describe('repositoryAllowed', () => {
  const patterns = [
    { owner: 'acme', repo: 'evals' },
    { owner: 'friends', repo: '*' },
  ];

  it.each([
    ['acme', 'evals', true],
    ['ACME', 'Evals', true],
    ['acme', 'models', false],
    ['friends', 'anything', true],
    ['Friends', 'Else', true],
    ['acme-evil', 'evals', false],
    ['victim', 'evals', false],
  ])('%s/%s: %s', (owner, repo, allowed) => {
    expect(repositoryAllowed(patterns, { owner, repo })).toBe(allowed);
  });

  it('allows nothing without patterns', () => {
    expect(repositoryAllowed([], { owner: 'acme', repo: 'evals' })).toBe(false);
  });
});

describe('notAllowedMessage', () => {
  it('names the repository, the annotation and the flag that allows it', () => {
    const message = notAllowedMessage({ owner: 'victim', repo: 'secrets' });
    expect(message).toContain('victim/secrets');
    expect(message).toContain('bench.dev/github-repository');
    expect(message).toContain('--gitops-allowed-repositories');
  });
});
