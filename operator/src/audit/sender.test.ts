import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import { makeTestCertificates, type TestCertificates } from '../../../test/support/tls.ts';
import { WebhookSink } from './sender.ts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
let certificates: TestCertificates;
let server: Server;
let url: URL;
let answer = 204;

beforeAll(async () => {
  certificates = makeTestCertificates();
  server = createServer({ key: certificates.key, cert: certificates.cert }, (req, res) => {
    // /slow never answers: a sink that is too slow.
    if (req.url !== '/slow') req.resume().on('end', () => res.writeHead(answer).end('not today'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/audit`);
});
afterAll(() => server.close());

describe('WebhookSink over https', () => {
  it('trusts the configured CA and only it', async () => {
    const trusting = new WebhookSink({
      url,
      ca: certificates.ca,
      signingKey: KEY,
      timeoutMs: 5000,
      source: '/t',
    });
    expect(await trusting.send(auditRecord('a'))).toEqual({ result: 'success' });
    const system = new WebhookSink({ url, signingKey: KEY, timeoutMs: 5000, source: '/t' });
    const refused = await system.send(auditRecord('a'));
    expect(refused).toMatchObject({
      result: 'error',
      detail: expect.stringMatching(/certificate/i) as unknown,
    });
    await Promise.all([trusting.close(), system.close()]);
  });

  it('reports a non-2xx answer as rejected, with its status and body', async () => {
    answer = 400;
    const sink = new WebhookSink({
      url,
      ca: certificates.ca,
      signingKey: KEY,
      timeoutMs: 5000,
      source: '/t',
    });
    expect(await sink.send(auditRecord('a'))).toEqual({ result: 'rejected', detail: 'HTTP 400: not today' });
    answer = 204;
    await sink.close();
  });

  it('gives up on a sink that does not answer within the timeout', async () => {
    const slow = new URL('/slow', url);
    const sink = new WebhookSink({
      url: slow,
      ca: certificates.ca,
      signingKey: KEY,
      timeoutMs: 300,
      source: '/t',
    });
    expect(await sink.send(auditRecord('a'))).toMatchObject({ result: 'error' });
    await sink.close();
  });
});
