/**
 * A real S3-compatible object store for tests: versitygw (hack/testenv/build-versitygw.sh) with its
 * posix backend serving a temporary folder, on a free port, with a random root key. `host` binds it
 * elsewhere than loopback, e.g. on the real node's bridge address (real-node.ts BRIDGE_ADDRESS) so
 * that run pods reach it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { builtTool } from './built-tool.ts';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

export interface S3Server {
  /** http://<host>:<port> */
  endpoint: string;
  /** A bucket created at start. */
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** A client with the root key, path-style. */
  client: S3Client;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

/** A client of a store at `endpoint` with the given key, path-style, as bench-runner and benchctl make theirs. */
export function s3Client(endpoint: string, accessKeyId: string, secretAccessKey: string): S3Client {
  return new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function startS3Server(options: { host?: string; bucket?: string } = {}): Promise<S3Server> {
  const binary = await builtTool('hack/testenv/build-versitygw.sh');
  const host = options.host ?? '127.0.0.1';
  const port = await freePort();
  const root = mkdtempSync(path.join(tmpdir(), 'versitygw-'));
  const accessKeyId = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const child = spawn(binary, ['--port', `${host}:${port}`, '--region', REGION, '--quiet', 'posix', root], {
    // The root key by environment, so that it is not on the command line for every user to see.
    env: {
      PATH: process.env.PATH ?? '',
      ROOT_ACCESS_KEY_ID: accessKeyId,
      ROOT_SECRET_ACCESS_KEY: secretAccessKey,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    client.destroy();
    rmSync(root, { recursive: true, force: true });
  };
  const endpoint = `http://${host}:${port}`;
  const client = s3Client(endpoint, accessKeyId, secretAccessKey);
  try {
    await waitFor(
      `versitygw answering on ${endpoint}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`versitygw exited ${child.exitCode}: ${stderr.trim()}`);
        await client.send(new ListBucketsCommand({}));
        return { done: true, seen: 'answered' };
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const bucket = options.bucket ?? 'bench-artifacts';
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return { endpoint, bucket, accessKeyId, secretAccessKey, region: REGION, client, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
