// The benchmark harness: `npm run bench [-- --quick] [--clients a,b] [--servers a,b] [--workloads x,y] [--rounds N]`.
//
// Builds the Rust crates (release), starts the one fixed tokio server, then
// 1. clients: runs every (workload, client) pair in its own client process, round after round,
//    clients interleaved;
// 2. proxy and lines: the server side varies instead. Each server under test (a proxy in front of
//    the fixed server, or a line server) is its own process, loaded by the one fixed Rust client,
//    which also reads the server's CPU time;
// 3. HTTP (bench/http.ts): http.Agent over node:net vs tokio-net/net, http.createServer fed by
//    node:net vs tokio-net/net;
// and writes BENCHMARKS.md and bench/results.json. See bench/README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import path from 'node:path'
import { type Row as HttpRow, VARIANTS as HTTP_VARIANTS, runHttp } from './http.ts'

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
  servers: string[] | null
  workloads: string[] | null
  rounds: number | null
  noWrite: boolean
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, clients: null, servers: null, workloads: null, rounds: null, noWrite: false }
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
    else if (a.startsWith('--servers')) o.servers = val().split(',').filter(Boolean)
    else if (a.startsWith('--workloads')) o.workloads = val().split(',').filter(Boolean)
    else if (a.startsWith('--rounds')) o.rounds = Number(val())
    else if (a === '--no-write') o.noWrite = true
    else if (a === '--help' || a === '-h') {
      console.log(
        'npm run bench -- [--quick] [--clients tokio-net,tokio-net-workers,tokio-net-net,tokio-net-net-workers,node-net,bun,tokio-net-bun,deno,tokio-net-deno,rust] ' +
          '[--servers tokio-net,tokio-net-workers,node-net,bun,deno,rust] ' +
          '[--workloads pp64,pp4k,upload,download,pipeline,pipeline-bufwriter,connect,fanin,idle,proxy-upload,proxy-download,proxy-fanin,lines,http] ' +
          '[--rounds N] [--no-write]',
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
  /** The value from one result (called detached, by `map`). */
  of: (r: Result) => number
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
  /** tokio-net clients: where the I/O driver ran (driverPlace()), null if the addon cannot say. */
  driver?: string | null
  /** Server-side workloads: CPU seconds of the server under test over the timed part. */
  peer_cpu?: number
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
const peerCpuPer = (label: string, scale: number, digits = 2): Metric => ({
  key: 'peer_cpu',
  label,
  higherIsBetter: false,
  digits,
  of: (r) => ((r.peer_cpu ?? NaN) / r.ops) * scale,
})
const mbps: Metric = { key: 'rate', label: 'MB/s', higherIsBetter: true, digits: 0, of: (r) => r.ops / r.seconds / 1e6 }
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
    id: 'pipeline-bufwriter',
    title: "the same through tokio-net's BufWriter (flushed at the end); the other clients run their pipeline code",
    kind: 'pipeline-bufwriter',
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

// The server-side workloads: the fixed Rust client loads a server under test, and the figures are
// the client's rate and the server's CPU (user + system of the server process, from /proc).
type Role = 'proxy' | 'lines'
interface ServerWorkload extends Workload {
  role: Role
}

const SERVER_WORKLOADS: ServerWorkload[] = [
  {
    id: 'proxy-upload',
    role: 'proxy',
    title: 'upload through the proxy, 64 KiB writes',
    kind: 'upload',
    args: { full: [GiB], quick: [128 * MiB] },
    metrics: [mbps, peerCpuPer('proxy CPU s/GiB', GiB, 3)],
  },
  {
    id: 'proxy-download',
    role: 'proxy',
    title: 'download through the proxy, 64 KiB reads',
    kind: 'download',
    args: { full: [GiB], quick: [128 * MiB] },
    metrics: [mbps, peerCpuPer('proxy CPU s/GiB', GiB, 3)],
  },
  {
    id: 'proxy-fanin',
    role: 'proxy',
    title: 'fan-in through the proxy: connections x 64 B ping-pongs, all at once',
    kind: 'fanin',
    args: { full: [1_000, 100], quick: [1_000, 20] },
    metrics: [rate('round trips/s'), peerCpuPer('proxy CPU µs/round trip', 1e6)],
  },
  {
    id: 'lines',
    role: 'lines',
    title: 'line server: count the lines of one connection (about 40 B each), answer at EOF',
    kind: 'lines',
    args: { full: [1_000_000], quick: [200_000] },
    metrics: [
      rate('lines/s'),
      { key: 'bytes', label: 'MB/s', higherIsBetter: true, digits: 1, of: (r) => (r.bytes ?? NaN) / r.seconds / 1e6 },
      peerCpuPer('server CPU ns/line', 1e9, 0),
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
    case 'pipeline-bufwriter':
      return `${a[0].toLocaleString('en-US')} x ${a[1]} B`
    case 'lines':
      return `${a[0].toLocaleString('en-US')} lines`
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
  for (const crate of ['server', 'client', 'floor']) {
    log(`cargo build --release --manifest-path bench/${crate}/Cargo.toml`)
    const r = spawnSync('cargo', ['build', '--release', '--manifest-path', `bench/${crate}/Cargo.toml`], {
      cwd: ROOT,
      env: cargoEnv,
      stdio: ['ignore', 2, 2],
    })
    if (r.status !== 0) throw new Error(`building bench/${crate} failed`)
  }
}

function ensureAddon() {
  // tokio-net/net is compiled TypeScript (dist/net): build it fresh so the adapter column is current.
  log('npm run build:lib')
  // Build output goes to stderr: stdout carries the report (--no-write).
  if (spawnSync('npm', ['run', 'build:lib'], { cwd: ROOT, stdio: ['ignore', 2, 2] }).status !== 0) {
    throw new Error('npm run build:lib failed')
  }
  if (existsSync(ADDON)) return
  log('tokio-net.linux-x64-gnu.node is missing: npm run build')
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
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
  /** A tokio-net client: the driver place driverPlace() must report (checked when it can). */
  driver?: string
}

/** A server under test of the server-side workloads; the harness appends `proxy <port>` or `lines`. */
interface ServerDef {
  id: string
  labels: Record<Role, string>
  cmd: string[]
  version: string
  unavailable?: string
  env?: Record<string, string>
}

interface Runtimes {
  node: string
  nodeV: string
  bun: { bin?: string; version?: string; why?: string }
  deno: { bin?: string; version?: string; why?: string }
}

let runtimesCache: Runtimes | undefined
function runtimes(): Runtimes {
  if (runtimesCache) return runtimesCache
  installPeers(log)
  runtimesCache = { node: process.execPath, nodeV: process.version, bun: findBun(log), deno: findDeno() }
  return runtimesCache
}

const TSX = ['--expose-gc', '--import', 'tsx']
const JS_THREAD = { TOKIO_NET_IO_DRIVER: 'js-thread' }
const WORKERS = { TOKIO_NET_IO_DRIVER: 'workers' }
// The default driver place: js-thread on Node (from 0.2), workers on Bun and Deno. Both Node
// columns force theirs, so neither the harness's environment nor a change of default moves them.
const DEFAULT_LABEL = 'js-thread driver: the default'

function denoCmd(bin: string, file: string): string[] {
  return [bin, 'run', '-A', '--v8-flags=--expose-gc', file]
}

function clientDefs(): ClientDef[] {
  const { node, nodeV, bun, deno } = runtimes()
  const onBun = (id: string, label: string, file: string, more: Partial<ClientDef> = {}): ClientDef =>
    bun.bin ? { id, label, cmd: [bun.bin, file], version: bun.version!, ...more } : { id, label, cmd: [], version: '', unavailable: bun.why }
  const onDeno = (id: string, label: string, file: string, more: Partial<ClientDef> = {}): ClientDef =>
    deno.bin ? { id, label, cmd: denoCmd(deno.bin, file), version: deno.version!, ...more } : { id, label, cmd: [], version: '', unavailable: deno.why }
  return [
    {
      id: 'tokio-net',
      label: `tokio-net, ${DEFAULT_LABEL} (Node)`,
      cmd: [node, ...TSX, 'bench/client-tokio-net.ts'],
      version: nodeV,
      env: JS_THREAD,
      driver: 'js-thread',
    },
    {
      id: 'tokio-net-workers',
      label: 'tokio-net, workers driver (Node)',
      cmd: [node, ...TSX, 'bench/client-tokio-net.ts'],
      version: nodeV,
      env: WORKERS,
      driver: 'workers',
    },
    { id: 'node-net', label: 'node:net (Node)', cmd: [node, ...TSX, 'bench/client-node-net.ts'], version: nodeV },
    // The same node:net client code over tokio-net/net: only the module it imports differs.
    {
      id: 'tokio-net-net',
      label: `tokio-net/net, ${DEFAULT_LABEL} (Node)`,
      cmd: [node, ...TSX, 'bench/client-node-net.ts'],
      version: nodeV,
      env: { BENCH_NET: 'tokio-net', ...JS_THREAD },
    },
    {
      id: 'tokio-net-net-workers',
      label: 'tokio-net/net, workers driver (Node)',
      cmd: [node, ...TSX, 'bench/client-node-net.ts'],
      version: nodeV,
      env: { BENCH_NET: 'tokio-net', ...WORKERS },
    },
    onBun('bun', 'node:net (Bun)', 'bench/client-node-net.ts'),
    // The tokio-net client file, unchanged, under Bun and Deno: their default driver place is workers.
    onBun('tokio-net-bun', 'tokio-net, workers driver (Bun)', 'bench/client-tokio-net.ts', { driver: 'workers' }),
    onDeno('deno', 'Deno.connect (Deno)', 'bench/client-deno.ts'),
    onDeno('tokio-net-deno', 'tokio-net, workers driver (Deno)', 'bench/client-tokio-net.ts', { driver: 'workers' }),
    {
      id: 'rust',
      label: 'tokio (Rust)',
      cmd: [path.join(TARGET, 'release', 'tokio-net-bench-client')],
      version: sh('rustc', ['--version']).out,
    },
  ]
}

function serverDefs(): ServerDef[] {
  const { node, nodeV, bun, deno } = runtimes()
  const na = (x: { bin?: string; why?: string }) => (x.bin ? {} : { unavailable: x.why })
  return [
    {
      id: 'tokio-net',
      labels: { proxy: `tokio-net copyBidirectional, ${DEFAULT_LABEL} (Node)`, lines: `tokio-net BufReader lines(), ${DEFAULT_LABEL} (Node)` },
      cmd: [node, ...TSX, 'bench/serve-tokio-net.ts'],
      version: nodeV,
      env: JS_THREAD,
    },
    {
      id: 'tokio-net-workers',
      labels: { proxy: 'tokio-net copyBidirectional, workers driver (Node)', lines: 'tokio-net BufReader lines(), workers driver (Node)' },
      cmd: [node, ...TSX, 'bench/serve-tokio-net.ts'],
      version: nodeV,
      env: WORKERS,
    },
    {
      id: 'node-net',
      labels: { proxy: 'node:net pipe() (Node)', lines: 'node:readline (Node)' },
      cmd: [node, ...TSX, 'bench/serve-node-net.ts'],
      version: nodeV,
    },
    {
      id: 'bun',
      labels: { proxy: 'node:net pipe() (Bun)', lines: 'node:readline (Bun)' },
      cmd: bun.bin ? [bun.bin, 'bench/serve-node-net.ts'] : [],
      version: bun.version ?? '',
      ...na(bun),
    },
    {
      id: 'deno',
      labels: { proxy: 'Deno conn read/write loop (Deno)', lines: 'TextLineStream (Deno)' },
      cmd: deno.bin ? denoCmd(deno.bin, 'bench/serve-deno.ts') : [],
      version: deno.version ?? '',
      ...na(deno),
    },
    {
      id: 'rust',
      labels: { proxy: 'tokio copy_bidirectional (Rust)', lines: 'tokio BufReader::lines (Rust)' },
      cmd: [path.join(TARGET, 'release', 'tokio-net-bench-floor')],
      version: sh('rustc', ['--version']).out,
    },
  ]
}

// Every process gets the hard open-file limit as its soft limit (10,000 idle connections need it).
function withUlimit(cmd: string[]): [string, string[]] {
  return ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bench', ...cmd]]
}

// The driver place is set per client (env above); the harness's own TOKIO_NET_IO_DRIVER is not passed on.
const childEnv: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PACKAGE_JSON: '1', NO_COLOR: '1' }
delete childEnv.TOKIO_NET_IO_DRIVER

// ---------------------------------------------------------------------------------------------
// The server

interface Server {
  port: number
  proc: ChildProcess
  stderr: string[]
}

/**
 * Starts a server process that prints `{"port":N}` once listening (or `{"unavailable":"why"}`)
 * and exits when its stdin closes: the fixed server, or a server under test.
 */
function startServer(cmdline: string[], env: NodeJS.ProcessEnv = childEnv, timeoutMs = 60_000): Promise<Server> {
  const [cmd, args] = withUlimit(cmdline)
  const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
  const stderr: string[] = []
  proc.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(...d.split('\n').filter(Boolean)))
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`${path.basename(cmdline[cmdline.length - 1] ?? '')} did not start in ${timeoutMs / 1000} s: ${stderr.join('\n').slice(-500)}`))
    }, timeoutMs)
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      for (const line of buf.split('\n').slice(0, -1)) {
        if (!line.trim().startsWith('{')) continue
        const msg = JSON.parse(line) as { port?: number; unavailable?: string }
        clearTimeout(timer)
        if (typeof msg.port === 'number') resolve({ port: msg.port, proc, stderr })
        else reject(new UnavailableError(String(msg.unavailable)))
      }
    })
    proc.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code ?? signal}) before listening: ${stderr.join('\n').slice(-800)}`))
    })
  })
}

class UnavailableError extends Error {}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) return resolve()
    const kill = setTimeout(() => server.proc.kill('SIGKILL'), 5000)
    server.proc.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    server.proc.stdin!.end()
  })
}

// ---------------------------------------------------------------------------------------------
// Running one client process

interface RunOutcome {
  result?: Result
  error?: string
  /** The client cannot do this workload at all (e.g. an export the addon lacks): n/a, not a failure. */
  unavailable?: string
  wall: number
}

function runClient(
  def: { cmd: string[]; env?: Record<string, string> },
  w: Workload,
  port: number,
  args: number[],
  timeoutMs: number,
  extraEnv: Record<string, string> = {},
): Promise<RunOutcome> {
  const [cmd, cargs] = withUlimit([...def.cmd, w.kind, String(port), ...args.map(String)])
  const t0 = Date.now()
  return new Promise((resolve) => {
    const p = spawn(cmd, cargs, { cwd: ROOT, env: { ...childEnv, ...def.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    let err = ''
    let timedOut = false
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-p.pid!, 'SIGKILL')
      } catch {
        // the process group is gone already
      }
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
        const parsed = JSON.parse(line) as Result & { unavailable?: string }
        if (typeof parsed.unavailable === 'string') resolve({ wall, unavailable: parsed.unavailable })
        else resolve({ wall, result: parsed })
      } catch {
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
// Summaries

type Summary = { median: number; min: number; max: number; n: number; ratio: number }
/** summary[workload][metric label][column] */
type SummaryTable = Record<string, Record<string, Record<string, Summary>>>
/** raw[workload][column]: one Result per measured round */
type Raw = Record<string, Record<string, Result[]>>
/** na[workload][column]: why that cell could not be measured (a missing export, say) */
type NA = Record<string, Record<string, string>>

function summarize(workloads: Workload[], cols: string[], raw: Raw, base: string): SummaryTable {
  const summary: SummaryTable = {}
  for (const w of workloads) {
    summary[w.id] = {}
    for (const m of w.metrics) {
      summary[w.id][m.label] = {}
      const b = median((raw[w.id]?.[base] ?? []).map(m.of))
      for (const c of cols) {
        const xs = (raw[w.id]?.[c] ?? []).map(m.of).filter((v) => !Number.isNaN(v))
        const med = median(xs)
        summary[w.id][m.label][c] = {
          median: med,
          min: xs.length ? Math.min(...xs) : NaN,
          max: xs.length ? Math.max(...xs) : NaN,
          n: xs.length,
          ratio: med / b,
        }
      }
    }
  }
  return summary
}

interface Target {
  what: string
  column: string
  value: number
  against: string
  againstValue: number
  ratio: number
  /** null: shown for reference, no goal */
  goal: number | null
  unavailable?: string
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const mode = opts.quick ? 'quick' : 'full'
  const rounds = opts.rounds ?? (opts.quick ? 3 : 7)
  // The server-side and HTTP sections: fewer rounds in a full run (each process warms up itself).
  const sectionRounds = opts.rounds ?? (opts.quick ? 3 : 5)
  const warmupRounds = opts.quick ? 0 : 1
  const timeoutMs = opts.quick ? 60_000 : 240_000
  const started = new Date()
  const loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const t0 = Date.now()

  const allIds = [...WORKLOADS, ...SERVER_WORKLOADS].map((w) => w.id).concat('http')
  if (opts.workloads) for (const x of opts.workloads) if (!allIds.includes(x)) throw new Error(`unknown workload ${x}`)
  const wanted = (id: string) => !opts.workloads || opts.workloads.includes(id)
  const workloads = WORKLOADS.filter((w) => wanted(w.id))
  const serverWorkloads = SERVER_WORKLOADS.filter((w) => wanted(w.id))
  const withHttp = wanted('http')

  ensureAddon()
  buildRust()

  const allClients = clientDefs()
  let clients = allClients
  if (opts.clients) {
    for (const c of opts.clients) if (!clients.some((d) => d.id === c)) throw new Error(`unknown client ${c}`)
    clients = clients.filter((d) => opts.clients!.includes(d.id) || d.id === 'node-net')
  }
  let servers = serverDefs()
  if (opts.servers) {
    for (const c of opts.servers) if (!servers.some((d) => d.id === c)) throw new Error(`unknown server ${c}`)
    servers = servers.filter((d) => opts.servers!.includes(d.id) || d.id === 'node-net')
  }
  const runnable = workloads.length ? clients.filter((c) => !c.unavailable) : []
  const runnableServers = serverWorkloads.length ? servers.filter((c) => !c.unavailable) : []
  for (const c of clients) if (c.unavailable) log(`${c.label}: n/a (${c.unavailable})`)
  const rustClient = allClients.find((c) => c.id === 'rust')!

  const addonStat = statSync(ADDON)
  const fixed = await startServer([path.join(TARGET, 'release', 'tokio-net-bench-server'), '0'])
  log(`server on 127.0.0.1:${fixed.port}; ${mode} mode, ${warmupRounds} warm-up + ${rounds} rounds (${sectionRounds} for the server-side and HTTP sections)`)

  const events: string[] = []
  const event = (msg: string) => {
    log(msg)
    events.push(msg)
  }

  // 1. Clients against the fixed server.
  const raw: Raw = {}
  const na: NA = {}
  for (const w of workloads) {
    raw[w.id] = {}
    na[w.id] = {}
    for (const c of runnable) raw[w.id][c.id] = []
  }
  const total = warmupRounds + rounds
  for (let round = 0; round < (runnable.length ? total : 0); round++) {
    const warm = round < warmupRounds
    const tag = warm ? `warm-up ${round + 1}/${warmupRounds}` : `round ${round - warmupRounds + 1}/${rounds}`
    log(`${tag} (${((Date.now() - t0) / 1000).toFixed(0)} s elapsed)`)
    for (const w of workloads) {
      const args = opts.quick ? w.args.quick : w.args.full
      // Interleave: a different client goes first each round.
      const order = runnable.map((_, i) => runnable[(i + round) % runnable.length])
      for (const c of order) {
        if (na[w.id][c.id]) continue
        let outcome: RunOutcome | undefined
        for (let attempt = 1; attempt <= 3; attempt++) {
          outcome = await runClient(c, w, fixed.port, args, timeoutMs)
          if (outcome.result || outcome.unavailable) break
          event(`${tag} ${w.id} ${c.id} attempt ${attempt}: ${outcome.error}`)
        }
        if (outcome?.unavailable) {
          log(`  ${w.id.padEnd(9)} ${c.id.padEnd(10)} n/a (${outcome.unavailable})`)
          na[w.id][c.id] = outcome.unavailable
          continue
        }
        if (!outcome?.result) continue
        const r = outcome.result
        if (r.leaked_handles) event(`${tag} ${w.id} ${c.id}: ${r.leaked_handles} tokio-net handle(s) still live after closing everything`)
        if (c.driver && r.driver && r.driver !== c.driver) event(`${tag} ${w.id} ${c.id}: driverPlace() says ${r.driver}, expected ${c.driver}`)
        const first = w.metrics[0]
        log(`  ${w.id.padEnd(9)} ${c.id.padEnd(10)} ${fmt(first.of(r), first.digits)} ${first.label} (${outcome.wall.toFixed(1)} s)`)
        if (!warm) raw[w.id][c.id].push(r)
      }
    }
  }

  // 2. Servers under test (proxies, line servers), loaded by the fixed Rust client.
  const rawS: Raw = {}
  const naS: NA = {}
  for (const w of serverWorkloads) {
    rawS[w.id] = {}
    naS[w.id] = {}
    for (const sv of runnableServers) rawS[w.id][sv.id] = []
  }
  const roles = (['proxy', 'lines'] as Role[]).filter((role) => serverWorkloads.some((w) => w.role === role))
  for (let round = 0; round < (runnableServers.length ? sectionRounds : 0); round++) {
    const tag = `server-side round ${round + 1}/${sectionRounds}`
    log(`${tag} (${((Date.now() - t0) / 1000).toFixed(0)} s elapsed)`)
    for (const role of roles) {
      const ws = serverWorkloads.filter((w) => w.role === role)
      const order = runnableServers.map((_, i) => runnableServers[(i + round) % runnableServers.length])
      for (const sv of order) {
        if (ws.every((w) => naS[w.id][sv.id])) continue
        const cmdline = [...sv.cmd, role, ...(role === 'proxy' ? [String(fixed.port)] : [])]
        const start = async (): Promise<Server | undefined> => {
          try {
            return await startServer(cmdline, { ...childEnv, ...sv.env })
          } catch (e) {
            if (e instanceof UnavailableError) {
              log(`  ${role} ${sv.id}: n/a (${e.message})`)
              for (const w of ws) naS[w.id][sv.id] = e.message
            } else event(`${tag} ${role} ${sv.id}: the server did not start: ${(e as Error).message}`)
            return undefined
          }
        }
        let sut = await start()
        if (!sut) continue
        for (const w of ws) {
          const args = opts.quick ? w.args.quick : w.args.full
          let outcome: RunOutcome | undefined
          for (let attempt = 1; attempt <= 3 && sut; attempt++) {
            outcome = await runClient(rustClient, w, sut.port, args, timeoutMs, { BENCH_PEER_PID: String(sut.proc.pid) })
            if (outcome.result) break
            event(`${tag} ${w.id} ${sv.id} attempt ${attempt}: ${outcome.error}`)
            if (sut.proc.exitCode !== null || sut.proc.signalCode !== null) {
              event(`${tag} ${w.id} ${sv.id}: the server under test exited (${sut.proc.exitCode ?? sut.proc.signalCode}): ${sut.stderr.join(' | ').slice(-800)}`)
              sut = await start()
            }
          }
          if (!outcome?.result) continue
          const r = outcome.result
          const first = w.metrics[0]
          log(`  ${w.id.padEnd(14)} ${sv.id.padEnd(17)} ${fmt(first.of(r), first.digits)} ${first.label} (${outcome.wall.toFixed(1)} s)`)
          rawS[w.id][sv.id].push(r)
        }
        if (sut) {
          await stopServer(sut)
          for (const l of sut.stderr.slice(0, 20)) events.push(`${tag} ${role} ${sv.id} stderr: ${l}`)
        }
      }
    }
  }

  // 3. HTTP
  let httpRows: HttpRow[] = []
  if (withHttp) {
    log(`HTTP (${sectionRounds} rounds; ${((Date.now() - t0) / 1000).toFixed(0)} s elapsed)`)
    httpRows = await runHttp({ quick: opts.quick, rounds: sectionRounds, log: (m) => log(`http: ${m}`), events })
  }

  await stopServer(fixed)
  if (fixed.stderr.length) events.push(...fixed.stderr.map((l) => `server: ${l}`))
  const elapsed = (Date.now() - t0) / 1000
  const loadEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const machineLoad = { start: loadStart, end: loadEnd }

  const summary = summarize(workloads, runnable.map((c) => c.id), raw, 'node-net')
  const summaryS = summarize(serverWorkloads, runnableServers.map((c) => c.id), rawS, 'node-net')
  const targets = computeTargets({ workloads, serverWorkloads, clients: runnable, servers: runnableServers, summary, summaryS, na, naS })

  const versions: Record<string, string> = {
    node: process.version,
    rustc: sh('rustc', ['--version']).out,
    tokio: tokioVersion(),
  }
  const rt = runtimes()
  for (const [id, x] of [['bun', rt.bun], ['deno', rt.deno]] as const) versions[id] = x.bin ? x.version! : `n/a (${x.why})`
  const git = gitInfo()
  const machine = machineInfo()
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`

  const results = {
    mode,
    date: started.toISOString(),
    command,
    elapsed_seconds: elapsed,
    rounds,
    section_rounds: sectionRounds,
    warmup_rounds: warmupRounds,
    machine,
    load_average: machineLoad,
    versions,
    tokio_net: { ...git, addon_mtime: addonStat.mtime.toISOString() },
    server: { port: fixed.port, crate: 'bench/server' },
    clients: clients.map((c) => ({ id: c.id, label: c.label, version: c.version, env: c.env ?? {}, unavailable: c.unavailable ?? null })),
    workloads: workloads.map((w) => ({ id: w.id, title: w.title, args: opts.quick ? w.args.quick : w.args.full })),
    raw,
    summary,
    not_available: na,
    server_side: {
      load_client: 'bench/client (Rust)',
      servers: servers.map((c) => ({ id: c.id, labels: c.labels, version: c.version, env: c.env ?? {}, unavailable: c.unavailable ?? null })),
      workloads: serverWorkloads.map((w) => ({ id: w.id, role: w.role, title: w.title, args: opts.quick ? w.args.quick : w.args.full })),
      raw: rawS,
      summary: summaryS,
      not_available: naS,
    },
    http: { variants: HTTP_VARIANTS, rows: httpRows },
    targets,
    events,
  }

  const md = renderMarkdown({
    mode,
    started,
    machineLoad,
    command,
    elapsed,
    rounds,
    sectionRounds,
    warmupRounds,
    machine,
    versions,
    git,
    clients,
    runnable,
    workloads,
    summary,
    na,
    servers,
    runnableServers,
    serverWorkloads,
    summaryS,
    naS,
    httpRows,
    withHttp,
    targets,
    events,
  })
  if (opts.noWrite) {
    process.stdout.write(md)
  } else {
    writeFileSync(path.join(BENCH, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), md)
    log(`wrote BENCHMARKS.md and bench/results.json in ${elapsed.toFixed(0)} s`)
    process.stdout.write(md)
  }
}

// The goals of issue 11, as ratios of medians from this run: the tokio-net columns (both driver
// places on Node) against the pure-Rust floor and against node:net.
function computeTargets(x: {
  workloads: Workload[]
  serverWorkloads: ServerWorkload[]
  clients: ClientDef[]
  servers: ServerDef[]
  summary: SummaryTable
  summaryS: SummaryTable
  na: NA
  naS: NA
}): Target[] {
  const out: Target[] = []
  const ours = ['tokio-net', 'tokio-net-workers']
  const serverLabel = (w: ServerWorkload, id: string) => x.servers.find((s) => s.id === id)?.labels[w.role] ?? id
  for (const w of x.serverWorkloads) {
    const m = w.metrics[0]
    const goals: [string, number][] = w.role === 'proxy' ? [['rust', 0.9], ['node-net', 1.5]] : [['node-net', 1.5]]
    for (const id of ours) {
      if (!x.servers.some((s) => s.id === id)) continue
      for (const [against, goal] of goals) {
        if (!x.servers.some((s) => s.id === against)) continue
        const a = x.summaryS[w.id][m.label][id]
        const b = x.summaryS[w.id][m.label][against]
        out.push({
          what: `**${w.id}** ${m.label}`,
          column: serverLabel(w, id),
          value: a.median,
          against: serverLabel(w, against),
          againstValue: b.median,
          ratio: a.median / b.median,
          goal,
          unavailable: x.naS[w.id][id],
        })
      }
    }
  }
  // pipeline-bufwriter: against the best of the JavaScript peers (node:net on Node and Bun, Deno),
  // and, for reference without a goal, against the Rust client (its pipeline code is unbuffered).
  const bw = x.workloads.find((w) => w.id === 'pipeline-bufwriter')
  if (bw) {
    const m = bw.metrics[0]
    const label = (id: string) => x.clients.find((c) => c.id === id)?.label ?? id
    const value = (id: string) => x.summary[bw.id][m.label][id]?.median ?? NaN
    const best = ['node-net', 'bun', 'deno']
      .filter((p) => x.clients.some((c) => c.id === p) && Number.isFinite(value(p)))
      .sort((a, b) => value(b) - value(a))[0]
    for (const id of ours) {
      if (!x.clients.some((c) => c.id === id)) continue
      const against: [string, string, number | null][] = []
      if (best) against.push([best, `the best JS peer: ${label(best)}`, 1])
      if (x.clients.some((c) => c.id === 'rust')) against.push(['rust', label('rust'), null])
      for (const [other, text, goal] of against) {
        out.push({
          what: `**${bw.id}** ${m.label}`,
          column: label(id),
          value: value(id),
          against: text,
          againstValue: value(other),
          ratio: value(id) / value(other),
          goal,
          unavailable: x.na[bw.id][id],
        })
      }
    }
  }
  return out
}

interface TableSpec {
  cols: { id: string; label: string }[]
  workloads: Workload[]
  summary: SummaryTable
  na: NA
  quick: boolean
  rounds: number
}

function summaryTable(t: TableSpec): string[] {
  const L: string[] = []
  L.push(`| workload | metric | ${t.cols.map((c) => c.label).join(' | ')} |`)
  L.push(`|---|---|${t.cols.map(() => '---:').join('|')}|`)
  for (const w of t.workloads) {
    const a = t.quick ? w.args.quick : w.args.full
    w.metrics.forEach((m, i) => {
      const cells = t.cols.map((c) => {
        if (t.na[w.id]?.[c.id]) return 'n/a'
        const s = t.summary[w.id][m.label][c.id]
        if (!s || s.n === 0) return 'failed'
        return `${fmt(s.median, m.digits)} [${fmtRatio(s.ratio)}]`
      })
      L.push(`| ${i === 0 ? `**${w.id}**: ${w.title} (${describeArgs(w, a)})` : ''} | ${m.label} ${m.higherIsBetter ? '↑' : '↓'} | ${cells.join(' | ')} |`)
    })
  }
  const notes: string[] = []
  for (const w of t.workloads) {
    for (const c of t.cols) {
      const why = t.na[w.id]?.[c.id]
      if (why) notes.push(`- n/a: **${w.id}**, ${c.label}: ${why}`)
    }
  }
  if (notes.length) L.push('', ...notes)
  return L
}

function spreadTable(t: TableSpec): string[] {
  const L: string[] = []
  L.push(`| workload | metric | ${t.cols.map((c) => c.label).join(' | ')} |`)
  L.push(`|---|---|${t.cols.map(() => '---:').join('|')}|`)
  for (const w of t.workloads) {
    w.metrics.forEach((m, i) => {
      const cells = t.cols.map((c) => {
        if (t.na[w.id]?.[c.id]) return 'n/a'
        const s = t.summary[w.id][m.label][c.id]
        if (!s || s.n === 0) return 'failed'
        return `${fmt(s.median, m.digits)} (${fmt(s.min, m.digits)} – ${fmt(s.max, m.digits)})${s.n < t.rounds ? ` n=${s.n}` : ''}`
      })
      L.push(`| ${i === 0 ? `**${w.id}**` : ''} | ${m.label} | ${cells.join(' | ')} |`)
    })
  }
  return L
}

function httpTable(rows: HttpRow[]): string[] {
  const L: string[] = []
  L.push(`| workload | metric | ${HTTP_VARIANTS.map((v) => v.label).join(' | ')} |`)
  L.push(`|---|---|${HTTP_VARIANTS.map(() => '---:').join('|')}|`)
  for (const row of rows) {
    const base = median(row.values.node ?? [])
    const cells = HTTP_VARIANTS.map((v) => {
      const xs = row.values[v.id] ?? []
      if (!xs.length) return 'failed'
      const m = median(xs)
      return `${fmt(m, 1)} [${fmtRatio(m / base)}] (${fmt(Math.min(...xs), 1)} – ${fmt(Math.max(...xs), 1)})`
    })
    L.push(`| ${row.id ? `**${row.id}**: ${row.workload}` : ''} | ${row.metric} | ${cells.join(' | ')} |`)
  }
  return L
}

function renderMarkdown(x: {
  mode: string
  started: Date
  machineLoad: { start: string; end: string }
  command: string
  elapsed: number
  rounds: number
  sectionRounds: number
  warmupRounds: number
  machine: ReturnType<typeof machineInfo>
  versions: Record<string, string>
  git: ReturnType<typeof gitInfo>
  clients: ClientDef[]
  runnable: ClientDef[]
  workloads: Workload[]
  summary: SummaryTable
  na: NA
  servers: ServerDef[]
  runnableServers: ServerDef[]
  serverWorkloads: ServerWorkload[]
  summaryS: SummaryTable
  naS: NA
  httpRows: HttpRow[]
  withHttp: boolean
  targets: Target[]
  events: string[]
}): string {
  const L: string[] = []
  const quick = x.mode === 'quick'
  L.push(`# tokio-net benchmarks${quick ? ' (QUICK MODE: reduced sizes, not the reference figures)' : ''}`)
  L.push('')
  L.push(
    'Generated by `bench/run.ts`; do not edit by hand. See `bench/README.md` for what each workload does. Three kinds of measurement: ' +
      '**clients** (one fixed pure-tokio server, `bench/server`; one client process per measurement; only the client side varies), ' +
      '**server side** (a proxy or a line server under test, loaded by one fixed client, the Rust one; only the server side varies), ' +
      'and **HTTP** (`bench/http.ts`: node:http over node:net vs over tokio-net/net).',
  )
  L.push('')
  L.push(`- **Date:** ${x.started.toISOString()} (run took ${Math.round(x.elapsed)} s)`)
  L.push(`- **Command:** \`${x.command}\``)
  L.push(
    `- **Mode:** ${x.mode}: clients: ${x.warmupRounds} discarded warm-up round${x.warmupRounds === 1 ? '' : 's'}, then ${x.rounds} measured round${x.rounds === 1 ? '' : 's'} (clients interleaved, a different one first each round); ` +
      `server side and HTTP: ${x.sectionRounds} measured rounds, interleaved the same way. ` +
      'Each process also warms up in-process (1/10 of the work) before it times anything.',
  )
  L.push(`- **Machine:** ${x.machine.nproc} cores (nproc), ${x.machine.cpu}, ${x.machine.memory_gib} GiB, ${x.machine.kernel}, ${x.machine.os}; server and client share the cores; load average ${x.machineLoad.start} at the start, ${x.machineLoad.end} at the end (other work on the machine shows here)`)
  L.push(
    `- **Versions:** Node ${x.versions.node}; Bun ${x.versions.bun ?? 'not run'}; Deno ${x.versions.deno ?? 'not run'}; ${x.versions.rustc}; tokio ${x.versions.tokio} (server, Rust client, Rust floor)`,
  )
  L.push(`- **tokio-net:** commit \`${x.git.commit.slice(0, 12)}\`${x.git.srcDirty ? ' with uncommitted changes in src/ (the addon as built in the tree)' : ''}`)
  L.push(
    '- **Driver place:** each Node tokio-net column forces its own with `TOKIO_NET_IO_DRIVER` (`js-thread`, the default on Node, or `workers`); ' +
      'under Bun and Deno tokio-net runs with their default, `workers`.',
  )
  const na = x.clients.filter((c) => c.unavailable)
  for (const c of na) L.push(`- **${c.label}:** n/a (${c.unavailable})`)
  L.push('')
  L.push(
    'Each cell is the median over the measured rounds, and in brackets its ratio to node:net (Node) from the same run. ' +
      'For rates, a ratio above 1 is better than node:net; for latency, CPU and memory, below 1 is better. ' +
      "Client CPU is user + system time of the whole client process (all threads, so tokio-net's runtime threads count) during the timed part, per unit of work; " +
      'proxy and server CPU is the same for the server process under test (read from `/proc/<pid>/stat` by the load client, 10 ms resolution). ' +
      'MB/s is 10^6 bytes per second.',
  )
  L.push('')
  L.push('## Summary')
  L.push('')
  if (x.targets.length) {
    L.push('### Targets (issue 11): ratios of medians from this run')
    L.push('')
    L.push('| target | tokio-net | median | against | its median | ratio | goal | met |')
    L.push('|---|---|---:|---|---:|---:|---:|---|')
    for (const t of x.targets) {
      const goal = t.goal === null ? '– (reference)' : `≥ ${t.goal}×`
      if (t.unavailable) {
        L.push(`| ${t.what} | ${t.column} | n/a | ${t.against} | ${fmt(t.againstValue, 0)} | – | ${goal} | n/a (${t.unavailable}) |`)
        continue
      }
      const met = t.goal === null || !Number.isFinite(t.ratio) ? '–' : t.ratio >= t.goal ? 'yes' : 'no'
      L.push(`| ${t.what} | ${t.column} | ${fmt(t.value, 0)} | ${t.against} | ${fmt(t.againstValue, 0)} | ${fmtRatio(t.ratio)} | ${goal} | ${met} |`)
    }
    L.push('')
  }
  const clientSpec: TableSpec = { cols: x.runnable, workloads: x.workloads, summary: x.summary, na: x.na, quick, rounds: x.rounds }
  if (x.workloads.length) {
    L.push('### Clients against one fixed tokio server (median [ratio to node:net])')
    L.push('')
    L.push(...summaryTable(clientSpec))
    for (const c of na) L.push(`\n${c.label}: n/a (${c.unavailable})`)
    L.push('')
  }
  const roleSpecs = (['proxy', 'lines'] as Role[])
    .map((role) => ({
      role,
      spec: {
        cols: x.runnableServers.map((s) => ({ id: s.id, label: s.labels[role] })),
        workloads: x.serverWorkloads.filter((w) => w.role === role),
        summary: x.summaryS,
        na: x.naS,
        quick,
        rounds: x.sectionRounds,
      },
    }))
    .filter((r) => r.spec.workloads.length > 0)
  const naServers = x.servers.filter((s) => s.unavailable)
  for (const { role, spec } of roleSpecs) {
    L.push(
      role === 'proxy'
        ? '### Proxy: Rust client → proxy under test → the fixed server (median [ratio to node:net pipe()])'
        : '### Line server: Rust client → line server under test (median [ratio to node:readline])',
    )
    L.push('')
    L.push(...summaryTable(spec))
    for (const s of naServers) L.push(`\n${s.labels[role]}: n/a (${s.unavailable})`)
    L.push('')
  }
  if (x.withHttp) {
    L.push('### HTTP over tokio-net/net (median [ratio to node:net] (min – max))')
    L.push('')
    if (x.httpRows.length) L.push(...httpTable(x.httpRows))
    else L.push('No HTTP figures (see Events).')
    L.push('')
    L.push(
      "http.Agent rows: the client process varies (its agent's `createConnection`), the server is one fixed node:http on node:net; client CPU is the client process's. " +
        'http.createServer row: the server varies (node:http listening itself, or fed by a tokio-net/net Server), the load generator is wrk; server CPU from `/proc/<pid>/stat`.',
    )
    L.push('')
  }
  L.push('## Spread (median, min – max, over the measured rounds)')
  L.push('')
  if (x.workloads.length) {
    L.push(...spreadTable(clientSpec))
    L.push('')
  }
  for (const { spec } of roleSpecs) {
    L.push(...spreadTable(spec))
    L.push('')
  }
  L.push('## Events')
  L.push('')
  if (x.events.length === 0) L.push('No client or server failed, hung or was retried; no server logged anything.')
  else {
    L.push('Failures and retries (a failed run is retried up to twice; a round with no result is left out of that cell), and what servers logged:')
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
