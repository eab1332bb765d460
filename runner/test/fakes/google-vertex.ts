/**
 * Gemini on Vertex AI on the wire: POST
 * /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
 * (or :streamGenerateContent?alt=sse) with a bearer access token, contents/parts with roles user and
 * model, systemInstruction, generationConfig, usageMetadata, and Google's error format
 * `{ error: { code, message, status } }`.
 */
import {
  FakeBadRequest,
  sseFrame,
  startFakeProvider,
  type FakePrompt,
  type FakeProvider,
  type FakeProviderOptions,
  type ResolvedAnswer,
  type WireFormat,
} from './core.ts';

const STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const ROUTE =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

function textOfParts(parts: unknown, where: string): string {
  if (!Array.isArray(parts) || parts.length === 0)
    throw new FakeBadRequest(`${where}.parts must not be empty`);
  return parts
    .map((part: { text?: unknown }) => {
      if (typeof part?.text !== 'string') throw new FakeBadRequest(`${where}.parts: text parts only`);
      return part.text;
    })
    .join('');
}

function response(answer: ResolvedAnswer, prompt: FakePrompt, text: string, last: boolean) {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ text }] },
        index: 0,
        ...(last ? { finishReason: answer.finishReason } : {}),
      },
    ],
    usageMetadata: {
      promptTokenCount: answer.inputTokens,
      ...(last
        ? {
            candidatesTokenCount: answer.outputTokens,
            totalTokenCount: answer.inputTokens + answer.outputTokens,
          }
        : {}),
    },
    modelVersion: prompt.model,
  };
}

const vertexWire: WireFormat = {
  finishReasons: { stop: 'STOP', length: 'MAX_TOKENS' },

  parse({ method, url, body }) {
    const route = ROUTE.exec(url.pathname);
    if (method !== 'POST' || !route) return undefined;
    const stream = route[4] === 'streamGenerateContent';
    if (stream && url.searchParams.get('alt') !== 'sse')
      throw new FakeBadRequest('this fake streams with alt=sse only');
    const request = (body ?? {}) as {
      contents?: { role?: unknown; parts?: unknown }[];
      systemInstruction?: { parts?: unknown };
      generationConfig?: { maxOutputTokens?: unknown };
    };
    if (!Array.isArray(request.contents) || request.contents.length === 0) {
      throw new FakeBadRequest('contents is not specified');
    }
    const messages = request.contents.map((content, index) => {
      if (content.role !== 'user' && content.role !== 'model') {
        throw new FakeBadRequest(`contents[${index}].role must be user or model`);
      }
      return { role: content.role, content: textOfParts(content.parts, `contents[${index}]`) };
    });
    const system = request.systemInstruction
      ? [{ role: 'system', content: textOfParts(request.systemInstruction.parts, 'systemInstruction') }]
      : [];
    const maxOutputTokens = request.generationConfig?.maxOutputTokens;
    return {
      model: route[3]!,
      messages: [...system, ...messages],
      stream,
      maxOutputTokens: typeof maxOutputTokens === 'number' ? maxOutputTokens : undefined,
    };
  },

  presentedKey: (headers) => /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1],

  reply(answer, prompt) {
    if (!prompt.stream) {
      return {
        contentType: 'application/json',
        body: JSON.stringify(response(answer, prompt, answer.text, true)),
      };
    }
    const pieces = answer.pieces.length > 0 ? answer.pieces : [''];
    return {
      contentType: 'text/event-stream',
      chunks: pieces.map((piece, index) =>
        sseFrame(JSON.stringify(response(answer, prompt, piece, index === pieces.length - 1))),
      ),
    };
  },

  error(status, message) {
    return {
      body: JSON.stringify({ error: { code: status, message, status: STATUSES[status] ?? 'UNKNOWN' } }),
    };
  },
};

export function startVertexFake(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  return startFakeProvider(vertexWire, options);
}
