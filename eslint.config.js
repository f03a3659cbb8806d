// Zero-warning lint: typescript-eslint's recommended rules over sources, tests and benchmarks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.sagesim/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The CLI, scripts, benchmarks and examples are where printing belongs; the engine never prints.
    // The browser console's own troubles go to the browser's developer console.
    files: ['src/cli/**', 'scripts/**', 'bench/**', 'bin/**', 'examples/**', 'test/**', 'web/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The engine is pure: it reaches executors, stores and the outside world only through the
    // interfaces it defines (engine/) or the ports (ports/), never through their implementations.
    files: ['src/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/steps/**', '**/mock-aws/**', '**/runtime/**', '**/cli/**', '**/images/**', '**/app/**', '**/testing/**', '**/reproduce/**', '**/remote/**', '**/console/**', '**/history/**', '**/store/**', '**/adapters/**'],
              message: 'engine/ is pure: define the interface it needs in engine/ or ports/ and implement it outside.',
            },
          ],
        },
      ],
    },
  },
  {
    // Long functions hid closure state and nested helpers (issue 13): a function over 80 lines is a
    // state machine, a plan or a set of named steps waiting to be named. Tests' describe blocks are
    // exempt: they are tables of cases, not logic.
    files: ['src/**', 'web/**'],
    rules: { 'max-lines-per-function': ['error', { max: 80 }] },
  },
  {
    files: ['bin/**', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
);
