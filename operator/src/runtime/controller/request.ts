import { objectKey, splitObjectKey } from '../client/resource.ts';

/** Which object to reconcile; controllers never receive the object itself (level-triggered). */
export interface Request {
  namespace?: string;
  name: string;
}

export interface Result {
  /** Retry with rate-limited backoff although nothing failed. */
  requeue?: boolean;
  /** Look again after this many ms (e.g. a deadline to enforce), resetting the backoff. */
  requeueAfterMs?: number;
}

export const requestKey = (request: Request): string => objectKey(request);
export const requestFromKey = (key: string): Request => splitObjectKey(key);
