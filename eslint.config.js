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
    // interfaces it defines (engine/) or the ports (ports/), never through their implementations,
    // and it does no file, process, host or network I/O itself (node:path and node:crypto are pure
    // and allowed). One rule holds both lists: a second config of the same rule would replace it.
    files: ['src/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'fs/promises', 'os', 'child_process', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'dns', 'worker_threads', 'cluster'].flatMap((name) =>
            [name, `node:${name}`].map((spec) => ({
              name: spec,
              message: 'engine/ does no I/O: read files, probe processes or reach the network in app/ or behind a port, and pass the engine what it needs.',
            })),
          ),
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
