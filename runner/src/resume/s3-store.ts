/**
 * A checkpoint in the artifact store: one object a chunk (a PutObject is atomic: a reader sees the
 * whole object or none), with the artifacts' client and credentials.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArtifactsDestination } from '../artifacts/destination.ts';
import { CHUNK_EXTENSION, type CheckpointStore } from './store.ts';

export function s3Store(destination: ArtifactsDestination, client: Pick<S3Client, 'send'>): CheckpointStore {
  const { bucket, prefix } = destination;
  return {
    async list(abortSignal) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          { abortSignal },
        );
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(prefix.length);
          if (name && !name.includes('/') && name.endsWith(CHUNK_EXTENSION)) names.push(name);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names;
    },
    async read(name, abortSignal) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${name}` }), {
        abortSignal,
      });
      return (await object.Body?.transformToString('utf-8')) ?? '';
    },
    async write(name, body, abortSignal) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${name}`,
          Body: body,
          ContentType: 'application/x-ndjson',
        }),
        { abortSignal },
      );
    },
  };
}
