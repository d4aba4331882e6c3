// ESLint flat config: `npm run lint` (together with `prettier --check`).
// typescript-eslint's `recommended` set without type information: the type-aware set
// (`recommendedTypeChecked`) builds the whole TypeScript program and took about 150 s on src + tests
// on the 2-core course machine (tsc alone about 60 s), against about 45 s for this set.
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
