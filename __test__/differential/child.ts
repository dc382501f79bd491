// The child runner of the differential harness:
//
//   node [--require ./dist/net/register.js] --import tsx child.ts <impl> batch [<shard>/<shards>]
//   node [--require ./dist/net/register.js] --import tsx child.ts <impl> one <scenario>
//
// `batch` runs every non-isolated scenario (of the shard) in turn, each under its own hang guard,
// with a recording `uncaughtException` handler installed, and prints one `R <json>` line per
// scenario. `one` runs one isolated scenario and prints each log entry as an `L <json>` line as
// it is recorded (so a crash loses nothing), then `ALIVE` if the process was still running
// `aliveMs` after the scenario's `run` resolved; the parent reads the exit code.
//
// By hand: TOKIO_NET_DIFF_ONLY=<part of a name> runs only the batch scenarios whose name has it,
// TOKIO_NET_DIFF_GUARD_MS=<ms> replaces every hang guard (to tell a hang from a slow run).

import fs from 'node:fs'

import { DEFAULT_ALIVE_MS, DEFAULT_GUARD_MS, type HttpModule, type ImplName, type NetModule, type Outcome, Recorder, fmtErr, makeCtx } from './harness.js'
import { SCENARIOS } from './scenarios/index.js'

function out(line: string): void {
  fs.writeSync(1, `${line}\n`)
}

async function loadNet(impl: ImplName): Promise<NetModule> {
  if (impl === 'tokio') return (await import('../../lib/net/index.js')).default as unknown as NetModule
  // node and preload: node:net itself (under the preload, its connect/createConnection/createServer are tokio-net's).
  return (await import('node:net')).default
}

/** A port bound by a socket that never listens (see `refusedPort` in __test__/helpers/sockets.ts). */
async function refusedPort(host: string): Promise<{ port: number; close(): void }> {
  const { TcpSocket } = await import('../../index.js')
  const v6 = host.includes(':')
  const socket = v6 ? TcpSocket.newV6() : TcpSocket.newV4()
  socket.bind(v6 ? `[${host}]:0` : `${host}:0`)
  return { port: socket.localAddr().port(), close: () => socket.close() }
}

let current: Recorder | null = null

async function batch(impl: ImplName, net: NetModule, http: HttpModule, shard: number, shards: number): Promise<void> {
  process.on('uncaughtException', (err, origin) => {
    if (current) current.uncaught(err, origin)
    else process.stderr.write(`uncaught outside a scenario: ${fmtErr(err)}\n`)
  })
  // For runs by hand: TOKIO_NET_DIFF_ONLY=<substring> picks scenarios, TOKIO_NET_DIFF_GUARD_MS lengthens the guards.
  const only = process.env.TOKIO_NET_DIFF_ONLY
  const guardOverride = Number(process.env.TOKIO_NET_DIFF_GUARD_MS) || 0
  const list = SCENARIOS.filter((s) => !s.isolated)
    .filter((_, i) => i % shards === shard)
    .filter((s) => !only || s.name.includes(only))
  for (const scenario of list) {
    const recorder = new Recorder()
    current = recorder
    const { ctx, cleanup } = makeCtx({ impl, net, http, isolated: false, recorder, refusedPort })
    let timer: NodeJS.Timeout | undefined
    const guardMs = guardOverride || (scenario.guardMs ?? DEFAULT_GUARD_MS)
    const hang = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'hang', log: recorder.log, detail: `still waiting for: ${recorder.pending().join(', ') || '(nothing named)'}` }), guardMs)
    })
    const ran = scenario.run(ctx).then(
      (): Outcome => ({ status: 'ok', log: recorder.log }),
      (e: unknown): Outcome => ({ status: 'failed', log: recorder.log, detail: fmtErr(e) }),
    )
    const started = Date.now()
    const outcome = await Promise.race([ran, hang])
    const ms = Date.now() - started
    clearTimeout(timer)
    recorder.freeze()
    await cleanup()
    current = null
    // `ms` is for a reader (how long the scenario took); the parent compares only `outcome`.
    out(`R ${JSON.stringify({ name: scenario.name, ms, outcome })}`)
  }
}

async function one(impl: ImplName, net: NetModule, http: HttpModule, name: string): Promise<void> {
  const scenario = SCENARIOS.find((s) => s.name === name)
  if (!scenario?.isolated) throw new Error(`no isolated scenario named ${name}`)
  const recorder = new Recorder((channel, entry) => out(`L ${JSON.stringify([channel, entry])}`))
  current = recorder
  if (scenario.isolated.handleUncaught) process.on('uncaughtException', (err, origin) => recorder.uncaught(err, origin))
  const { ctx } = makeCtx({ impl, net, http, isolated: true, recorder, refusedPort })
  try {
    await scenario.run(ctx)
  } catch (e) {
    recorder.add('run', `failed ${fmtErr(e)}`)
  }
  // The bound for "the process stays alive": unref'd, so it never keeps the process alive itself.
  setTimeout(() => {
    out('ALIVE')
    process.exit(0)
  }, scenario.isolated.aliveMs ?? DEFAULT_ALIVE_MS).unref()
}

async function main(): Promise<void> {
  const [impl, mode, arg] = process.argv.slice(2) as [ImplName, string, string | undefined]
  if (impl !== 'node' && impl !== 'tokio' && impl !== 'preload') throw new Error(`unknown implementation ${String(impl)}`)
  const net = await loadNet(impl)
  const http = (await import('node:http')).default
  if (mode === 'batch') {
    const [shard, shards] = (arg ?? '0/1').split('/').map(Number) as [number, number]
    await batch(impl, net, http, shard, shards)
    process.exit(0)
  } else if (mode === 'one' && arg) {
    await one(impl, net, http, arg)
  } else {
    throw new Error(`usage: child.ts <impl> batch [i/n] | one <scenario>`)
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`differential child failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(70)
})
