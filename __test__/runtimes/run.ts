// Runs one plan of plan.ts, or the spec files named, under Bun or Deno, from the repository root:
// `npm run test:runtimes` runs every plan under both; `npm run test:runtimes -- <plan | files>`
// runs what it is given (scripts/test-runtimes.ts has the command lines).
//
// Spec files import 'ava'; here that is ava.ts (Bun: a plugin replacing ava's entry point; Deno:
// the import map). Prints one line per test and, last, `RESULT {json}` with the counts; exits 1
// if any test failed.

import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { withTimeout } from '../../examples/_example.js'

import { ExecutionContext, takeRegistered, type Registered } from './ava.js'
import { PLANS, type Plan, type Runtime, type SuiteFile } from './plan.js'

const TEST_TIMEOUT_MS = 60_000

interface BunPluginBuilder {
  onLoad(options: { filter: RegExp }, callback: () => { contents: string; loader: 'js' }): void
}
interface BunGlobal {
  version: string
  plugin(plugin: { name: string; setup(build: BunPluginBuilder): void }): void
}
interface DenoGlobal {
  version: { deno: string }
}

const { Bun, Deno } = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal }
const runtime: Runtime | undefined = Bun ? 'bun' : Deno ? 'deno' : undefined
const version = Bun?.version ?? Deno?.version.deno ?? ''

const SHIM = path.join(process.cwd(), '__test__', 'runtimes', 'ava.ts')

if (Bun) {
  // Bun's runtime plugins do not see bare specifiers (onResolve), but do see ava's entry point load.
  Bun.plugin({
    name: 'ava for Bun: __test__/runtimes/ava.ts',
    setup(build) {
      const shim = JSON.stringify(SHIM)
      build.onLoad({ filter: /[\\/]ava[\\/]entrypoints[\\/]main\.[cm]?js$/ }, () => ({
        contents: `export * from ${shim}; export { default } from ${shim}`,
        loader: 'js',
      }))
    },
  })
}

interface Counts {
  passed: number
  failed: number
  skipped: number
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(`non-error thrown: ${String(e)}`)
}

/** An unhandled rejection or exception fails the test running, or the run if none is. */
let current: ExecutionContext | undefined
const stray: unknown[] = []
function onStray(e: unknown): void {
  if (current) current.failure ??= asError(e)
  else stray.push(e)
}
process.on('unhandledRejection', onStray)
process.on('uncaughtException', onStray)

function describe(e: unknown): string {
  if (e instanceof Error) {
    const o = e as Error & Record<string, unknown>
    const fields = ['kind', 'code', 'errno', 'syscall'].filter((k) => o[k] !== undefined).map((k) => `${k}=${String(o[k])}`)
    return `${e.stack ?? `${e.name}: ${e.message}`}${fields.length ? `\n(${fields.join(', ')})` : ''}`
  }
  return String(e)
}

function indent(s: string): string {
  return s.replace(/^/gm, '      ')
}

async function runOne(entry: Registered, label: string): Promise<boolean> {
  const t = new ExecutionContext(entry.title)
  current = t
  const started = Date.now()
  try {
    await withTimeout(Promise.resolve().then(() => entry.fn(t)), TEST_TIMEOUT_MS, 'the test')
  } catch (e) {
    t.failure ??= asError(e)
  }
  for (const teardown of [...t.teardowns].reverse()) {
    try {
      await teardown()
    } catch (e) {
      t.failure ??= asError(e)
    }
  }
  if (t.failure === undefined && entry.kind === 'test' && t.assertions === 0) {
    t.failure = new Error('Test finished without running any assertions')
  }
  current = undefined
  const ms = Date.now() - started
  if (t.failure === undefined) {
    console.log(`  ✔ ${label} (${ms} ms)`)
    return true
  }
  console.log(`  ✘ ${label} (${ms} ms)\n${indent(describe(t.failure))}`)
  if (t.logs.length) console.log(indent(`log:\n${t.logs.join('\n')}`))
  return false
}

async function runFile(suite: SuiteFile, rt: Runtime, counts: Counts): Promise<void> {
  const name = path.basename(suite.file).replace(/\.spec\.ts$|\.ts$/, '')
  const leaveOut = new Map(Object.entries(suite.leaveOut?.[rt] ?? {}))
  let registered: Registered[]
  try {
    await import(pathToFileURL(path.join(process.cwd(), suite.file)).href)
    registered = takeRegistered()
  } catch (e) {
    counts.failed++
    console.log(`  ✘ ${name}: the file did not load\n${indent(describe(e))}`)
    return
  }
  const tests = registered.filter((r) => r.kind === 'test')
  // ava's order: serial tests first, then the others (which ava runs concurrently; here one by one).
  const ordered = [...tests.filter((r) => r.serial), ...tests.filter((r) => !r.serial)]
  let allPassed = true
  for (const hook of registered.filter((r) => r.kind === 'before')) {
    if (!(await runOne(hook, `${name} › ${hook.title}`))) {
      counts.failed++
      return
    }
  }
  for (const entry of ordered) {
    const label = `${name} › ${entry.title}`
    const why = leaveOut.get(entry.title)
    leaveOut.delete(entry.title)
    if (entry.skip || why !== undefined) {
      counts.skipped++
      console.log(`  - ${label} (${why === undefined ? 'test.skip in the file' : `left out under ${rt}: ${why}`})`)
      continue
    }
    if (await runOne(entry, label)) counts.passed++
    else {
      counts.failed++
      allPassed = false
    }
  }
  for (const title of leaveOut.keys()) {
    counts.failed++
    console.log(`  ✘ ${name}: plan.ts leaves out ${JSON.stringify(title)}, which is no test of the file`)
  }
  const hooks = registered.filter((r) => r.kind === 'after.always' || (allPassed && r.kind === 'after'))
  for (const hook of hooks) {
    if (await runOne(hook, `${name} › ${hook.title}`)) counts.passed++
    else counts.failed++
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const planName = args.length === 1 && PLANS[args[0] ?? ''] ? (args[0] ?? '') : ''
  // Spec files named on the command line make a plan of their own (for one file at a time).
  const known = new Map(Object.values(PLANS).flatMap((p) => p.files.map((f): [string, SuiteFile] => [f.file, f])))
  const plan: Plan | undefined =
    PLANS[planName] ??
    (args.length > 0 && args.every((a) => a.endsWith('.ts'))
      ? { what: args.join(' '), ioDriver: undefined, files: args.map((file) => known.get(path.normalize(file)) ?? { file }) }
      : undefined)
  if (runtime === undefined) {
    console.log('run.ts runs under Bun or Deno (npm run test:runtimes); under Node, ava runs the suite')
    return 1
  }
  if (plan === undefined) {
    console.log(`usage: run.ts <plan | spec files>; plans: ${Object.keys(PLANS).join(', ')}`)
    return 1
  }
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 }
  const started = Date.now()
  console.log(`${runtime} ${version}: ${plan.what}`)
  for (const suite of plan.files) await runFile(suite, runtime, counts)
  for (const e of stray) {
    counts.failed++
    console.log(`  ✘ an error outside any test\n${indent(describe(e))}`)
  }
  const seconds = (Date.now() - started) / 1000
  console.log(`RESULT ${JSON.stringify({ runtime, version, plan: planName || 'files', ...counts, seconds })}`)
  return counts.failed === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.log(describe(e))
    process.exit(1)
  },
)
