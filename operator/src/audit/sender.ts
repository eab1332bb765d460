import { Agent, request } from 'undici';
import type { DecisionRecord } from '../core/decisions/record.ts';
import { realClock, type Clock } from '../runtime/time/clock.ts';
import { encodeAuditRecord } from './cloudevent.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

export interface SinkOptions {
  url: URL;
  /** PEM CA bundle the sink's certificate must chain to (https), instead of the system's. */
  ca?: string | undefined;
  /** Never logged, never written anywhere. */
  signingKey: Buffer;
  /** A request not answered within it has failed. */
  timeoutMs: number;
  /** The CloudEvents `source` of every record. */
  source: string;
  clock?: Clock;
}

/** How one delivery went: `success` (2xx), `rejected` (another status), `error` (no answer). */
export type DeliveryResult = { result: 'success' } | { result: 'rejected' | 'error'; detail: string };

/** POSTs one record at a time to the webhook, signed; any 2xx acknowledges it. */
export class WebhookSink {
  private readonly options: SinkOptions;
  private readonly dispatcher: Agent;
  private readonly clock: Clock;

  constructor(options: SinkOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.dispatcher = new Agent({
      connect: { ...(options.ca ? { ca: options.ca } : {}), timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async send(record: DecisionRecord): Promise<DeliveryResult> {
    const { body, contentType } = encodeAuditRecord(record, this.options.source);
    const timestamp = Math.floor(this.clock.now() / 1000);
    try {
      const response = await request(this.options.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: {
          'content-type': contentType,
          'user-agent': 'bench-operator',
          [SIGNATURE_HEADER]: signatureHeader(body, this.options.signingKey, timestamp),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = (await response.body.text()).slice(0, 200);
      if (response.statusCode >= 200 && response.statusCode < 300) return { result: 'success' };
      return { result: 'rejected', detail: `HTTP ${response.statusCode}${text ? `: ${text}` : ''}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { result: 'error', detail: `${(error as Error).message}${cause ? ` (${cause})` : ''}` };
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
