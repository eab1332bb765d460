/** The loopback fake for each provider type, so a test can stand in for any provider by its name. */
import type { ProviderType } from '../../src/providers/types.ts';
import { startAnthropicFake } from './anthropic.ts';
import { startBedrockFake } from './aws-bedrock.ts';
import { startCohereFake } from './cohere.ts';
import type { FakeProvider, FakeProviderOptions } from './core.ts';
import { startVertexFake } from './google-vertex.ts';
import { startOpenAICompatibleFake } from './openai-compatible.ts';

export function startFakeFor(type: ProviderType, options: FakeProviderOptions = {}): Promise<FakeProvider> {
  switch (type) {
    case 'openai':
    case 'openai-compatible':
    case 'groq':
    case 'together':
    case 'mistral':
      return startOpenAICompatibleFake(options);
    case 'azure-openai':
      return startOpenAICompatibleFake({ ...options, auth: 'api-key' });
    case 'anthropic':
      return startAnthropicFake(options);
    case 'google-vertex':
      return startVertexFake(options);
    case 'aws-bedrock':
      return startBedrockFake(options);
    case 'cohere':
      return startCohereFake(options);
  }
}
