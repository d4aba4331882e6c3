/**
 * Jest runs the TypeScript sources directly, file by file (`isolatedModules` in tsconfig.json: no type
 * checking in jest); type checking is `npm run typecheck`, which `npm test` runs first.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 120000,
  // wasm single-threaded in tests unless a test asks for threads (see the file).
  globalSetup: '<rootDir>/tests/jest-global-setup.js',
  // No tfjs-node hint (expected offline; vaelab's initBackend silences it too).
  setupFiles: ['<rootDir>/tests/jest-setup-quiet-tfjs.js'],
};
