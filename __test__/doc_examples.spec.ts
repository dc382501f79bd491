// Every `@example` in the generated `index.d.ts` type-checks against the package's own types, so
// the examples a user sees in their editor cannot drift from the API.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

import test from 'ava'
import ts from 'typescript'

// ava runs from the package root.
const ROOT = process.cwd()

/** The code of every ```ts block after an `@example` tag, without the JSDoc ` * ` margin. */
function examples(dts: string): string[] {
  const found = new Set<string>()
  const pattern = /@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g
  for (const match of dts.matchAll(pattern)) {
    found.add(
      match[1]
        .split('\n')
        .map((line) => line.replace(/^\s*\* ?/, ''))
        .join('\n'),
    )
  }
  return [...found]
}

/** A module that imports what the example imports from the package, with the rest as its body. */
function asModule(example: string): string {
  const lines = example.split('\n')
  const imports = lines
    .filter((l) => l.startsWith('import '))
    .map((l) => l.replace(/from 'tokio-net'/, `from ${JSON.stringify(path.join(ROOT, 'index.js'))}`))
  const body = lines.filter((l) => !l.startsWith('import '))
  return [...imports, 'export {}', 'async function example(): Promise<void> {', ...body, '}', 'void example'].join('\n')
}

test('every @example in index.d.ts type-checks', (t) => {
  const found = examples(readFileSync(path.join(ROOT, 'index.d.ts'), 'utf8'))
  t.true(found.length >= 15, `found ${found.length} examples`)
  const dir = mkdtempSync(path.join(tmpdir(), 'tokio-net-examples-'))
  try {
    const files = found.map((example, i) => {
      const file = path.join(dir, `example_${i}.mts`)
      writeFileSync(file, asModule(example))
      return file
    })
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p))
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT)
    const program = ts.createProgram(files, { ...options, noEmit: true, noUnusedLocals: false })
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(path.normalize(d.file.fileName)))
      .map((d) => {
        const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
        const example = found[files.indexOf(path.normalize(d.file?.fileName ?? ''))]
        return `${ts.flattenDiagnosticMessageText(d.messageText, '\n')} (line ${(where?.line ?? 0) - 1} of:\n${example})`
      })
    t.deepEqual(problems, [])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
