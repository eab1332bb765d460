import type { KubeObject } from '../client/resource.ts';
import type { EventHandler, Informer } from './informer.ts';

/**
 * An informer the test drives by hand: the controller only subscribes and waits for sync, which
 * happens at once unless `synced` is given (the test then resolves it).
 */
export function handInformer(synced: Promise<void> = Promise.resolve()) {
  const handlers: Array<EventHandler<KubeObject>> = [];
  const informer = {
    addEventHandler: (handler: EventHandler<KubeObject>) => handlers.push(handler),
    waitForSync: () => synced,
  } as unknown as Informer<KubeObject>;
  const add = (object: KubeObject) => handlers.forEach((h) => h.onAdd?.(object));
  const update = (previous: KubeObject, current: KubeObject) =>
    handlers.forEach((h) => h.onUpdate?.(previous, current));
  const remove = (object: KubeObject) => handlers.forEach((h) => h.onDelete?.(object, false));
  return { informer, add, update, remove };
}
