import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedUrl } from '../../test/fakes/provider-contract.ts';
import { workDir } from '../../test/runner-process.ts';
import { ConfigError } from '../config/errors.ts';
import { DatasetUnavailableError, readDatasetSource } from './source.ts';

const TEXT = '{"prompt": "hi"}\n';
let server: Server;
let base: string;

beforeAll(async () => {
  // A dataset server on loopback: /items.jsonl, and any other path answers with its status.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/items.jsonl') return res.end(TEXT);
    if (url.pathname === '/hang') return; // never answers
    res.writeHead(Number(url.pathname.slice(1)) || 404).end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

async function failure(source: string, env: NodeJS.ProcessEnv = {}): Promise<Error> {
  return readDatasetSource(source, env).then(
    () => {
      throw new Error(`${source} was read`);
    },
    (error: Error) => error,
  );
}

describe('readDatasetSource', () => {
  it('reads a file, an http URL and a variable (env:NAME)', async () => {
    const dir = workDir();
    try {
      expect(await readDatasetSource(dir.file('items.jsonl', TEXT), {})).toBe(TEXT);
    } finally {
      dir.remove();
    }
    expect(await readDatasetSource(`${base}/items.jsonl`, {})).toBe(TEXT);
    expect(await readDatasetSource('env:DATASET', { DATASET: TEXT })).toBe(TEXT);
  });

  it('a missing file, variable or URL is a configuration error; the URL’s query is never printed', async () => {
    expect(await failure('/nonexistent.jsonl')).toEqual(
      new ConfigError('--dataset /nonexistent.jsonl cannot be read (ENOENT)'),
    );
    expect(await failure('env:DATASET')).toEqual(
      new ConfigError('--dataset env:DATASET: the variable DATASET is not set or empty'),
    );
    const notFound = await failure(`${base}/404?sig=secret-token`);
    expect(notFound).toBeInstanceOf(ConfigError);
    expect(notFound.message).toBe(`the dataset ${base}/404 could not be fetched: HTTP 404`);
  });

  it('a server error or no server is worth retrying: DatasetUnavailableError', async () => {
    for (const status of [503, 429]) {
      const error = await failure(`${base}/${status}`);
      expect(error).toBeInstanceOf(DatasetUnavailableError);
      expect(error.message).toContain(`HTTP ${status}`);
    }
    const nobody = await refusedUrl();
    const refused = await failure(`${nobody}/items.jsonl?token=x`);
    expect(refused).toBeInstanceOf(DatasetUnavailableError);
    expect(refused.message).toBe(`the dataset ${nobody}/items.jsonl could not be fetched (ECONNREFUSED)`);
  });

  it('stops a download when told (SIGTERM), rejecting with the reason', async () => {
    const stop = new AbortController();
    const reading = readDatasetSource(`${base}/hang`, {}, stop.signal);
    const reason = new Error('SIGTERM');
    stop.abort(reason);
    await expect(reading).rejects.toBe(reason);
  });
});
