import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', 'operator/src/api/'] },
  js.configs.recommended,
  // Type-aware: a promise nobody awaits (a write whose failure would go unseen) or one passed where
  // a callback's result is ignored is an error, as are the other checks that need the types.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      // An AbortSignal's reason is the caller's (an AbortError unless it gave one): passed on as it is.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // String(value) of an unknown value is how messages and test output print what they were given.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(skip|only|todo)$/]',
          message: 'Skipped or focused tests hide behaviour from CI.',
        },
      ],
    },
  },
  // The config files are plain JavaScript, outside the TypeScript project.
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
