// ESLint flat config: `npm run lint` (together with `prettier --check`).
// typescript-eslint's `recommended` set, plus three type-aware promise rules (below). The whole
// type-aware set (`recommendedTypeChecked`) is not used: it reports about 190 more findings on
// today's code, mostly unnecessary type assertions, and took 150 s on src + tests when the 2-core
// machine was busy. Measured on a quiet moment: this config 38 s wall (20 s CPU, the TypeScript
// program it builds), the recommended set alone 7 s.
// Formatting is Prettier's job (.prettierrc); eslint-config-prettier, last, turns off the
// style rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's CommonJS globals, for the plain .js/.cjs files (jest setup, scripts, test fixtures, tool configs). */
const nodeGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'console',
    'Buffer',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'URL',
    'TextDecoder',
    'TextEncoder',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  // Generated, vendored or data: the build, the TypeDoc output, notebooks (JSON), data files.
  { ignores: ['dist/', 'docs/api/', 'node_modules/', 'data/', 'notebooks/', 'solutions/', 'out/', '.cache/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `const { dropped: _dropped, ...rest } = x` and `_arg` are the house way to omit a key or an argument.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // `== null` / `!= null` (null or undefined) is the one loose comparison the code uses.
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // A promise nobody awaits loses its rejection (an un-awaited `show`, `train` or file write);
    // these need type information (the TypeScript program of tsconfig.json).
    files: ['src/**/*.ts', 'tests/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // House rule: typed public API (every export states its parameter and return types).
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      // Optional or heavy TensorFlow.js packages are loaded lazily with require() (tfjs-node is an
      // optional dependency; the wasm backend only when asked for); nothing else may be.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^@tensorflow/'] }],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // Tests require() a module inside the one test that needs it (fresh environment, lazy load).
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['tests/**/*.js'],
    languageOptions: { globals: { jest: 'readonly' } },
  },
  prettier,
);
