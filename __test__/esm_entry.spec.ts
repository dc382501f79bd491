// The ESM entry (index.mjs) is hand-written: it must re-export every export of the CommonJS
// loader, or an `import { X } from 'tokio-net'` of a new member fails only for ESM users.

import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import test from 'ava'

const ROOT = path.resolve(__dirname, '..')

test('index.mjs re-exports exactly the named exports of index.js, the same objects', async (t) => {
  const cjs = createRequire(__filename)(path.join(ROOT, 'index.js')) as Record<string, unknown>
  const esm = (await import(pathToFileURL(path.join(ROOT, 'index.mjs')).href)) as Record<string, unknown>
  const named = Object.keys(esm).filter((k) => k !== 'default').sort()
  t.deepEqual(named, Object.keys(cjs).sort())
  for (const name of named) t.is(esm[name], cjs[name], name)
})
