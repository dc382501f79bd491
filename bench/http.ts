// The HTTP benchmarks of tokio-net/net: part of `npm run bench` (its HTTP section, through
// runHttp below), and on their own as `npm run bench:http [-- --quick] [--rounds N]`.
//
// 1. http.Agent keep-alive clients against one fixed local server (node:http on node:net):
//    the default agent (node:net) vs the same agent with tokio-net/net's createConnection.
// 2. http.createServer under one load generator (wrk, Debian package `wrk`): listening itself
//    (node:net) vs fed by a tokio-net/net Server.
// Each measurement is its own process; rounds interleave the variants; the table shows medians
// and their ratio to node:net. Benchmarks are not tests: nothing here is asserted.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(__dirname, '..')
const TSX = ['--import', 'tsx']

export interface Variant {
  id: string
  label: string
  mode: 'node' | 'tokio'
  env: Record<string, string>
}

// Each tokio-net variant forces its driver place, so the harness's own environment cannot change it.
export const VARIANTS: Variant[] = [
  { id: 'node', label: 'node:net (Node)', mode: 'node', env: {} },
  { id: 'tokio', label: 'tokio-net/net, js-thread driver: the default (Node)', mode: 'tokio', env: { TOKIO_NET_IO_DRIVER: 'js-thread' } },
  { id: 'tokio-workers', label: 'tokio-net/net, workers driver (Node)', mode: 'tokio', env: { TOKIO_NET_IO_DRIVER: 'workers' } },
]

export interface HttpOptions {
  quick: boolean
  rounds: number
  /** A progress line (an arrow or a bound function: the benches call it detached). */
  log: (msg: string) => void
  /** Failures worth reporting (a failed run, wrk errors); the harness prints them under Events. */
  events: string[]
}

function envFor(v: Variant): NodeJS.ProcessEnv {
  const env = { ...process.env, ...v.env }
  if (!v.env.TOKIO_NET_IO_DRIVER) delete env.TOKIO_NET_IO_DRIVER
  return env
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function startServer(v: Variant): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [...TSX, 'bench/http-server.ts', v.mode], {
    cwd: ROOT,
    env: envFor(v),
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let buf = ''
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      const m = /\{"port":(\d+)\}/.exec(buf)
      if (m) resolve({ port: Number(m[1]), proc })
    })
    proc.once('exit', (code) => reject(new Error(`server ${v.id} exited with ${String(code)}`)))
  })
}

function stopServer(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve())
    proc.stdin?.end()
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref()
  })
}

/** CPU seconds (user + system) the process has used so far, from /proc. */
function procCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export interface Row {
  /** The workload's id on the first row of a workload, '' on its further metrics. */
  id: string
  workload: string
  metric: string
  higherIsBetter: boolean
  values: Record<string, number[]>
}

async function agentBench(o: HttpOptions, rowsOut: Row[]): Promise<void> {
  const { quick, rounds, log } = o
  const workloads = [
    { id: 'http-agent-1', title: 'http.Agent keep-alive GETs to one fixed node:http server, 1 at a time', requests: quick ? 3_000 : 20_000, conc: 1 },
    { id: 'http-agent-16', title: 'http.Agent keep-alive GETs to one fixed node:http server, 16 concurrent', requests: quick ? 8_000 : 50_000, conc: 16 },
  ]
  const server = await startServer(VARIANTS[0])
  log(`fixed node:http server on ${server.port}`)
  for (const w of workloads) {
    const rate: Row = { id: w.id, workload: `${w.title} (${w.requests.toLocaleString('en-US')} requests)`, metric: 'requests/s ↑', higherIsBetter: true, values: {} }
    const cpu: Row = { id: '', workload: '', metric: 'client CPU µs/request ↓', higherIsBetter: false, values: {} }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const v = VARIANTS[(i + round) % VARIANTS.length]
        const r = spawnSync(process.execPath, [...TSX, 'bench/http-client.ts', String(server.port), v.mode, String(w.requests), String(w.conc)], {
          cwd: ROOT,
          env: envFor(v),
          encoding: 'utf8',
          timeout: quick ? 60_000 : 300_000,
        })
        const line = (r.stdout ?? '').trim().split('\n').pop() ?? ''
        if (r.status !== 0 || !line.startsWith('{')) {
          const msg = `${w.id} round ${round + 1} ${v.id}: failed (${r.error ? String(r.error) : `exit ${String(r.status ?? r.signal)}`}): ${(r.stderr ?? '').slice(-500)}`
          log(msg)
          o.events.push(msg)
          continue
        }
        const out = JSON.parse(line) as { ops: number; seconds: number; cpu: number; sockets: number }
        ;(rate.values[v.id] ??= []).push(out.ops / out.seconds)
        ;(cpu.values[v.id] ??= []).push((out.cpu / out.ops) * 1e6)
        log(`${w.id} round ${round + 1} ${v.id}: ${Math.round(out.ops / out.seconds)} req/s, ${out.sockets} socket(s)`)
      }
    }
    rowsOut.push(rate, cpu)
  }
  await stopServer(server.proc)
}

/** Why the server workload cannot run here, or null. */
export function serverBenchUnavailable(): string | null {
  return spawnSync('wrk', ['--version']).error ? 'wrk is not installed (Debian package wrk)' : null
}

async function serverBench(o: HttpOptions, rowsOut: Row[]): Promise<void> {
  const { quick, rounds, log } = o
  const why = serverBenchUnavailable()
  if (why) {
    log(`${why}: the server workload is left out`)
    return
  }
  const seconds = quick ? 2 : 5
  const title = `http.createServer (node:http's own listen, or fed by a tokio-net/net Server) under wrk -t1 -c32, ${seconds} s`
  const rate: Row = { id: 'http-server', workload: title, metric: 'requests/s ↑', higherIsBetter: true, values: {} }
  const cpu: Row = { id: '', workload: '', metric: 'server CPU µs/request ↓', higherIsBetter: false, values: {} }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const v = VARIANTS[(i + round) % VARIANTS.length]
      const server = await startServer(v)
      const pid = server.proc.pid as number
      // warm-up
      spawnSync('wrk', ['-t1', '-c32', '-d1s', `http://127.0.0.1:${server.port}/`])
      const cpu0 = procCpu(pid)
      const r = spawnSync('wrk', ['-t1', '-c32', `-d${seconds}s`, `http://127.0.0.1:${server.port}/`], { encoding: 'utf8' })
      const used = procCpu(pid) - cpu0
      await stopServer(server.proc)
      const reqs = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN)
      const perSec = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN)
      if (/Socket errors|Non-2xx/.test(r.stdout)) {
        const msg = `http-server round ${round + 1} ${v.id}: wrk reported errors: ${r.stdout.replace(/\s+/g, ' ').slice(0, 400)}`
        log(msg)
        o.events.push(msg)
      }
      ;(rate.values[v.id] ??= []).push(perSec)
      ;(cpu.values[v.id] ??= []).push((used / reqs) * 1e6)
      log(`server round ${round + 1} ${v.id}: ${Math.round(perSec)} req/s`)
    }
  }
  rowsOut.push(rate, cpu)
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '–'
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1)
}

/** Runs the HTTP workloads (tokio-net/net must be built: dist/net) and returns their rows. */
export async function runHttp(o: HttpOptions): Promise<Row[]> {
  const rows: Row[] = []
  await agentBench(o, rows)
  await serverBench(o, rows)
  return rows
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const roundsArg = process.argv.indexOf('--rounds')
  const rounds = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : quick ? 3 : 5
  const log = (msg: string): void => {
    process.stderr.write(`[bench:http] ${msg}\n`)
  }
  log('npm run build:lib')
  if (spawnSync('npm', ['run', 'build:lib'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build:lib failed')
  const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const rows = await runHttp({ quick, rounds, log, events: [] })
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const head = `| workload | metric | ${VARIANTS.map((v) => v.label).join(' | ')} |`
  const lines = [
    `HTTP over tokio-net/net (${quick ? 'QUICK, ' : ''}${rounds} rounds, median [ratio to node:net]; Node ${process.version}; load average ${load0} at the start, ${load1} at the end)`,
    '',
    head,
    `|---|---|${VARIANTS.map(() => '---:').join('|')}|`,
  ]
  for (const row of rows) {
    const base = median(row.values.node ?? [])
    const cells = VARIANTS.map((v) => {
      const m = median(row.values[v.id] ?? [])
      return `${fmt(m)} [${(m / base).toFixed(2)}×]`
    })
    lines.push(`| ${row.workload} | ${row.metric} | ${cells.join(' | ')} |`)
  }
  console.log(lines.join('\n'))
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
