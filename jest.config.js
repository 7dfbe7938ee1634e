/**
 * Two projects: `unit` (pure modules, no I/O, beside the code) and `e2e` (integration and
 * end-to-end tests under test/, against one local hub started by test/support/globalSetup).
 * Tests import only CommonJS-compatible code: handlers (which pull in ESM-only middy) are
 * exercised through `serverless offline` from their esbuild bundles, never imported here.
 * ts-jest only transpiles (isolatedModules); `npm run typecheck` does the type checking.
 */
// tsconfig's isolatedModules makes ts-jest transpile each file alone (fast, no type check).
const transform = { '^.+\\.ts$': 'ts-jest' };

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
      ],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
};
