// ESLint for the project's TypeScript (and the few .mjs scripts): typescript-eslint's
// type-checked recommended rules, with the promise rules as errors: a promise nobody awaits
// (`no-floating-promises`) or one handed where a plain callback is expected
// (`no-misused-promises`) hides its rejection. `npm run lint` runs it.
//
// A deliberately unawaited promise is marked `void` with a comment saying why; a rule turned off
// for one line says why on that line.

import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The folders linted (the root tsconfig.json covers __test__/ and stress/, which is what the
 * type-aware rules need; __test__'s JavaScript fixtures are in `allowDefaultProject` below).
 */
const linted = ['lib', 'bench', 'scripts', '__test__', 'stress']

export default defineConfig(
  // Everything outside the linted folders is left alone (`npm run lint` is `eslint .`).
  globalIgnores(['**/*', ...linted.flatMap((dir) => [`!${dir}/`, `!${dir}/**/`, `!${dir}/**/*`])]),
  // Installed, not ours: the benchmark's Bun and Deno peers (npm run test:runtimes fetches them).
  globalIgnores(['**/node_modules/', 'bench/.peers/']),
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Each file is checked with the nearest tsconfig.json: lib/, bench/ and the root one.
        // The JavaScript files are in none, and get the default project (at most 8 files).
        projectService: { allowDefaultProject: ['scripts/*.mjs', '__test__/fixtures/*.{cjs,mjs}'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `_name` marks a parameter kept for its position or an interface (`_encoding`, `_socket`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    rules: {
      // A CommonJS file loads its modules with require(): there is no other way.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['__test__/**', 'stress/**'],
    rules: {
      // A test's function is async for its contract, not for an await: ava's test bodies, the
      // differential scenarios' `run` and helpers like `refusedPort` return a promise that callers
      // await, and being async turns a synchronous throw into that promise's rejection; the hostile
      // values hand on an async callback on purpose. (no-floating-promises and no-misused-promises
      // stay errors here, as everywhere.)
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: {
      // The bench clients load the built adapter with require() only when BENCH_NET / the mode
      // asks for it: synchronously, and without needing dist/ otherwise.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['/dist/net/index\\.js$'] }],
    },
  },
)
