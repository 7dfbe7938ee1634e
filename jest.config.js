/**
 * Tests import only CommonJS-compatible code: handlers (which pull in ESM-only middy) are
 * exercised through `serverless offline` from their esbuild bundles, never imported here.
 * ts-jest only transpiles (isolatedModules); `npm run typecheck` does the type checking.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testMatch: ['<rootDir>/lib/**/*.test.ts', '<rootDir>/test/**/*.test.ts', '<rootDir>/cli/**/*.test.ts'],
  projects: undefined,
};
