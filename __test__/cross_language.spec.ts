// Facts that live on both sides of the binding, each checked against its one source: the error
// codes the Rust side can give are all in the TypeScript union users switch on, and the Interest
// flags of the public enum are the binding's.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

import test from 'ava'

import { Interest } from '../index.js'

const ROOT = process.cwd()
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')

/** The string literals of the type alias `name` in `source`. */
function unionMembers(source: string, name: string): Set<string> {
  const start = source.indexOf(`export type ${name} =`)
  const end = source.indexOf('\n\n', start)
  return new Set([...source.slice(start, end).matchAll(/'([A-Za-z_]+)'/g)].map((m) => m[1]))
}

const errorsTs = read('lib/tokio/errors.ts')
const codes = unionMembers(errorsTs, 'NetErrorCode')
const kinds = unionMembers(errorsTs, 'NetErrorKind')

test('every code src/errors.rs writes out is a NetErrorCode', (t) => {
  // "ERR" alone is the prefix of the codes derived from error kinds, checked below.
  const written = [...read('src/errors.rs').matchAll(/"((?:E[A-Z0-9]+)|(?:ERR_[A-Z_]+)|ABORT_ERR)"/g)]
    .map((m) => m[1])
    .filter((code) => code !== 'ERR')
  t.true(written.length > 20, `found ${written.length} codes`)
  t.deepEqual(
    written.filter((code) => !codes.has(code)),
    [],
  )
})

test('the ERR_<KIND> code the binding derives from every error kind is a NetErrorCode', (t) => {
  t.true(kinds.size > 30)
  const derived = [...kinds].map((kind) => `ERR${kind.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`)
  t.deepEqual(
    derived.filter((code) => !codes.has(code)),
    [],
  )
})

test("the Interest flags are the binding's", (t) => {
  const binding = createRequire(path.join(ROOT, 'index.js'))('./binding.js') as { Interest: Record<string, number> }
  t.deepEqual({ ...binding.Interest }, { ...Interest })
})
