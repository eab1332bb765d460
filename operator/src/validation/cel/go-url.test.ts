import { describe, expect, it } from 'vitest';
import { goURLHostname, isGoRequestURI } from './go-url.ts';
import { Unsupported } from './unsupported.ts';

describe('the Go net/url answers evaluated offline', () => {
  it.each([
    ['https://api.example.com/v1', 'api.example.com'],
    ['http://vllm.models.svc.cluster.local:8000/v1', 'vllm.models.svc.cluster.local'],
    ['http://host:', 'host'],
    ['http://h?q=/a', 'h'],
    ['http:///only/path', ''],
  ])('accepts %s with hostname %j', (url, hostname) => {
    expect(isGoRequestURI(url)).toBe(true);
    expect(goURLHostname(url)).toBe(hostname);
  });

  it.each(['', 'api.example.com', 'api.example.com/v1', '8080:x', ':8080', 'http://a\nb'])(
    'rejects %j (no scheme and no absolute path, empty, or control characters)',
    (url) => {
      expect(isGoRequestURI(url)).toBe(false);
      expect(() => goURLHostname(url)).toThrow(/URL parse error/);
    },
  );

  it.each([
    'vllm.svc:8000/v1',
    'https://user@host/',
    'http://[::1]:80/',
    'https://h/%41',
    '/absolute/path',
    '*',
  ])('leaves %j to Go', (url) => {
    expect(() => isGoRequestURI(url)).toThrow(Unsupported);
    expect(() => goURLHostname(url)).toThrow(Unsupported);
  });
});
