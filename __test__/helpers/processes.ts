// Child processes: a fixture of __test__/fixtures/ (for what can crash or hang the process) run
// with a time bound and its report read back, and short `node -e` programs (for what only a
// fresh process shows: whether something keeps it alive, what a preload does).

import { execFile, spawn } from 'node:child_process'
import path from 'node:path'

import type { ExecutionContext } from 'ava'

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

/** How a `node` run ended: its exit code (null when it was killed) and its output. */
export interface NodeRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node ...args` from the repository root, killed after `timeoutMs` (a hang guard). */
export function runNode(args: string[], timeoutMs = 30_000): Promise<NodeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr })
    })
  })
}

/** Runs the program `src` with `node -e` (see `runNode`). */
export function runScript(src: string, timeoutMs = 30_000): Promise<NodeRun> {
  return runNode(['-e', src], timeoutMs)
}
