/** The adapter for a ProviderPolicy's provider type. */
import { createAnthropicAdapter } from './anthropic.ts';
import { createBedrockAdapter } from './aws-bedrock.ts';
import { createCohereAdapter } from './cohere.ts';
import { createVertexAdapter } from './google-vertex.ts';
import { createOpenAIAdapter } from './openai.ts';
import { ProviderError, type ProviderAdapter, type ProviderConfig } from './types.ts';

/**
 * Creates the adapter for `config.type`. Throws ProviderError for a configuration the provider
 * cannot work with: `invalid_request` (e.g. a required endpoint or parameter missing) or `auth`
 * (no key where the provider needs one).
 */
export function createProvider(config: ProviderConfig): ProviderAdapter {
  switch (config.type) {
    case 'openai':
    case 'openai-compatible':
    case 'groq':
    case 'together':
    case 'mistral':
    case 'azure-openai':
      return createOpenAIAdapter(config.type, config);
    case 'anthropic':
      return createAnthropicAdapter(config);
    case 'google-vertex':
      return createVertexAdapter(config);
    case 'cohere':
      return createCohereAdapter(config);
    case 'aws-bedrock':
      return createBedrockAdapter(config);
    default:
      throw new ProviderError(
        'invalid_request',
        `unknown provider type ${String((config as { type: unknown }).type)}`,
      );
  }
}
