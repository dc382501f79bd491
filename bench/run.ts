// The benchmark harness: `npm run bench [-- --quick] [--clients a,b] [--workloads x,y] [--rounds N]`.
//
// Builds the Rust server and client (release), starts the one fixed tokio server, then runs every
// (workload, client) pair in its own client process, round after round, clients interleaved, and
// writes BENCHMARKS.md and bench/results.json. See bench/README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import path from 'node:path'

import { findBun, findDeno, installPeers } from '../scripts/peers.ts'

const ROOT = path.resolve(__dirname, '..')
const BENCH = path.join(ROOT, 'bench')
const TARGET = path.join(BENCH, 'target')
const ADDON = path.join(ROOT, 'tokio-net.linux-x64-gnu.node')

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  quick: boolean
  clients: string[] | null
  workloads: string[] | null
  rounds: number | null
  noWrite: boolean
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, clients: null, workloads: null, rounds: null, noWrite: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const eq = a.indexOf('=')
      if (eq >= 0) return a.slice(eq + 1)
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--quick') o.quick = true
    else if (a.startsWith('--clients')) o.clients = val().split(',').filter(Boolean)
    else if (a.startsWith('--workloads')) o.workloads = val().split(',').filter(Boolean)
    else if (a.startsWith('--rounds')) o.rounds = Number(val())
    else if (a === '--no-write') o.noWrite = true
    else if (a === '--help' || a === '-h') {
      console.log(
        'npm run bench -- [--quick] [--clients tokio-net,tokio-net-js,tokio-net-net,tokio-net-net-js,node-net,bun,deno,rust] ' +
          '[--workloads pp64,pp4k,upload,download,pipeline,connect,fanin,idle] [--rounds N] [--no-write]',
      )
      process.exit(0)
    } else throw new Error(`unknown argument ${a} (try --help)`)
  }
  return o
}

const opts = parseArgs(process.argv.slice(2))

// ---------------------------------------------------------------------------------------------
// Workloads: the arguments every client takes, full and quick, and the figures derived.

interface Metric {
  key: string
  label: string
  higherIsBetter: boolean
  digits: number
  of(r: Result): number
}

interface Workload {
  id: string
  title: string
  args: { full: number[]; quick: number[] }
  kind: string
  metrics: Metric[]
}

interface Result {
  ops: number
  seconds: number
  cpu: number
  bytes?: number
  p50_us?: number
  p99_us?: number
  rss_before?: number
  rss_after?: number
  leaked_handles?: number
}

const GiB = 1024 ** 3
const MiB = 1024 ** 2

const rate = (label: string, digits = 0): Metric => ({
  key: 'rate',
  label,
  higherIsBetter: true,
  digits,
  of: (r) => r.ops / r.seconds,
})
const cpuPer = (label: string, scale: number, digits = 2): Metric => ({
  key: 'cpu',
  label,
  higherIsBetter: false,
  digits,
  of: (r) => (r.cpu / r.ops) * scale,
})
const latency = (p: 'p50_us' | 'p99_us'): Metric => ({
  key: p,
  label: `${p.slice(0, 3)} latency µs`,
  higherIsBetter: false,
  digits: 1,
  of: (r) => r[p] ?? NaN,
})

const WORKLOADS: Workload[] = [
  {
    id: 'pp64',
    title: 'ping-pong 64 B, 1 connection',
    kind: 'pingpong',
    args: { full: [64, 50_000], quick: [64, 5_000] },
    metrics: [rate('round trips/s'), latency('p50_us'), latency('p99_us'), cpuPer('CPU µs/round trip', 1e6)],
  },
  {
    id: 'pp4k',
    title: 'ping-pong 4 KiB, 1 connection',
    kind: 'pingpong',
    args: { full: [4096, 20_000], quick: [4096, 2_000] },
    metrics: [rate('round trips/s'), latency('p50_us'), latency('p99_us'), cpuPer('CPU µs/round trip', 1e6)],
  },
  {
    id: 'upload',
    title: 'bulk upload, 64 KiB writes',
    kind: 'upload',
    args: { full: [GiB], quick: [128 * MiB] },
    metrics: [
      { key: 'rate', label: 'MB/s', higherIsBetter: true, digits: 0, of: (r) => r.ops / r.seconds / 1e6 },
      cpuPer('CPU s/GiB', GiB, 3),
    ],
  },
  {
    id: 'download',
    title: 'bulk download, 64 KiB reads',
    kind: 'download',
    args: { full: [GiB], quick: [128 * MiB] },
    metrics: [
      { key: 'rate', label: 'MB/s', higherIsBetter: true, digits: 0, of: (r) => r.ops / r.seconds / 1e6 },
      cpuPer('CPU s/GiB', GiB, 3),
    ],
  },
  {
    id: 'pipeline',
    title: 'pipelined 64 B writes, echoes read concurrently',
    kind: 'pipeline',
    args: { full: [100_000, 64], quick: [20_000, 64] },
    metrics: [rate('msg/s'), cpuPer('CPU µs/msg', 1e6)],
  },
  {
    id: 'connect',
    title: 'sequential connect + close',
    kind: 'connect',
    args: { full: [5_000], quick: [1_000] },
    metrics: [rate('connections/s'), cpuPer('CPU µs/connection', 1e6)],
  },
  {
    id: 'fanin',
    title: 'fan-in: connections x 64 B ping-pongs, all at once',
    kind: 'fanin',
    args: { full: [1_000, 100], quick: [1_000, 20] },
    metrics: [rate('round trips/s'), cpuPer('CPU µs/round trip', 1e6)],
  },
  {
    id: 'idle',
    title: 'idle connections held open',
    kind: 'idle',
    args: { full: [10_000], quick: [2_000] },
    metrics: [
      {
        key: 'rss',
        label: 'RSS bytes/connection',
        higherIsBetter: false,
        digits: 0,
        of: (r) => ((r.rss_after ?? NaN) - (r.rss_before ?? NaN)) / r.ops,
      },
      cpuPer('CPU µs/connection opened', 1e6, 1),
    ],
  },
]

function describeArgs(w: Workload, a: number[]): string {
  switch (w.kind) {
    case 'pingpong':
      return `${a[1].toLocaleString('en-US')} round trips`
    case 'upload':
    case 'download':
      return a[0] >= GiB ? `${a[0] / GiB} GiB` : `${a[0] / MiB} MiB`
    case 'pipeline':
      return `${a[0].toLocaleString('en-US')} x ${a[1]} B`
    case 'connect':
      return `${a[0].toLocaleString('en-US')} connections`
    case 'fanin':
      return `${a[0].toLocaleString('en-US')} conns x ${a[1]} round trips`
    case 'idle':
      return `${a[0].toLocaleString('en-US')} connections`
  }
  return a.join(' ')
}

// ---------------------------------------------------------------------------------------------
// Tools and clients

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() }
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`)
}

const cargoEnv = { ...process.env, CARGO_TARGET_DIR: TARGET }

function buildRust() {
  for (const crate of ['server', 'client']) {
    log(`cargo build --release --manifest-path bench/${crate}/Cargo.toml`)
    const r = spawnSync('cargo', ['build', '--release', '--manifest-path', `bench/${crate}/Cargo.toml`], {
      cwd: ROOT,
      env: cargoEnv,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    if (r.status !== 0) throw new Error(`building bench/${crate} failed`)
  }
}

function ensureAddon() {
  // tokio-net/net is compiled TypeScript (dist/net): build it fresh so the adapter column is current.
  log('npm run build:net')
  if (spawnSync('npm', ['run', 'build:net'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] }).status !== 0) {
    throw new Error('npm run build:net failed')
  }
  if (existsSync(ADDON)) return
  log('tokio-net.linux-x64-gnu.node is missing: npm run build')
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0 || !existsSync(ADDON)) throw new Error('npm run build failed')
}

interface ClientDef {
  id: string
  label: string
  cmd: string[]
  version: string
  unavailable?: string
  /** Extra environment for the client process. */
  env?: Record<string, string>
}

function clientDefs(): ClientDef[] {
  const node = process.execPath
  const nodeV = process.version
  installPeers(log)
  const bun = findBun(log)
  const deno = findDeno()
  const tsx = ['--expose-gc', '--import', 'tsx']
  return [
    {
      id: 'tokio-net',
      label: 'tokio-net (Node)',
      cmd: [node, ...tsx, 'bench/client-tokio-net.ts'],
      version: nodeV,
      env: { TOKIO_NET_IO_DRIVER: 'workers' },
    },
    {
      id: 'tokio-net-js',
      label: 'tokio-net, driver on JS thread (Node)',
      cmd: [node, ...tsx, 'bench/client-tokio-net.ts'],
      version: nodeV,
      env: { TOKIO_NET_IO_DRIVER: 'js-thread' },
    },
    { id: 'node-net', label: 'node:net (Node)', cmd: [node, ...tsx, 'bench/client-node-net.ts'], version: nodeV },
    // The same node:net client code over tokio-net/net: only the module it imports differs.
    {
      id: 'tokio-net-net',
      label: 'tokio-net/net (Node)',
      cmd: [node, ...tsx, 'bench/client-node-net.ts'],
      version: nodeV,
      env: { BENCH_NET: 'tokio-net', TOKIO_NET_IO_DRIVER: 'workers' },
    },
    {
      id: 'tokio-net-net-js',
      label: 'tokio-net/net, driver on JS thread (Node)',
      cmd: [node, ...tsx, 'bench/client-node-net.ts'],
      version: nodeV,
      env: { BENCH_NET: 'tokio-net', TOKIO_NET_IO_DRIVER: 'js-thread' },
    },
    bun.bin
      ? { id: 'bun', label: 'node:net (Bun)', cmd: [bun.bin, 'bench/client-node-net.ts'], version: bun.version! }
      : { id: 'bun', label: 'node:net (Bun)', cmd: [], version: '', unavailable: bun.why },
    deno.bin
      ? {
          id: 'deno',
          label: 'Deno.connect (Deno)',
          cmd: [deno.bin, 'run', '-A', '--v8-flags=--expose-gc', 'bench/client-deno.ts'],
          version: deno.version!,
        }
      : { id: 'deno', label: 'Deno.connect (Deno)', cmd: [], version: '', unavailable: deno.why },
    {
      id: 'rust',
      label: 'tokio (Rust)',
      cmd: [path.join(TARGET, 'release', 'tokio-net-bench-client')],
      version: sh('rustc', ['--version']).out,
    },
  ]
}

// Every process gets the hard open-file limit as its soft limit (10,000 idle connections need it).
function withUlimit(cmd: string[]): [string, string[]] {
  return ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bench', ...cmd]]
}

const childEnv = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PACKAGE_JSON: '1', NO_COLOR: '1' }

// ---------------------------------------------------------------------------------------------
// The server

interface Server {
  port: number
  proc: ChildProcess
  stderr: string[]
}

function startServer(): Promise<Server> {
  const [cmd, args] = withUlimit([path.join(TARGET, 'release', 'tokio-net-bench-server'), '0'])
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  const stderr: string[] = []
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(...d.split('\n').filter(Boolean)))
  return new Promise((resolve, reject) => {
    let buf = ''
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      const m = /\{"port":(\d+)\}/.exec(buf)
      if (m) resolve({ port: Number(m[1]), proc, stderr })
    })
    proc.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr.join('\n')}`)))
  })
}

// ---------------------------------------------------------------------------------------------
// Running one client process

interface RunOutcome {
  result?: Result
  error?: string
  wall: number
}

function runClient(def: ClientDef, w: Workload, port: number, args: number[], timeoutMs: number): Promise<RunOutcome> {
  const [cmd, cargs] = withUlimit([...def.cmd, w.kind, String(port), ...args.map(String)])
  const t0 = Date.now()
  return new Promise((resolve) => {
    const p = spawn(cmd, cargs, { cwd: ROOT, env: { ...childEnv, ...def.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    let err = ''
    let timedOut = false
    p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
    p.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-p.pid!, 'SIGKILL')
      } catch {}
    }, timeoutMs)
    p.on('close', (code, signal) => {
      clearTimeout(timer)
      const wall = (Date.now() - t0) / 1000
      const line = out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('{'))
        .pop()
      if (timedOut) return resolve({ wall, error: `hung: killed after ${timeoutMs / 1000} s. ${err.trim().slice(-500)}` })
      if (code !== 0 || !line) {
        return resolve({ wall, error: `exit ${code ?? signal}: ${err.trim().slice(-800) || out.trim().slice(-300)}` })
      }
      try {
        resolve({ wall, result: JSON.parse(line) })
      } catch (e) {
        resolve({ wall, error: `bad JSON line ${line}` })
      }
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  if (n === 0) return NaN
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '–'
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US')
  return x.toFixed(digits)
}

function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–'
  return r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`
}

function machineInfo() {
  const cpuModel = (/model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?').trim()
  return {
    nproc: Number(sh('nproc', []).out) || cpus().length,
    cpu: cpuModel,
    kernel: sh('uname', ['-srm']).out,
    memory_gib: Math.round(totalmem() / GiB),
    os: (/PRETTY_NAME="([^"]*)"/.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? '?'),
  }
}

function tokioVersion(): string {
  const lock = path.join(BENCH, 'server', 'Cargo.lock')
  if (!existsSync(lock)) return '?'
  return /name = "tokio"\nversion = "([^"]+)"/.exec(readFileSync(lock, 'utf8'))?.[1] ?? '?'
}

function gitInfo() {
  const head = sh('git', ['rev-parse', 'HEAD']).out
  const dirty = sh('git', ['status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock', 'build.rs']).out
  return { commit: head, srcDirty: dirty.length > 0 }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const mode = opts.quick ? 'quick' : 'full'
  const rounds = opts.rounds ?? (opts.quick ? 3 : 7)
  const warmupRounds = opts.quick ? 0 : 1
  const timeoutMs = opts.quick ? 60_000 : 240_000
  const started = new Date()
  const loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const t0 = Date.now()

  ensureAddon()
  buildRust()

  let clients = clientDefs()
  if (opts.clients) {
    for (const c of opts.clients) if (!clients.some((d) => d.id === c)) throw new Error(`unknown client ${c}`)
    clients = clients.filter((d) => opts.clients!.includes(d.id) || d.id === 'node-net')
  }
  let workloads = WORKLOADS
  if (opts.workloads) {
    for (const x of opts.workloads) if (!WORKLOADS.some((w) => w.id === x)) throw new Error(`unknown workload ${x}`)
    workloads = WORKLOADS.filter((w) => opts.workloads!.includes(w.id))
  }
  const runnable = clients.filter((c) => !c.unavailable)
  for (const c of clients) if (c.unavailable) log(`${c.label}: n/a (${c.unavailable})`)

  const addonStat = statSync(ADDON)
  const server = await startServer()
  log(`server on 127.0.0.1:${server.port}; ${mode} mode, ${warmupRounds} warm-up + ${rounds} rounds`)

  // raw[workload][client] = Result per measured round
  const raw: Record<string, Record<string, Result[]>> = {}
  const events: string[] = []
  for (const w of workloads) {
    raw[w.id] = {}
    for (const c of runnable) raw[w.id][c.id] = []
  }

  const total = warmupRounds + rounds
  for (let round = 0; round < total; round++) {
    const warm = round < warmupRounds
    const tag = warm ? `warm-up ${round + 1}/${warmupRounds}` : `round ${round - warmupRounds + 1}/${rounds}`
    log(`${tag} (${((Date.now() - t0) / 1000).toFixed(0)} s elapsed)`)
    for (const w of workloads) {
      const args = opts.quick ? w.args.quick : w.args.full
      // Interleave: a different client goes first each round.
      const order = runnable.map((_, i) => runnable[(i + round) % runnable.length])
      for (const c of order) {
        let outcome: RunOutcome | undefined
        for (let attempt = 1; attempt <= 3; attempt++) {
          outcome = await runClient(c, w, server.port, args, timeoutMs)
          if (outcome.result) break
          const msg = `${tag} ${w.id} ${c.id} attempt ${attempt}: ${outcome.error}`
          log(msg)
          events.push(msg)
        }
        if (!outcome?.result) continue
        const r = outcome.result
        if (r.leaked_handles) {
          const msg = `${tag} ${w.id} ${c.id}: ${r.leaked_handles} tokio-net handle(s) still live after closing everything`
          log(msg)
          events.push(msg)
        }
        const first = w.metrics[0]
        log(`  ${w.id.padEnd(9)} ${c.id.padEnd(10)} ${fmt(first.of(r), first.digits)} ${first.label} (${outcome.wall.toFixed(1)} s)`)
        if (!warm) raw[w.id][c.id].push(r)
      }
    }
  }
  server.proc.stdin!.end()
  server.proc.kill()
  if (server.stderr.length) events.push(...server.stderr.map((l) => `server: ${l}`))
  const elapsed = (Date.now() - t0) / 1000
  const loadEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const machineLoad = { start: loadStart, end: loadEnd }

  // Summaries: median, min, max per metric, and the ratio of medians to node:net.
  type Summary = { median: number; min: number; max: number; n: number; ratio: number }
  const summary: Record<string, Record<string, Record<string, Summary>>> = {}
  for (const w of workloads) {
    summary[w.id] = {}
    for (const m of w.metrics) {
      summary[w.id][m.label] = {}
      const base = median((raw[w.id]['node-net'] ?? []).map(m.of))
      for (const c of runnable) {
        const xs = raw[w.id][c.id].map(m.of)
        const med = median(xs)
        summary[w.id][m.label][c.id] = {
          median: med,
          min: xs.length ? Math.min(...xs) : NaN,
          max: xs.length ? Math.max(...xs) : NaN,
          n: xs.length,
          ratio: med / base,
        }
      }
    }
  }

  const versions: Record<string, string> = {
    node: process.version,
    rustc: sh('rustc', ['--version']).out,
    tokio: tokioVersion(),
  }
  for (const c of clients) if (c.id === 'bun' || c.id === 'deno') versions[c.id] = c.unavailable ? `n/a (${c.unavailable})` : c.version
  const git = gitInfo()
  const machine = machineInfo()
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`

  const results = {
    mode,
    date: started.toISOString(),
    command,
    elapsed_seconds: elapsed,
    rounds,
    warmup_rounds: warmupRounds,
    machine,
    load_average: machineLoad,
    versions,
    tokio_net: { ...git, addon_mtime: addonStat.mtime.toISOString() },
    server: { port: server.port, crate: 'bench/server' },
    clients: clients.map((c) => ({ id: c.id, label: c.label, version: c.version, unavailable: c.unavailable ?? null })),
    workloads: workloads.map((w) => ({ id: w.id, title: w.title, args: opts.quick ? w.args.quick : w.args.full })),
    raw,
    summary,
    events,
  }

  const md = renderMarkdown({ mode, started, machineLoad, command, elapsed, rounds, warmupRounds, machine, versions, git, clients, runnable, workloads, summary, events })
  if (opts.noWrite) {
    process.stdout.write(md)
  } else {
    writeFileSync(path.join(BENCH, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), md)
    log(`wrote BENCHMARKS.md and bench/results.json in ${elapsed.toFixed(0)} s`)
    process.stdout.write(md)
  }
}

function renderMarkdown(x: {
  mode: string
  started: Date
  machineLoad: { start: string; end: string }
  command: string
  elapsed: number
  rounds: number
  warmupRounds: number
  machine: ReturnType<typeof machineInfo>
  versions: Record<string, string>
  git: ReturnType<typeof gitInfo>
  clients: ClientDef[]
  runnable: ClientDef[]
  workloads: Workload[]
  summary: Record<string, Record<string, Record<string, { median: number; min: number; max: number; n: number; ratio: number }>>>
  events: string[]
}): string {
  const L: string[] = []
  const quick = x.mode === 'quick'
  L.push(`# tokio-net benchmarks${quick ? ' (QUICK MODE: reduced sizes, not the reference figures)' : ''}`)
  L.push('')
  L.push(
    'Generated by `bench/run.ts`; do not edit by hand. One fixed pure-tokio server (`bench/server`), ' +
      'one client process per measurement; only the client side varies. See `bench/README.md` for what each workload does.',
  )
  L.push('')
  L.push(`- **Date:** ${x.started.toISOString()} (run took ${Math.round(x.elapsed)} s)`)
  L.push(`- **Command:** \`${x.command}\``)
  L.push(
    `- **Mode:** ${x.mode}: ${x.warmupRounds} discarded warm-up round${x.warmupRounds === 1 ? '' : 's'}, then ${x.rounds} measured round${x.rounds === 1 ? '' : 's'} (clients interleaved, a different one first each round); ` +
      'each client process also warms up in-process (1/10 of the work) before it times anything.',
  )
  L.push(`- **Machine:** ${x.machine.nproc} cores (nproc), ${x.machine.cpu}, ${x.machine.memory_gib} GiB, ${x.machine.kernel}, ${x.machine.os}; server and client share the cores; load average ${x.machineLoad.start} at the start, ${x.machineLoad.end} at the end (other work on the machine shows here)`)
  L.push(
    `- **Versions:** Node ${x.versions.node}; Bun ${x.versions.bun ?? 'not run'}; Deno ${x.versions.deno ?? 'not run'}; ${x.versions.rustc}; tokio ${x.versions.tokio} (server and Rust client)`,
  )
  L.push(`- **tokio-net:** commit \`${x.git.commit.slice(0, 12)}\`${x.git.srcDirty ? ' with uncommitted changes in src/ (the addon as built in the tree)' : ''}`)
  const na = x.clients.filter((c) => c.unavailable)
  for (const c of na) L.push(`- **${c.label}:** n/a (${c.unavailable})`)
  L.push('')
  L.push(
    'Each cell is the median over the measured rounds, and in brackets its ratio to node:net (Node) from the same run. ' +
      'For rates, a ratio above 1 is better than node:net; for latency, CPU and memory, below 1 is better. ' +
      'CPU is user + system time of the whole client process (all threads, so tokio-net\'s runtime threads count) during the timed part, per unit of work. ' +
      'MB/s is 10^6 bytes per second.',
  )
  L.push('')
  const cols = x.runnable
  const header = `| workload | metric | ${cols.map((c) => c.label).join(' | ')} |`
  const sep = `|---|---|${cols.map(() => '---:').join('|')}|`
  L.push('## Summary (median [ratio to node:net])')
  L.push('')
  L.push(header)
  L.push(sep)
  for (const w of x.workloads) {
    const a = quick ? w.args.quick : w.args.full
    w.metrics.forEach((m, i) => {
      const cells = cols.map((c) => {
        const s = x.summary[w.id][m.label][c.id]
        if (!s || s.n === 0) return 'failed'
        return `${fmt(s.median, m.digits)} [${fmtRatio(s.ratio)}]`
      })
      L.push(`| ${i === 0 ? `**${w.id}**: ${w.title} (${describeArgs(w, a)})` : ''} | ${m.label} ${m.higherIsBetter ? '↑' : '↓'} | ${cells.join(' | ')} |`)
    })
  }
  for (const c of na) L.push(`\n${c.label}: n/a (${c.unavailable})`)
  L.push('')
  L.push('## Spread (median, min – max, over the measured rounds)')
  L.push('')
  L.push(header)
  L.push(sep)
  for (const w of x.workloads) {
    w.metrics.forEach((m, i) => {
      const cells = cols.map((c) => {
        const s = x.summary[w.id][m.label][c.id]
        if (!s || s.n === 0) return 'failed'
        return `${fmt(s.median, m.digits)} (${fmt(s.min, m.digits)} – ${fmt(s.max, m.digits)})${s.n < x.rounds ? ` n=${s.n}` : ''}`
      })
      L.push(`| ${i === 0 ? `**${w.id}**` : ''} | ${m.label} | ${cells.join(' | ')} |`)
    })
  }
  L.push('')
  L.push('## Events')
  L.push('')
  if (x.events.length === 0) L.push('No client failed, hung or was retried; the server logged nothing.')
  else {
    L.push('Failures and retries (a failed client run is retried up to twice; a round with no result is left out of that cell):')
    L.push('')
    L.push('```')
    for (const e of x.events) L.push(e.replace(/```/g, "'''").slice(0, 1000))
    L.push('```')
  }
  L.push('')
  return L.join('\n')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
