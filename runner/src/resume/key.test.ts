import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCORER_VERSIONS } from '../scoring/scorers.ts';
import { canonicalJson, resumeContext, resumeKey, type KeyedItem, type ResumeContext } from './key.ts';

const item: KeyedItem = { id: 'q1', line: 3, messages: [{ role: 'user', content: 'What is 2+2?' }] };
const context: ResumeContext = {
  provider: 'openai',
  model: 'gpt-4o-2024-08-06',
  mode: 'accuracy',
  sampling: { temperature: 0, maxOutputTokens: 256, topP: undefined },
  parameters: { 'api-version': '2024-10-21' },
  scorerVersions: { exact: 1, numeric: 1, judge: 1 },
};
const judged: KeyedItem = {
  ...item,
  judge: { rubric: 'Correct arithmetic.', reference: '4', label: undefined },
};
const judging: ResumeContext = {
  ...context,
  judge: {
    provider: 'anthropic',
    model: 'claude',
    parameters: {},
    grading: { scale: 'pass-fail', pass: 1, rubric: undefined },
  },
};

/** One change to one of the things an answer depends on. */
const changes: fc.Arbitrary<{ what: string; item: KeyedItem; context: ResumeContext }> = fc.oneof(
  fc
    .oneof(fc.string(), fc.integer())
    .filter((id) => id !== item.id)
    .map((id) => ({ what: 'id', item: { ...item, id }, context })),
  fc
    .string()
    .filter((content) => content !== item.messages[0]!.content)
    .map((content) => ({
      what: 'messages',
      item: { ...item, messages: [{ role: 'user' as const, content }] },
      context,
    })),
  fc.constantFrom('system', 'assistant').map((role) => ({
    what: 'message role',
    item: { ...item, messages: [{ role, content: item.messages[0]!.content }] },
    context,
  })),
  fc.string({ minLength: 1 }).map((content) => ({
    what: 'a message more',
    item: { ...item, messages: [{ role: 'system' as const, content }, ...item.messages] },
    context,
  })),
  fc
    .string()
    .filter((model) => model !== context.model)
    .map((model) => ({ what: 'model', item, context: { ...context, model } })),
  fc.constantFrom('anthropic', 'azure-openai', 'openai-compatible').map((provider) => ({
    what: 'provider',
    item,
    context: { ...context, provider },
  })),
  fc.constant({ what: 'mode', item, context: { ...context, mode: 'latency' as const } }),
  fc
    .double({ min: 0, max: 2, noNaN: true })
    .filter((t) => t !== 0)
    .map((temperature) => ({
      what: 'temperature',
      item,
      context: { ...context, sampling: { ...context.sampling, temperature } },
    })),
  fc
    .option(fc.integer({ min: 1 }), { nil: undefined })
    .filter((n) => n !== 256)
    .map((maxOutputTokens) => ({
      what: 'maxTokens',
      item,
      context: { ...context, sampling: { ...context.sampling, maxOutputTokens } },
    })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((topP) => ({
    what: 'topP',
    item,
    context: { ...context, sampling: { ...context.sampling, topP } },
  })),
  fc
    .tuple(fc.string(), fc.string())
    .filter(([k, v]) => context.parameters[k] !== v)
    .map(([k, v]) => ({
      what: 'target parameter',
      item,
      context: { ...context, parameters: { ...context.parameters, [k]: v } },
    })),
  fc.constantFrom('exact', 'numeric', 'judge').chain((scorer) =>
    fc.integer({ min: 2 }).map((version) => ({
      what: 'scorer version',
      item,
      context: { ...context, scorerVersions: { ...context.scorerVersions, [scorer]: version } },
    })),
  ),
);

/** One change to the judge of a judged item. */
const judgeChanges: fc.Arbitrary<{ what: string; item: KeyedItem; context: ResumeContext }> = fc.oneof(
  fc
    .string()
    .filter((model) => model !== 'claude')
    .map((model) => ({
      what: 'judge model',
      item: judged,
      context: { ...judging, judge: { ...judging.judge!, model } },
    })),
  fc.constantFrom('openai', 'groq').map((provider) => ({
    what: 'judge provider',
    item: judged,
    context: { ...judging, judge: { ...judging.judge!, provider } },
  })),
  fc.tuple(fc.string(), fc.string()).map(([k, v]) => ({
    what: 'judge parameter',
    item: judged,
    context: { ...judging, judge: { ...judging.judge!, parameters: { [k]: v } } },
  })),
  fc
    .record({ scale: fc.constantFrom('1-5' as const, '0-10' as const), pass: fc.integer({ min: 2 }) })
    .map((grading) => ({
      what: 'judge grading',
      item: judged,
      context: {
        ...judging,
        judge: { ...judging.judge!, grading: { ...judging.judge!.grading, ...grading } },
      },
    })),
  fc.string().map((rubric) => ({
    what: 'judge rubric',
    item: judged,
    context: { ...judging, judge: { ...judging.judge!, grading: { ...judging.judge!.grading, rubric } } },
  })),
  fc
    .string()
    .filter((rubric) => rubric !== judged.judge!.rubric)
    .map((rubric) => ({
      what: 'item rubric',
      item: { ...judged, judge: { ...judged.judge!, rubric } },
      context: judging,
    })),
  fc
    .string()
    .filter((reference) => reference !== judged.judge!.reference)
    .map((reference) => ({
      what: 'item reference',
      item: { ...judged, judge: { ...judged.judge!, reference } },
      context: judging,
    })),
);

describe('resumeKey', () => {
  it('is the same for the same item, model, parameters and scorers', () => {
    const again = structuredClone({ item, context });
    expect(resumeKey(again.item, again.context)).toBe(resumeKey(item, context));
    // Key order in JSON is not a difference.
    const reordered = {
      ...context,
      parameters: { ...context.parameters },
      sampling: { topP: undefined, maxOutputTokens: 256, temperature: 0 },
    };
    expect(resumeKey(item, reordered)).toBe(resumeKey(item, context));
  });

  it('changes with any change to the item, its messages, the model, the provider, the parameters or a scorer', () => {
    const original = resumeKey(item, context);
    fc.assert(
      fc.property(changes, (change) => {
        expect(resumeKey(change.item, change.context), change.what).not.toBe(original);
      }),
    );
  });

  it("changes with any change to the judge of a judged item, or to the item's rubric or reference", () => {
    const original = resumeKey(judged, judging);
    fc.assert(
      fc.property(judgeChanges, (change) => {
        expect(resumeKey(change.item, change.context), change.what).not.toBe(original);
      }),
    );
    // The label is a person's rating: the judge does not read it.
    expect(resumeKey({ ...judged, judge: { ...judged.judge!, label: 1 } }, judging)).toBe(original);
    expect(resumeKey(judged, context)).not.toBe(original);
  });

  it('tells an item by its line when it has no id', () => {
    const unnamed = { ...item, id: undefined };
    expect(resumeKey(unnamed, context)).not.toBe(resumeKey({ ...unnamed, line: 4 }, context));
    // With an id, the line does not matter: the item may move in the dataset.
    expect(resumeKey({ ...item, line: 40 }, context)).toBe(resumeKey(item, context));
  });

  it("is made from the run's provider, model, sampling settings and target parameters", () => {
    const provider = { type: 'groq' as const, endpoint: undefined, apiKey: 'k', parameters: { topP: '0.9' } };
    const judge = {
      provider: { ...provider, type: 'openai' as const },
      model: 'grader',
      requestsPerMinute: 1,
      tokensPerMinute: 1,
    };
    const options = {
      mode: 'latency' as const,
      temperature: 0.5,
      maxOutputTokens: 64,
      topP: 0.9,
      judge: { scale: '1-5' as const, pass: 4, rubric: 'env:RUBRIC', calibration: false },
    };
    expect(resumeContext({ provider, model: 'llama', judge: undefined }, options, undefined)).toEqual({
      provider: 'groq',
      model: 'llama',
      mode: 'latency',
      sampling: { temperature: 0.5, maxOutputTokens: 64, topP: 0.9 },
      parameters: { topP: '0.9' },
      scorerVersions: SCORER_VERSIONS,
    });
    // The rubric's text, not how it was given: a new text behind the same env:RUBRIC is another key.
    expect(resumeContext({ provider, model: 'llama', judge }, options, 'be strict').judge).toEqual({
      provider: 'openai',
      model: 'grader',
      parameters: { topP: '0.9' },
      grading: { scale: '1-5', pass: 4, rubric: 'be strict' },
    });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves arrays in order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, e: 'x' })).toBe(
      '{"b":[{"c":2,"d":1}],"e":"x"}',
    );
  });
});
