// The parent side of the differential harness: spawns the children (child.ts) for each
// implementation and collects their outcomes. Used by net_differential.spec.ts (and usable from
// a script: `node --import tsx -e "..."`). Children inherit the environment, so
// TOKIO_NET_IO_DRIVER reaches them.

import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'

import { IMPLS, type ImplName, type Log, type Outcome } from './harness.js'
import { SCENARIOS } from './scenarios/index.js'

const HERE = __dirname
const ROOT = path.resolve(HERE, '..', '..')
const CHILD = path.join(HERE, 'child.ts')
const REGISTER = path.join(ROOT, 'dist', 'net', 'register.js')

/** Batch children per implementation: scenarios that hang then wait out their guards side by side. */
export const BATCH_SHARDS = 2
/** A batch child that runs longer than this is killed (its unreported scenarios become `crashed`). */
const BATCH_KILL_MS = 90_000
/** An isolated child that runs longer than this is killed (it outlived its `kept alive` bound by far). */
const ONE_KILL_MS = 15_000
/**
 * Isolated children running at once: a third of them spend most of their life waiting out the
 * `kept alive` bound, so more than one per core (on 2 cores, 4 at once: ~8 s instead of ~13 s).
 */
const ONE_PARALLEL = Math.max(4, os.availableParallelism())

interface ChildRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  killed: boolean
}

function runChild(impl: ImplName, args: string[], flags: string[], killMs: number): Promise<ChildRun> {
  const nodeArgs = [...(impl === 'preload' ? ['--require', REGISTER] : []), ...flags, '--import', 'tsx', CHILD, impl, ...args]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, killMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, killed })
    })
  })
}

function tail(s: string, n = 1500): string {
  return s.length > n ? `…${s.slice(-n)}` : s
}

/** Outcomes of every batch scenario on `impl`, by name. */
export async function runBatch(impl: ImplName): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>()
  const runs = await Promise.all(Array.from({ length: BATCH_SHARDS }, (_, i) => runChild(impl, ['batch', `${i}/${BATCH_SHARDS}`], [], BATCH_KILL_MS)))
  const problems: string[] = []
  for (const r of runs) {
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('R ')) continue
      const { name, outcome } = JSON.parse(line.slice(2)) as { name: string; outcome: Outcome }
      results.set(name, outcome)
    }
    if (r.code !== 0) problems.push(`exit ${String(r.code ?? r.signal)}${r.killed ? ' (killed)' : ''}: ${tail(r.stderr)}`)
  }
  for (const s of SCENARIOS) {
    if (s.isolated || results.has(s.name)) continue
    results.set(s.name, { status: 'crashed', log: {}, detail: `the ${impl} batch child reported nothing for it: ${problems.join(' | ') || 'no error output'}` })
  }
  return results
}

/** The outcome of one isolated scenario on `impl`, with how its process ended. */
export async function runOne(impl: ImplName, name: string): Promise<Outcome & { stderr: string }> {
  const scenario = SCENARIOS.find((s) => s.name === name)
  const r = await runChild(impl, ['one', name], scenario?.isolated?.flags ?? [], ONE_KILL_MS)
  const log: Log = {}
  let alive = false
  for (const line of r.stdout.split('\n')) {
    if (line === 'ALIVE') alive = true
    if (!line.startsWith('L ')) continue
    const [channel, entry] = JSON.parse(line.slice(2)) as [string, string]
    ;(log[channel] ??= []).push(entry)
  }
  const exit = alive ? 'kept alive' : r.killed ? 'killed (no exit and no kept-alive report)' : `exited code=${String(r.code ?? r.signal)}`
  return { status: r.code === 70 ? 'crashed' : 'ok', log, exit, stderr: tail(r.stderr) }
}

/** Runs `jobs` with at most `n` at once. */
async function limit<T>(n: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++
        out[i] = await jobs[i]()
      }
    }),
  )
  return out
}

export type AllResults = Record<ImplName, Map<string, Outcome & { stderr?: string }>>

/** Every scenario on every implementation: the batches and the isolated children side by side. */
export async function runAll(impls: readonly ImplName[] = IMPLS): Promise<AllResults> {
  const isolated = SCENARIOS.filter((s) => s.isolated)
  const batches = Promise.all(impls.map((impl) => runBatch(impl)))
  const ones = limit(
    ONE_PARALLEL,
    isolated.flatMap((s) => impls.map((impl) => async () => [impl, s.name, await runOne(impl, s.name)] as const)),
  )
  const [batchResults, oneResults] = await Promise.all([batches, ones])
  const all = {} as AllResults
  impls.forEach((impl, i) => (all[impl] = batchResults[i]))
  for (const [impl, name, outcome] of oneResults) all[impl].set(name, outcome)
  return all
}
