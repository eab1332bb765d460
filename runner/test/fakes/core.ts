/**
 * A scriptable loopback stand-in for an AI provider: a real HTTP server on 127.0.0.1 that records
 * every request, answers through a per-provider wire format (OpenAI, Anthropic, Gemini, Bedrock,
 * Cohere), and can be told to fail the way real providers do (429 with Retry-After, 5xx, 401 that
 * echoes the key, hanging, slow answers, dropped connections). The provider-specific fakes are thin
 * wire formats over this one core, so behaviour and scripting are the same for every provider.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat prompt as the fake understood it from the provider's wire format. */
export interface FakePrompt {
  model: string;
  messages: { role: string; content: string }[];
  stream: boolean;
  /** The provider's output token limit from the request, if any. */
  maxOutputTokens: number | undefined;
  /** Request options only one wire format uses when it replies (e.g. OpenAI's include_usage). */
  wireOptions?: Record<string, unknown>;
}

/** What the scripted answer function may return: plain text, or text with overrides. */
export interface FakeAnswer {
  text: string;
  /** The provider's own finish reason value (e.g. `end_turn`); default: its "stop" or "length" value. */
  finishReason?: string;
  inputTokens?: number;
  outputTokens?: number;
}

/** The answer the wire format renders: text split in the pieces a stream sends, with usage. */
export interface ResolvedAnswer {
  text: string;
  pieces: string[];
  finishReason: string;
  inputTokens: number;
  outputTokens: number;
}

/** A failure the next request(s) get instead of an answer. */
export type FakeFault =
  /** 429 in the provider's error format; `retryAfter` is sent verbatim as the Retry-After header. */
  | { type: 'rate-limit'; retryAfter?: string; headers?: Record<string, string> }
  /** Any status in the provider's error format (500, 503, 529, 403, 400...). */
  | { type: 'error'; status: number; headers?: Record<string, string> }
  /** A raw response, for bodies a provider might send that its error format does not produce. */
  | { type: 'raw'; status: number; headers?: Record<string, string>; body: string | Uint8Array }
  /** Never answers; the connection stays open until the client gives up. */
  | { type: 'hang' }
  /** Answers normally after a delay. */
  | { type: 'delay'; ms: number }
  /** Destroys the connection without an answer. */
  | { type: 'disconnect' }
  /** Answers, but a streamed answer stops after `after` chunks: it then hangs or drops the connection. */
  | { type: 'cut-stream'; after: number; then: 'hang' | 'disconnect' };

export interface RecordedRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON when it is JSON, else the raw text. */
  body: unknown;
  /** The prompt the wire format parsed, when it was a valid request. */
  prompt: FakePrompt | undefined;
}

export interface WireReply {
  status?: number;
  headers?: Record<string, string>;
  contentType: string;
  /** A complete body, or the chunks of a stream written one by one. */
  body?: string | Uint8Array;
  chunks?: (string | Uint8Array)[];
}

/** Thrown by a wire format's parse for a request the provider would reject with 400. */
export class FakeBadRequest extends Error {}

/** How one provider's API looks on the wire. */
export interface WireFormat {
  /** Parses a request; undefined when the provider has no such route (404). Throws FakeBadRequest for 400. */
  parse(request: {
    method: string;
    url: URL;
    headers: IncomingHttpHeaders;
    body: unknown;
  }): FakePrompt | undefined;
  /** The credential the request presents, or undefined when it presents none (or a malformed one). */
  presentedKey(headers: IncomingHttpHeaders): string | undefined;
  /** Finish reason values used when the answer does not give one. */
  finishReasons: { stop: string; length: string };
  reply(answer: ResolvedAnswer, prompt: FakePrompt): WireReply;
  /** An error in the provider's format for this status. */
  error(status: number, message: string): { headers?: Record<string, string>; body: string };
  /** How the provider refuses a key; default: 401 in its error format. Real providers echo the key. */
  rejectKey?(presented: string | undefined): {
    status: number;
    headers?: Record<string, string>;
    body: string;
  };
}

export interface FakeProviderOptions {
  /** The key requests must present; undefined accepts any or none. */
  apiKey?: string;
  /** The answer to each prompt; default echoes "ok". */
  answer?: (prompt: FakePrompt) => string | FakeAnswer;
  /** Delay before every answer (ms). */
  delayMs?: number;
  /** Delay between streamed chunks (ms), so time to first token differs from latency. */
  chunkDelayMs?: number;
  /**
   * For benchmarks: record nothing, answer "ok" with replies rendered once per (stream, model, wire options), so the
   * fake costs as little CPU as possible and its memory does not grow.
   */
  instant?: boolean;
  /**
   * The address to listen on; default 127.0.0.1. Pods of the real node reach a stand-in on the
   * node's bridge address (hack/testenv/network.sh), never on the machine's other interfaces.
   */
  host?: string;
}

export interface FakeProvider {
  /** Base URL, `http://<host>:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order (empty in instant mode). */
  readonly requests: RecordedRequest[];
  /** The last request received; throws when there was none. */
  lastRequest(): RecordedRequest;
  /** The next `times` requests get this fault instead of an answer (queued after earlier faults). */
  inject(fault: FakeFault, times?: number): void;
  /** Every request gets this fault until cleared (undefined clears it). Queued faults go first. */
  failAlways(fault: FakeFault | undefined): void;
  /** Replaces the answer function. */
  setAnswer(answer: (prompt: FakePrompt) => string | FakeAnswer): void;
  close(): Promise<void>;
}

/** Splits text into the pieces a stream sends and the fake counts as tokens: words with their spacing. */
export function splitIntoPieces(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function resolveAnswer(
  raw: string | FakeAnswer,
  prompt: FakePrompt,
  wire: WireFormat,
): ResolvedAnswer {
  const answer = typeof raw === 'string' ? { text: raw } : raw;
  let pieces = splitIntoPieces(answer.text);
  const truncated = prompt.maxOutputTokens !== undefined && pieces.length > prompt.maxOutputTokens;
  if (truncated) pieces = pieces.slice(0, prompt.maxOutputTokens);
  return {
    text: pieces.join(''),
    pieces,
    finishReason: answer.finishReason ?? (truncated ? wire.finishReasons.length : wire.finishReasons.stop),
    inputTokens: answer.inputTokens ?? prompt.messages.reduce((sum, m) => sum + countWords(m.content), 0),
    outputTokens: answer.outputTokens ?? pieces.length,
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Uint8Array,
) {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a fake provider speaking `wire` on 127.0.0.1 (a free port). */
export async function startFakeProvider(
  wire: WireFormat,
  options: FakeProviderOptions = {},
): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const queued: FakeFault[] = [];
  let always: FakeFault | undefined;
  let answer = options.answer ?? (() => 'ok');
  const host = options.host ?? '127.0.0.1';
  const instantReplies = new Map<string, WireReply>();

  function errorReply(
    res: ServerResponse,
    status: number,
    message: string,
    extra: Record<string, string> = {},
  ) {
    const { headers = {}, body } = wire.error(status, message);
    send(res, status, { 'content-type': 'application/json', ...headers, ...extra }, body);
  }

  async function writeReply(
    res: ServerResponse,
    reply: WireReply,
    cut?: { after: number; then: 'hang' | 'disconnect' },
  ) {
    const headers = { 'content-type': reply.contentType, ...reply.headers };
    if (reply.chunks === undefined) return send(res, reply.status ?? 200, headers, reply.body ?? '');
    res.writeHead(reply.status ?? 200, { ...headers, 'cache-control': 'no-cache' });
    for (const [index, chunk] of reply.chunks.entries()) {
      if (res.destroyed) return;
      if (cut && index === cut.after) {
        if (cut.then === 'disconnect') res.socket?.destroy();
        return;
      }
      if (index > 0 && options.chunkDelayMs) await sleep(options.chunkDelayMs);
      res.write(chunk);
    }
    res.end();
  }

  /** Plays a fault; true when it took the place of the answer. */
  async function applyFault(res: ServerResponse, fault: FakeFault): Promise<boolean> {
    switch (fault.type) {
      case 'rate-limit':
        errorReply(res, 429, 'Rate limit reached for requests', {
          ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
          ...fault.headers,
        });
        return true;
      case 'error':
        errorReply(res, fault.status, `The server had an error (status ${fault.status})`, fault.headers);
        return true;
      case 'raw':
        send(res, fault.status, { 'content-type': 'application/json', ...fault.headers }, fault.body);
        return true;
      case 'hang':
        return true; // the response stays open; close() or the client's abort ends it
      case 'disconnect':
        res.socket?.destroy();
        return true;
      case 'delay':
        await sleep(fault.ms);
        return false;
      case 'cut-stream':
        return false;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    let prompt: FakePrompt | undefined;
    let badRequest: string | undefined;
    try {
      prompt = wire.parse({ method: req.method ?? 'GET', url, headers: req.headers, body });
    } catch (error) {
      if (!(error instanceof FakeBadRequest)) throw error;
      badRequest = error.message;
    }
    if (!options.instant) {
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        prompt,
      });
    }

    const fault = queued.shift() ?? always;
    if (fault && (await applyFault(res, fault))) return;

    if (options.apiKey !== undefined) {
      const presented = wire.presentedKey(req.headers);
      if (presented !== options.apiKey) {
        if (wire.rejectKey) {
          const { status, headers = {}, body } = wire.rejectKey(presented);
          return send(res, status, { 'content-type': 'application/json', ...headers }, body);
        }
        // Real providers echo (part of) the presented key; echoing all of it is the worst case for leaks.
        return errorReply(res, 401, `Incorrect API key provided: ${presented ?? '(none)'}`);
      }
    }
    if (badRequest !== undefined) return errorReply(res, 400, badRequest);
    if (prompt === undefined) return errorReply(res, 404, `No route for ${req.method} ${url.pathname}`);

    if (options.delayMs) await sleep(options.delayMs);
    if (res.destroyed) return;
    if (options.instant) {
      const key = JSON.stringify([prompt.stream, prompt.model, prompt.wireOptions]);
      let reply = instantReplies.get(key);
      if (!reply) {
        reply = wire.reply(resolveAnswer('ok', prompt, wire), prompt);
        instantReplies.set(key, reply);
      }
      return writeReply(res, reply);
    }
    const cut = fault?.type === 'cut-stream' ? fault : undefined;
    await writeReply(res, wire.reply(resolveAnswer(answer(prompt), prompt, wire), prompt), cut);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, `fake failed: ${String(error)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    lastRequest() {
      const last = requests.at(-1);
      if (!last) throw new Error('the fake provider received no request');
      return last;
    },
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) queued.push(fault);
    },
    failAlways(fault) {
      always = fault;
    },
    setAnswer(next) {
      answer = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An SSE frame: `event:` line when named, one `data:` line, blank line. */
export function sseFrame(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}
