// ESM all the way (the @actions packages are ESM-only): ts-jest in ESM mode,
// and imports written with .js suffixes mapped back to the .ts sources.
// XC_UNIT_ONLY=1 (npm run test:unit) leaves out the end-to-end tests that boot VMs.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: process.env.XC_UNIT_ONLY ? ['/node_modules/', '/e2e/'] : ['/node_modules/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
  // Unit tests first, then the e2e files in the order that shares their images (see there).
  testSequencer: '<rootDir>/scripts/test-sequencer.cjs',
};
