/** An events.k8s.io/v1 ObjectReference. */
export interface EventReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

/** What a controller reports; the recorder adds time, series and reporting fields. */
export interface EventRecord {
  regarding: EventReference;
  related?: EventReference;
  type: EventType;
  /** UpperCamelCase, e.g. RunAdmitted. */
  reason: string;
  /** What the operator did or failed to do, e.g. Admit, Create. */
  action: string;
  /** Human-readable; the API server limits it to 1 kB. */
  note: string;
  /** Set on the Event object, e.g. the id of the audit record of the same decision. */
  annotations?: Record<string, string>;
}

function referenceKey(ref: EventReference | undefined): string {
  if (!ref) return '';
  return [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid]
    .map((part) => part ?? '')
    .join('\u0000');
}

/** Events with the same key are one series: the same thing happening again to the same object. */
export function seriesKey(event: EventRecord): string {
  return [
    referenceKey(event.regarding),
    referenceKey(event.related),
    event.type,
    event.reason,
    event.action,
    event.note,
    JSON.stringify(event.annotations ?? {}),
  ].join('\u0001');
}

/** The spam filter's key: one token bucket per regarding object, as client-go's EventSourceObjectSpamFilter. */
export function spamKey(event: EventRecord): string {
  return referenceKey(event.regarding);
}

const maxNoteBytes = 1024;

/** Truncates a note to the API server's 1 kB limit without splitting a character. */
export function truncateNote(note: string): string {
  if (Buffer.byteLength(note) <= maxNoteBytes) return note;
  let cut = note.slice(0, maxNoteBytes - 3);
  while (Buffer.byteLength(cut) > maxNoteBytes - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}
