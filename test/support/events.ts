import { kubectlGetJson } from './kubectl.ts';

export interface ObservedEvent {
  reason: string;
  type: string;
  note: string;
  count: number;
  related?: { kind?: string; name?: string };
}

interface EventList {
  items: Array<{
    reason?: string;
    type?: string;
    note?: string;
    series?: { count?: number };
    deprecatedCount?: number;
    related?: { kind?: string; name?: string };
  }>;
}

/** The events.k8s.io/v1 Events whose `regarding` is the given object, oldest first. */
export async function eventsFor(kind: string, name: string, namespace: string): Promise<ObservedEvent[]> {
  const list = await kubectlGetJson<EventList>(
    ['events.v1.events.k8s.io', '--field-selector', `regarding.kind=${kind},regarding.name=${name}`],
    { namespace },
  );
  return list.items.map((e) => ({
    reason: e.reason ?? '',
    type: e.type ?? '',
    note: e.note ?? '',
    count: e.series?.count ?? e.deprecatedCount ?? 1,
    ...(e.related ? { related: e.related } : {}),
  }));
}
