// Lint with teeth (STYLE.md rule 10): type-aware rules, size and complexity limits,
// and a pure core that cannot import I/O or read the clock.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*',
  '@kubernetes/client-node',
  'hono',
  'hono/*',
  '@hono/*',
  'cloudevents',
  'prom-client',
  'pino',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**', 'test/bed/go/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      complexity: ['error', 12],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'no-console': 'error',
      eqeqeq: 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // client-node types its API models as classes, but they are plain JSON on the wire and
      // in every example: object literals are the right way to build them.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-misused-spread': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'No enums: use an `as const` object and a union.',
        },
      ],
    },
  },
  {
    files: ['functions/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ioModules, message: 'functions/core is pure: no I/O imports (STYLE.md).' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time comes in as data (`now`).' },
        { object: 'Math', property: 'random', message: 'Randomness comes in as data.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'functions/core is pure.' },
        { name: 'fetch', message: 'functions/core is pure.' },
        { name: 'setTimeout', message: 'functions/core is pure.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 200, skipBlankLines: true, skipComments: true }],
      'no-console': 'off',
    },
  },
  {
    files: ['*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The dashboard's browser modules, served as written (no build step): plain JS, no type
    // information, and the browser's globals instead of Node's.
    files: ['functions/dashboard/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'Node',
          'EventSource',
          'fetch',
          'URLSearchParams',
          'setInterval',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
