import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { ArtifactsDestination } from '../artifacts/destination.ts';
import { s3Store } from './s3-store.ts';

const destination: ArtifactsDestination = {
  url: 's3://bench/runs/r1/checkpoint/shard-0/',
  bucket: 'bench',
  prefix: 'runs/r1/checkpoint/shard-0/',
  endpoint: 'http://store:7070',
  region: 'us-east-1',
  hasCredentials: true,
};
const signal = new AbortController().signal;

/** A client answering the listing in two pages, and recording what it was sent. */
function fakeClient() {
  const sent: unknown[] = [];
  const send = (command: unknown) => {
    sent.push(command);
    if (command instanceof ListObjectsV2Command) {
      const first = command.input.ContinuationToken === undefined;
      return Promise.resolve(
        first
          ? {
              Contents: [
                { Key: `${destination.prefix}a-000001.jsonl` },
                { Key: `${destination.prefix}deeper/x.jsonl` },
              ],
              IsTruncated: true,
              NextContinuationToken: 't2',
            }
          : {
              Contents: [
                { Key: `${destination.prefix}b-000001.jsonl` },
                { Key: `${destination.prefix}notes.txt` },
              ],
            },
      );
    }
    if (command instanceof GetObjectCommand) {
      return Promise.resolve({ Body: { transformToString: () => Promise.resolve('{"key":"k"}\n') } });
    }
    return Promise.resolve({});
  };
  return { sent, client: { send } as never };
}

describe('s3Store', () => {
  it("lists the chunks of the shard's folder over every page, and nothing below it", async () => {
    const { client } = fakeClient();
    expect(await s3Store(destination, client).list(signal)).toEqual(['a-000001.jsonl', 'b-000001.jsonl']);
  });

  it('reads and writes a chunk as one object in the folder', async () => {
    const { client, sent } = fakeClient();
    const store = s3Store(destination, client);
    expect(await store.read('a-000001.jsonl', signal)).toBe('{"key":"k"}\n');
    await store.write('c-000001.jsonl', 'body', signal);
    expect((sent[0] as GetObjectCommand).input).toEqual({
      Bucket: 'bench',
      Key: `${destination.prefix}a-000001.jsonl`,
    });
    expect(sent[1]).toBeInstanceOf(PutObjectCommand);
    expect((sent[1] as PutObjectCommand).input).toMatchObject({
      Bucket: 'bench',
      Key: `${destination.prefix}c-000001.jsonl`,
      Body: 'body',
    });
  });
});
