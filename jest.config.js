/** Jest runs TypeScript through swc without type-checking: `npm run typecheck` checks types once for the whole tree. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 60000,
  // Two workers on the 2-core machines: the CDK and validator suites are CPU-bound and independent.
  maxWorkers: 2,
};
