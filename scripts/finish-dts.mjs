// Runs after `napi build`: declares the classes JS must not construct as values rather than
// classes, which napi-rs has no attribute for. `ReuniteError` is made only by `reunite` (its
// `new` throws ERR_ILLEGAL_CONSTRUCTOR), so its type says so; `instanceof` still narrows.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'index.d.ts')
const generated = /export declare class ReuniteError \{\}\n/
const declared = `export declare const ReuniteError: {
  readonly prototype: ReuniteError
  [Symbol.hasInstance](value: unknown): value is ReuniteError
}
`
const dts = readFileSync(file, 'utf8')
if (generated.test(dts)) {
  writeFileSync(file, dts.replace(generated, declared))
} else if (!dts.includes('export declare const ReuniteError')) {
  throw new Error('finish-dts: napi build no longer declares ReuniteError as expected; update this script')
}
