// `npm run test:runtimes`: the examples and the core of the suite under Bun and Deno.
//
// Installs the pinned Bun and Deno from npm on first use (scripts/peers.ts), then runs every plan
// of __test__/runtimes/plan.ts under each with __test__/runtimes/run.ts, prints what each test did,
// then the counts per runtime, and exits non-zero if any test failed or a runtime could not run.
// `npm run test:runtimes -- <plan | spec files>` runs only that, under both.
import { spawn } from 'node:child_process'
import path from 'node:path'

import { PLANS, type Runtime } from '../__test__/runtimes/plan.js'

import { findBun, findDeno, installPeers, type Peer } from './peers.js'

const ROOT = path.resolve(__dirname, '..')
const RUN = '__test__/runtimes/run.ts'
/** A whole plan takes seconds; this only turns a hang into a failure. */
const PLAN_TIMEOUT_MS = 5 * 60_000

const log = (msg: string) => console.log(`[test:runtimes] ${msg}`)

/** The arguments that make `runtime` run `run.ts` with `args`. */
function runtimeArgs(runtime: Runtime, args: string[]): string[] {
  if (runtime === 'bun') return [RUN, ...args]
  return [
    'run',
    '-A',
    '--no-lock',
    // Use the checkout's node_modules as it is: never install into it.
    '--node-modules-dir=manual',
    // index.js is CommonJS in a package without "type" (an app importing 'tokio-net' needs no flag).
    '--unstable-detect-cjs',
    // The specs import './helpers/index.js' meaning helpers/index.ts, as tsx lets them.
    '--unstable-sloppy-imports',
    '--import-map=__test__/runtimes/import_map.json',
    RUN,
    ...args,
  ]
}

/** One start of run.ts: its arguments (a plan's name, or spec files) and environment. */
interface Run {
  label: string
  args: string[]
  what: string
  /** TOKIO_NET_IO_DRIVER for the run; undefined removes it from the environment. */
  ioDriver: string | undefined
}

interface Outcome {
  label: string
  passed: number
  failed: number
  skipped: number
  seconds: number
  /** Why the run gave no counts (it crashed, hung or printed no RESULT line). */
  broken?: string
}

/** Every plan; or, given arguments, one run of just those. */
function runsFor(argv: string[]): Run[] {
  if (argv.length === 0) {
    return Object.entries(PLANS).map(([name, p]) => ({ label: name, args: [name], what: p.what, ioDriver: p.ioDriver }))
  }
  const plan = argv.length === 1 ? PLANS[argv[0] ?? ''] : undefined
  const label = argv.join(' ')
  return [{ label, args: argv, what: plan?.what ?? label, ioDriver: plan ? plan.ioDriver : process.env.TOKIO_NET_IO_DRIVER }]
}

function start(runtime: Runtime, bin: string, run: Run): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }
  if (run.ioDriver === undefined) delete env.TOKIO_NET_IO_DRIVER
  else env.TOKIO_NET_IO_DRIVER = run.ioDriver
  console.log(`\n== ${runtime}: ${run.what}${run.ioDriver ? ` (TOKIO_NET_IO_DRIVER=${run.ioDriver})` : ''}`)
  return new Promise((resolve) => {
    const child = spawn(bin, runtimeArgs(runtime, run.args), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let result: Outcome | undefined
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, PLAN_TIMEOUT_MS)
    let pending = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('RESULT ')) {
          const r = JSON.parse(line.slice('RESULT '.length)) as Omit<Outcome, 'label'>
          result = { label: run.label, passed: r.passed, failed: r.failed, skipped: r.skipped, seconds: r.seconds }
        } else console.log(line)
      }
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => process.stdout.write(chunk))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (pending) console.log(pending)
      const broken = timedOut
        ? `no result within ${PLAN_TIMEOUT_MS / 1000} s`
        : result === undefined
          ? `exited (${signal ?? `code ${code}`}) before reporting a result`
          : result.failed === 0 && code !== 0
            ? `exited with code ${code} although no test failed`
            : undefined
      resolve({ ...(result ?? { label: run.label, passed: 0, failed: 0, skipped: 0, seconds: 0 }), ...(broken ? { broken } : {}) })
    })
  })
}

async function main(): Promise<number> {
  const started = Date.now()
  installPeers(log)
  const peers: Record<Runtime, Peer> = { bun: findBun(log), deno: findDeno() }
  const runs = runsFor(process.argv.slice(2))
  const summary: string[] = []
  let ok = true
  for (const runtime of ['bun', 'deno'] as const) {
    const peer = peers[runtime]
    if (peer.bin === undefined) {
      ok = false
      summary.push(`${runtime}: NOT RUN: ${peer.why ?? 'not found'}`)
      continue
    }
    const outcomes: Outcome[] = []
    for (const run of runs) outcomes.push(await start(runtime, peer.bin, run))
    const total = (k: 'passed' | 'failed' | 'skipped') => outcomes.reduce((n, o) => n + o[k], 0)
    const broken = outcomes.filter((o) => o.broken !== undefined)
    if (total('failed') > 0 || broken.length > 0) ok = false
    const parts = outcomes.map(
      (o) => `${o.label} ${o.passed}/${o.failed}/${o.skipped} in ${o.seconds.toFixed(1)} s${o.broken ? ` (BROKEN: ${o.broken})` : ''}`,
    )
    summary.push(
      `${runtime} ${peer.version}: ${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped` +
        ` (passed/failed/skipped per run: ${parts.join('; ')})`,
    )
  }
  console.log('\n== test:runtimes')
  for (const line of summary) console.log(line)
  console.log(`${ok ? 'all passed' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  return ok ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  },
)
