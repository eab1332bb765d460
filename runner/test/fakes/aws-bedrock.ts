/**
 * Amazon Bedrock's Converse API on the wire: POST /model/{modelId}/converse (JSON) and
 * /model/{modelId}/converse-stream (binary AWS event stream), SigV4-signed requests
 * (`Authorization: AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/bedrock/aws4_request,
 * SignedHeaders=..., Signature=...`), and errors named by the `x-amzn-errortype` header.
 */
import { crc32 } from 'node:zlib';
import {
  FakeBadRequest,
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type ResolvedAnswer,
  type WireFormat,
} from './core.ts';

const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]+)\/\d{8}\/[a-z0-9-]+\/bedrock\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

function errorType(type: string) {
  return { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` };
}

/** An event of ConverseStream's binary event stream. */
export function eventStreamMessage(eventType: string, payload: object): Uint8Array {
  return encodeMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    payload,
  );
}

/** An exception inside ConverseStream's event stream (e.g. `throttlingException`), after the 200 status. */
export function eventStreamException(exceptionType: string, message: string): Uint8Array {
  return encodeMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    { message },
  );
}

/** One message of the binary event stream: prelude, string headers, JSON payload, CRCs. */
function encodeMessage(headerValues: Record<string, string>, payload: object): Uint8Array {
  const headers = Buffer.concat(
    Object.entries(headerValues).map(([name, value]) => {
      const nameBytes = Buffer.from(name);
      const valueBytes = Buffer.from(value);
      const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
      header.writeUInt8(nameBytes.length, 0);
      nameBytes.copy(header, 1);
      header.writeUInt8(7, 1 + nameBytes.length); // 7: string
      header.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
      valueBytes.copy(header, 4 + nameBytes.length);
      return header;
    }),
  );
  const body = Buffer.from(JSON.stringify(payload));
  const total = 12 + headers.length + body.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headers.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headers.copy(message, 12);
  body.copy(message, 12 + headers.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

function usage(answer: ResolvedAnswer) {
  return {
    inputTokens: answer.inputTokens,
    outputTokens: answer.outputTokens,
    totalTokens: answer.inputTokens + answer.outputTokens,
  };
}

const bedrockWire: WireFormat = {
  finishReasons: { stop: 'end_turn', length: 'max_tokens' },

  parse({ method, url, body }) {
    const route = ROUTE.exec(url.pathname);
    if (method !== 'POST' || !route) return undefined;
    const request = (body ?? {}) as {
      messages?: { role?: unknown; content?: { text?: unknown }[] }[];
      system?: { text?: unknown }[];
      inferenceConfig?: { maxTokens?: unknown };
    };
    if (!Array.isArray(request.messages) || request.messages.length === 0) {
      throw new FakeBadRequest('The messages field is required');
    }
    const text = (blocks: { text?: unknown }[] | undefined, where: string) => {
      if (!Array.isArray(blocks)) throw new FakeBadRequest(`${where}: content must be a list of blocks`);
      return blocks.map((block) => String(block.text ?? '')).join('');
    };
    const messages = request.messages.map((message, index) => {
      if (message.role !== 'user' && message.role !== 'assistant') {
        throw new FakeBadRequest(`messages.${index}.role must be user or assistant`);
      }
      return { role: message.role, content: text(message.content, `messages.${index}`) };
    });
    const system = request.system ? [{ role: 'system', content: text(request.system, 'system') }] : [];
    const maxTokens = request.inferenceConfig?.maxTokens;
    return {
      model: decodeURIComponent(route[1]!),
      messages: [...system, ...messages],
      stream: route[2] === 'converse-stream',
      maxOutputTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    };
  },

  /** The access key id of a well-formed SigV4 authorization for the bedrock service. */
  presentedKey: (headers) =>
    headers['x-amz-date'] ? SIGV4.exec(headers.authorization ?? '')?.[1] : undefined,

  rejectKey(presented) {
    return {
      status: 403,
      headers: errorType('UnrecognizedClientException'),
      body: JSON.stringify({
        message: `The security token included in the request is invalid: ${presented}`,
      }),
    };
  },

  reply(answer, prompt) {
    if (!prompt.stream) {
      return {
        contentType: 'application/json',
        body: JSON.stringify({
          output: { message: { role: 'assistant', content: [{ text: answer.text }] } },
          stopReason: answer.finishReason,
          usage: usage(answer),
          metrics: { latencyMs: 1 },
        }),
      };
    }
    return {
      contentType: 'application/vnd.amazon.eventstream',
      chunks: [
        eventStreamMessage('messageStart', { role: 'assistant' }),
        ...answer.pieces.map((text) =>
          eventStreamMessage('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }),
        ),
        eventStreamMessage('contentBlockStop', { contentBlockIndex: 0 }),
        eventStreamMessage('messageStop', { stopReason: answer.finishReason }),
        eventStreamMessage('metadata', { usage: usage(answer), metrics: { latencyMs: 1 } }),
      ],
    };
  },

  error(status, message) {
    return {
      headers: errorType(ERROR_TYPES[status] ?? 'InternalServerException'),
      body: JSON.stringify({ message }),
    };
  },
};

/**
 * Starts a fake Bedrock runtime. `apiKey` is given as BENCH_API_KEY holds it
 * (`accessKeyId:secretAccessKey`); the fake checks the access key id in the signature's credential
 * scope (checking the signature itself would mean re-signing with the same library).
 */
export function startBedrockFake(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  return startFakeProvider(bedrockWire, { ...options, apiKey: options.apiKey?.split(':')[0] });
}
