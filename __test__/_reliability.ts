// Helpers for the reliability_*.spec.ts regression tests: running a fixture in a child process
// (for what can crash or hang the process), forcing garbage collection, and bounded waits.
// Not a `.spec.ts` file, so ava does not run it as a test file.

import { spawn } from 'node:child_process'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'

import type { ExecutionContext } from 'ava'

import { describeError } from './_helpers.js'

const ROOT = process.cwd()
const FIXTURES = path.join(ROOT, '__test__', 'fixtures')

/** The line prefix a fixture writes its JSON result after (see fixtures/_fixture.ts). */
export const RESULT_PREFIX = 'RESULT '

export interface ChildRun<R> {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  /** The JSON after the last `RESULT ` line, if the child got that far. */
  result: R | undefined
  /** The last `STEP ` line: where a child that hung or crashed was. */
  lastStep: string
}

export interface ChildOptions {
  /** The bound after which the child is killed: a hang guard, not a timing assertion. */
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  /** Called with each stdout line as it arrives, to drive the test from the child's progress. */
  onLine?: (line: string) => void
}

/** Runs `__test__/fixtures/<name>.ts` in a fresh Node process and collects what it reported. */
export function runFixture<R>(name: string, args: string[] = [], opts: ChildOptions = {}): Promise<ChildRun<R>> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, `${name}.ts`), ...args], {
      cwd: ROOT,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let partial = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      partial += chunk
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) opts.onLine?.(line)
    })
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const lines = stdout.split('\n')
      const resultLine = lines.filter((l) => l.startsWith(RESULT_PREFIX)).pop()
      const stepLine = lines.filter((l) => l.startsWith('STEP ')).pop()
      resolve({
        code,
        signal,
        timedOut,
        stdout,
        stderr,
        result: resultLine === undefined ? undefined : (JSON.parse(resultLine.slice(RESULT_PREFIX.length)) as R),
        lastStep: stepLine === undefined ? '(none)' : stepLine.slice('STEP '.length),
      })
    })
  })
}

/** A one-paragraph account of how a child ended, for assertion messages. */
export function describeRun(run: ChildRun<unknown>): string {
  const how = run.timedOut ? 'was killed by the hang guard' : run.signal ? `died of ${run.signal}` : `exited with code ${run.code}`
  const tail = (s: string) => s.trim().split('\n').slice(-8).join('\n    ')
  return `child ${how}; last step: ${run.lastStep}\n  stdout:\n    ${tail(run.stdout)}\n  stderr:\n    ${tail(run.stderr)}`
}

/** Asserts the child ran to its end: exit code 0, no signal, no hang, a result reported. */
export function assertCleanExit<R>(t: ExecutionContext, run: ChildRun<R>, label: string): run is ChildRun<R> & { result: R } {
  const ok = !run.timedOut && run.signal === null && run.code === 0 && run.result !== undefined
  t.true(ok, `${label}: ${describeRun(run)}`)
  return ok
}

export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') return g
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

/** Collects garbage several times, letting finalizers and queued callbacks run in between. */
export async function collectGarbage(rounds = 6): Promise<void> {
  const gc = getGc()
  for (let i = 0; i < rounds; i++) {
    gc()
    await new Promise<void>((r) => setImmediate(r))
  }
}

export type Outcome<T> = { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' }

/** Tracks a promise's outcome without awaiting it (and keeps its rejection from going unhandled). */
export function watch<T>(p: Promise<T>): { outcome: () => Outcome<T>; settled: Promise<Outcome<T>> } {
  let current: Outcome<T> = { state: 'pending' }
  const settled = p.then(
    (value): Outcome<T> => (current = { state: 'resolved', value }),
    (error: unknown): Outcome<T> => (current = { state: 'rejected', error }),
  )
  return { outcome: () => current, settled }
}

/** Waits up to `ms` for `p`; returns `pending` if it did not settle by then. */
export async function settleWithin<T>(p: Promise<T>, ms: number): Promise<Outcome<T>> {
  const w = watch(p)
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<Outcome<T>>((r) => {
    timer = setTimeout(() => r({ state: 'pending' }), ms)
  })
  try {
    return await Promise.race([w.settled, bound])
  } finally {
    clearTimeout(timer)
  }
}

export function describeOutcome(o: Outcome<unknown>): string {
  if (o.state === 'pending') return 'still pending'
  if (o.state === 'resolved') return `resolved with ${String(o.value)}`
  return `rejected with ${describeError(o.error)}`
}
