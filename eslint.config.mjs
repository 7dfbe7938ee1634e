// Lint: typescript-eslint's recommended rules plus the few type-aware ones that catch lost
// errors (floating promises). Formatting is prettier's job (`npm run lint` checks both).
import tseslint from 'typescript-eslint';

/** Outside the domain although under lib/: the AWS adapters, the composition root, and client code. */
export const DOMAIN_EXEMPT = ['lib/adapters/**', 'lib/hub.ts'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.devhub/**',
      '.serverless/**',
      'coverage/**',
      'scratch/**',
      'bench-results/**',
      'test-results/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  // The import boundary: the hub's domain (lib/, except the adapters, the composition root
  // lib/hub.ts and client code) never imports the AWS SDK, an adapter, a handler or the CLI.
  // The domain declares ports; adapters in lib/adapters implement them. Core
  // no-restricted-imports matches the import text (relative paths included) and needs no
  // resolver; lib/boundaries.test.ts proves it fires.
  {
    files: ['lib/**/*.ts'],
    ignores: DOMAIN_EXEMPT,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^@aws-sdk/', message: 'The domain uses no AWS SDK: declare a port and implement it in lib/adapters/aws.' },
            { regex: '(^|/)adapters(/|$)', message: 'The domain imports no adapter: declare a port; lib/hub.ts wires the adapter in.' },
            { regex: '^(\\.\\./)+functions(/|$)', message: 'The domain imports no handler (functions/).' },
            { regex: '^(\\.\\./)+cli(/|$)', message: 'The domain imports nothing from the CLI (cli/).' },
          ],
        },
      ],
    },
  },
);
