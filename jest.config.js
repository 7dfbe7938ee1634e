/**
 * Two projects: `unit` (pure modules, no I/O, beside the code) and `e2e` (integration and
 * end-to-end tests under test/, against one local hub started by test/support/globalSetup).
 * middy's ESM-only packages are transpiled to CommonJS (below), so tests may import middlewares
 * and handlers; e2e tests exercise the handlers through `serverless offline` from their bundles.
 * ts-jest only transpiles (isolatedModules); `npm run typecheck` does the type checking.
 */
// tsconfig's isolatedModules makes ts-jest transpile each file alone (fast, no type check).
// middy's packages are ESM-only: ts-jest also transpiles their .js to CommonJS, so tests can
// import the middlewares (lib/http/plumbing.ts) and, through them, the handlers.
const transform = {
  '^.+\\.ts$': 'ts-jest',
  '^.+/node_modules/@middy/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
};
const transformIgnorePatterns = ['/node_modules/(?!@middy/)'];

/** @type {import('jest').Config} */
module.exports = {
  // Only a hang guard: on a loaded machine (2 cores shared by several test runs) a CLI-heavy or
  // property test can take minutes, and a wall-clock limit must not be what fails it.
  testTimeout: 180_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: [
        '<rootDir>/lib/**/*.test.ts',
        '<rootDir>/cost/**/*.test.ts',
        '<rootDir>/ledger/**/*.test.ts',
        '<rootDir>/client/**/*.test.ts',
        '<rootDir>/cli/**/*.test.ts',
        '<rootDir>/bench/**/*.test.ts',
        '<rootDir>/infra/**/*.test.ts',
        '<rootDir>/console/**/*.test.ts',
        '<rootDir>/consumer/**/*.test.ts',
        '<rootDir>/functions/**/*.test.ts',
      ],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
};
