import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import { documentedVerifier, type VerifyBenchSignature } from './audit-verifier.ts';

/** One request the receiver accepted. */
export interface ReceivedRecord {
  id: string;
  type: string;
  subject: string;
  body: string;
  signature: string | undefined;
  data: Record<string, unknown>;
}

const started: AuditReceiver[] = [];

/** Closes every receiver a test file started, after its tests (call at the file's top level). */
export function closeReceiversAfterAll(): void {
  afterAll(async () => {
    await Promise.all(started.splice(0).map((receiver) => receiver.close()));
  });
}

/** up: verify and answer 204; refusing: not listening (connection refused); failing: answer 503. */
export type ReceiverMode = 'up' | 'refusing' | 'failing';

/**
 * A stand-in for a SIEM's webhook on 127.0.0.1: it checks every request's signature with the
 * verifier docs/audit.md documents (a bad one is answered 401 and counted as forged, never
 * accepted), and keeps what it accepted. It can refuse connections or answer 503 for a while.
 */
export class AuditReceiver {
  readonly records: ReceivedRecord[] = [];
  forged = 0;
  failed = 0;
  /** How long it takes to answer a request: a slow sink keeps a backlog. */
  delayMs = 0;
  private mode: ReceiverMode = 'up';
  private server: Server | undefined;
  private port = 0;
  private readonly key: string;
  private readonly verify: VerifyBenchSignature;

  private constructor(key: string, verify: VerifyBenchSignature) {
    this.key = key;
    this.verify = verify;
  }

  /** Starts listening on a free port (or, `refusing`, only reserves one); see closeReceiversAfterAll. */
  static async start(key: string, mode: ReceiverMode = 'up'): Promise<AuditReceiver> {
    const receiver = new AuditReceiver(key, await documentedVerifier());
    started.push(receiver);
    await receiver.listen();
    if (mode !== 'up') await receiver.setMode(mode);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/bench/audit`;
  }

  /** Accepted record ids, each once. */
  ids(): Set<string> {
    return new Set(this.records.map((r) => r.id));
  }

  /** Accepted requests beyond the first of each id (at-least-once delivery). */
  duplicates(): number {
    return this.records.length - this.ids().size;
  }

  async setMode(mode: ReceiverMode): Promise<void> {
    if (mode === 'refusing' && this.server) await this.close();
    if (mode !== 'refusing' && !this.server) await this.listen();
    this.mode = mode;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // Keep-alive connections too, or the operator would keep talking to a "refusing" sink.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => setTimeout(() => this.answer(req, res, chunks), this.delayMs));
  }

  private answer(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): void {
    if (this.mode === 'failing') {
      this.failed++;
      res.writeHead(503).end('sink overloaded');
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const signature = req.headers['x-bench-signature'] as string | undefined;
    try {
      this.verify(body, signature, this.key);
    } catch (error) {
      this.forged++;
      res.writeHead(401).end((error as Error).message);
      return;
    }
    const event = JSON.parse(body) as {
      id: string;
      type: string;
      subject: string;
      data: Record<string, unknown>;
    };
    this.records.push({
      id: event.id,
      type: event.type,
      subject: event.subject,
      body,
      signature,
      data: event.data,
    });
    res.writeHead(204).end();
  }
}
