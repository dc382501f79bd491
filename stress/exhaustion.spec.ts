// Resource exhaustion: what a server or client does when the machine runs out of something, each
// case run on node:net and on tokio-net/net (lib/net, the adapter), and on the raw tokio-net
// classes where that makes sense, in the same run, with the figures printed side by side:
//
//   out of descriptors      a server whose descriptor limit runs out under 150 connections
//   out of ephemeral ports  more connects than ports, in a network namespace with a tiny range
//   a peer that never reads writers blocked for a while (backpressure respected, and ignored)
//   idle sockets            10,000 connections (short profile 2,000) idle after traffic: memory
//   two servers             both out of descriptors at once (one reserve descriptor per thread)
//
// node:net's behaviour is the reference: the assertions hold tokio-net/net to it. Every server
// under test runs in a child process (fixtures/exhaustion_*.ts), so a limit, a spin or a crash
// stays there, and its CPU and memory figures are its own.

import { execFileSync, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { FIXTURES, fixtureArgv, LineChild, runCommand } from './_fault_helpers.js'
import type { FixtureEvent } from './_fault_helpers.js'
import { describeExit, guard, HashSink, ip, MiB, needDescriptors, Payload, report, runSeed, tryIp } from './_helpers.js'
import type { Digest } from './_helpers.js'
import { pick } from './_profile.js'
import type { ErrorFields, Impl, Mem, PortsResult, StallWindow } from './fixtures/exhaustion_shared.js'

const NAME: Record<Impl, string> = { node: 'node:net', adapter: 'tokio-net/net', raw: 'tokio-net' }
/** Bound on a child's start (node + tsx + the addon): a hang guard, not a timing. */
const START_MS = 30_000

/** `node --expose-gc --import tsx <fixture> ...args`. */
function gcFixtureArgv(fixture: string, args: string[]): string[] {
  return [process.execPath, '--expose-gc', '--import', 'tsx', path.join(FIXTURES, fixture), ...args]
}

function kb(bytes: number): number {
  return Math.round((bytes / 1024) * 10) / 10
}

function mb(bytes: number): number {
  return Math.round((bytes / MiB) * 10) / 10
}

/** The line of a dead child's stderr that says what killed it. */
function deathCause(stderr: string): string {
  const line = stderr.split('\n').find((l) => /^\w*Error\b/.test(l) || l.includes('Unhandled'))
  return line?.trim().slice(0, 200) ?? (stderr.trim().split('\n').at(-1)?.slice(0, 200) || '(no stderr)')
}

/** The figures of each implementation on one line: `case  node:net: ... | tokio-net/net: ...`. */
function tableLine(t: ExecutionContext, name: string, parts: Array<[string, string]>): void {
  const line = `${name}  ${parts.map(([who, what]) => `${who}: ${what}`).join(' | ')}`
  t.log(line)
  process.stdout.write(`${line}\n`)
}

// ---------------------------------------------------------------------------------------------
// 1. Out of file descriptors

/** Descriptors the server may open past those it holds when listening: 16 connections. */
const FD_HEADROOM = 16
const FD_CLIENTS = 150
const FD_WINDOW_MS = 2_000
const FD_FRESH = 10
/**
 * At most this many 'error' events over the window. node:net emits none: libuv's EMFILE trick
 * (a spare descriptor closed, the backlog accepted and closed, the spare opened again) keeps
 * accept() from failing for good. A server that reports the condition now and then (once per
 * 100 ms of retrying) stays under it; one that retries accept() in a loop emits tens of thousands.
 */
const FD_MAX_ERRORS = 20
/**
 * The server's CPU time over the 2 s window: at most 25% of one core (500 ms). node:net uses a
 * few ms; a server retrying accept() in a loop takes a whole core (2,000 ms and more, counting
 * the runtime's threads). 25% leaves room for a retry with a back-off and for a loaded CI
 * machine, and is still far from a spin.
 */
const FD_CPU_BOUND_MS = FD_WINDOW_MS / 4

interface FdWindow {
  ms: number
  cpuMs: number
  errors: number
  codes: Record<string, number>
  accepted: number
  open: number
}

interface FdRun {
  impl: Impl
  listener: boolean
  limit: number
  /** Null: the server died before or during the window. */
  window: FdWindow | null
  died: string | null
  clients: { echoed: number; shed: number; pending: number }
  /** Fresh clients echoed once the first clients closed and the server's count of open connections was 0. */
  servedAfter: number
}

type ClientState = 'pending' | 'echoed' | 'shed'

/** A node:net client that sends `ping` once connected; its state follows what comes back. */
class FdClient {
  state: ClientState = 'pending'
  readonly socket: net.Socket
  readonly connected: Promise<void>

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1')
    this.connected = new Promise((resolve) => {
      this.socket.once('connect', () => {
        this.socket.write('ping')
        resolve()
      })
      this.socket.once('error', () => resolve())
    })
    this.socket.on('data', () => {
      if (this.state === 'pending') this.state = 'echoed'
    })
    // Closed (FIN or RST) before any echo: the server shed the connection from its backlog.
    this.socket.on('error', () => {})
    this.socket.on('close', () => {
      if (this.state === 'pending') this.state = 'shed'
    })
  }
}

/** A fresh client: resolves true once its bytes come back, false if it is closed first. */
function echoOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('again'))
    s.once('data', () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => {})
    s.once('close', () => resolve(false))
  })
}

/** Asks the server for its count of open connections every 50 ms (a polled condition) until 0; false after 15 s. */
async function openDrainedToZero(child: LineChild): Promise<boolean> {
  const deadline = Date.now() + 15_000
  for (let id = 0; Date.now() < deadline; id++) {
    child.send(`status ${id}`)
    const status = await child.waitFor(`status-${id}`, 5_000).catch(() => null)
    if (status === null) return false
    if (status.open === 0) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

async function fdRun(impl: Impl, listener: boolean): Promise<FdRun> {
  const child = new LineChild(fixtureArgv('exhaustion_fd_server.ts', [impl, listener ? 'listen' : 'nolisten', String(FD_HEADROOM)]))
  let exited = false
  void child.exited.then(() => (exited = true))
  const clients: FdClient[] = []
  try {
    const listening = await child.waitFor('listening', START_MS)
    const port = Number(listening.port)
    for (let i = 0; i < FD_CLIENTS; i++) clients.push(new FdClient(port))
    // The kernel completes each handshake into the backlog whether the server accepts or not.
    await guard(Promise.all(clients.map((c) => c.connected)), `${impl}: ${FD_CLIENTS} clients connect`)

    let window: FdWindow | null = null
    let died: string | null = null
    child.send(`window ${FD_WINDOW_MS}`)
    try {
      window = (await child.waitFor('window', FD_WINDOW_MS + 15_000)) as unknown as FdWindow
    } catch {
      await guard(child.exited, `${impl}: the server's exit`)
      died = deathCause(child.stderr)
    }
    const count = (s: ClientState): number => clients.filter((c) => c.state === s).length
    const clientFigures = { echoed: count('echoed'), shed: count('shed'), pending: count('pending') }

    // Free the descriptors: every first client closes; once the server has closed its ends
    // (its count of open connections is 0), fresh clients must be served.
    for (const c of clients) c.socket.destroy()
    let servedAfter = 0
    if (!exited && (await openDrainedToZero(child))) {
      const fresh = await guard(Promise.all(Array.from({ length: FD_FRESH }, () => echoOnce(port))), `${impl}: fresh clients after the descriptors are freed`)
      servedAfter = fresh.filter(Boolean).length
    }
    return { impl, listener, limit: Number(listening.limit), window, died, clients: clientFigures, servedAfter }
  } finally {
    for (const c of clients) c.socket.destroy()
    child.kill()
    await child.exited
  }
}

function fdSummary(r: FdRun): string {
  const w = r.window
  const server = w
    ? `errors ${w.errors}${w.errors ? ` (${Object.entries(w.codes).map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}, cpu ${w.cpuMs} ms/${w.ms / 1000} s, accepted ${w.accepted}`
    : `died: ${r.died}`
  return `${server}, clients echoed ${r.clients.echoed}/shed ${r.clients.shed}/pending ${r.clients.pending}, served after ${r.servedAfter}/${FD_FRESH}`
}

test.serial(`out of descriptors: a server with ${FD_HEADROOM} descriptors to spare and ${FD_CLIENTS} clients emits no error storm, does not spin, survives without an 'error' listener, and serves again once descriptors are freed`, async (t) => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' })
  } catch {
    t.fail('prlimit (util-linux) is needed: the server lowers its own descriptor limit with it')
    return
  }
  needDescriptors(t, FD_CLIENTS + FD_FRESH + 100)
  const impls: Impl[] = ['node', 'adapter', 'raw']
  const withListener: FdRun[] = []
  for (const impl of impls) withListener.push(await fdRun(impl, true))
  const without: FdRun[] = []
  for (const impl of ['node', 'adapter'] as const) without.push(await fdRun(impl, false))

  tableLine(
    t,
    "out-of-fds ('error' listener)",
    withListener.map((r) => [r.impl === 'raw' ? `${NAME.raw} (accept loop, 50 ms pause after an error)` : NAME[r.impl], fdSummary(r)]),
  )
  tableLine(
    t,
    "out-of-fds (no 'error' listener)",
    without.map((r) => [NAME[r.impl], r.window ? `alive, cpu ${r.window.cpuMs} ms/${r.window.ms / 1000} s, served after ${r.servedAfter}/${FD_FRESH}` : `died: ${r.died}`]),
  )
  for (const r of [...withListener, ...without]) {
    report(t, `out-of-fds-${r.impl}${r.listener ? '' : '-nolistener'}`, {
      limit: r.limit,
      alive: r.window ? 1 : 0,
      errors: r.window?.errors ?? -1,
      cpu_ms: r.window?.cpuMs ?? -1,
      accepted: r.window?.accepted ?? -1,
      echoed: r.clients.echoed,
      shed: r.clients.shed,
      pending: r.clients.pending,
      served_after: r.servedAfter,
    })
  }

  for (const r of withListener) {
    const who = `${NAME[r.impl]} with an 'error' listener`
    t.not(r.window, null, `${who}: the server died: ${r.died}`)
    t.is(r.servedAfter, FD_FRESH, `${who}: fresh clients served once descriptors were freed`)
    if (!r.window) continue
    if (r.impl === 'raw') {
      // The raw accept loop's policy is its own; the API must report the condition, typed.
      t.true(r.window.errors > 0, `${who}: no accept failed over the window: was the limit reached?`)
      t.deepEqual(Object.keys(r.window.codes), ['EMFILE'], `${who}: accept errors`)
      continue
    }
    t.true(r.window.errors <= FD_MAX_ERRORS, `${who}: ${r.window.errors} 'error' events in ${r.window.ms} ms (at most ${FD_MAX_ERRORS}; node:net emits none)`)
    t.true(r.window.cpuMs <= FD_CPU_BOUND_MS, `${who}: ${r.window.cpuMs} ms of CPU in ${r.window.ms} ms (at most ${FD_CPU_BOUND_MS})`)
  }
  for (const r of without) {
    const who = `${NAME[r.impl]} without an 'error' listener`
    t.not(r.window, null, `${who}: the server died: ${r.died}`)
    t.is(r.servedAfter, FD_FRESH, `${who}: fresh clients served once descriptors were freed`)
  }
})

// ---------------------------------------------------------------------------------------------
// 2. Out of ephemeral ports

const NS_PREFIX = 'tnexh'
/** Ten ports: start and end of different parity, as the kernel prefers. */
const PORT_RANGE = [40000, 40009] as const
const PORTS = PORT_RANGE[1] - PORT_RANGE[0] + 1
const PORT_ATTEMPTS = PORTS + 5
/** The server's port: outside the range, so it takes none of the ports the clients need. */
const PORTS_SERVER_PORT = 5000

function removeNamespace(name: string): void {
  let pids = ''
  try {
    pids = ip('netns', 'pids', name)
  } catch {
    // no such namespace
  }
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // gone already
    }
  }
  tryIp('netns', 'del', name)
}

/** Why namespaces cannot be made here, or null. Deletes those a crashed run of this file left. */
function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (process.getuid?.() !== 0) return 'not root: a network namespace needs CAP_SYS_ADMIN and CAP_NET_ADMIN'
  let list: string
  try {
    list = ip('netns', 'list')
  } catch (e) {
    return `no usable \`ip\` command (iproute2): ${(e as Error).message}`
  }
  const probe = `${NS_PREFIX}-${process.pid}-probe`
  const failed = tryIp('netns', 'add', probe)
  tryIp('netns', 'del', probe)
  if (failed !== null) return `ip netns add failed: ${failed}`
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0]
    const m = new RegExp(`^${NS_PREFIX}-(\\d+)-`).exec(name)
    if (!m) continue
    try {
      process.kill(Number(m[1]), 0)
    } catch {
      removeNamespace(name)
    }
  }
  return null
}

const netnsSkip = netnsUnavailable()
if (netnsSkip !== null) console.log(`exhaustion.spec.ts: skipping the ephemeral-port test: ${netnsSkip}`)
const netnsTest = netnsSkip === null ? test.serial : test.serial.skip
const netnsTitle = (s: string): string => (netnsSkip === null ? s : `${s} [skipped: ${netnsSkip}]`)

netnsTest(netnsTitle(`out of ephemeral ports: with ${PORTS} ports, connect ${PORTS + 1} to ${PORT_ATTEMPTS} fail at once with EADDRNOTAVAIL as on node:net, and all ${PORTS} connect again once the ports are free`), async (t) => {
  const ns = `${NS_PREFIX}-${process.pid}-ports`
  ip('netns', 'add', ns)
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    // Per-namespace sysctl: the host's range is untouched.
    execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', `echo "${PORT_RANGE[0]} ${PORT_RANGE[1]}" > /proc/sys/net/ipv4/ip_local_port_range`], { stdio: 'pipe', timeout: 20_000 })
    const results: PortsResult[] = []
    for (const impl of ['node', 'adapter', 'raw'] as const) {
      const r = await runCommand(['ip', 'netns', 'exec', ns, ...fixtureArgv('exhaustion_ports.ts', [impl, String(PORTS_SERVER_PORT), String(PORT_ATTEMPTS)])], { timeoutMs: 120_000 })
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '))
      if (r.code !== 0 || line === undefined) {
        t.fail(`${NAME[impl]}: the client process ${describeExit(r)}`)
        continue
      }
      results.push(JSON.parse(line.slice('RESULT '.length)) as PortsResult)
    }

    const errText = (e: ErrorFields | null): string =>
      e === null ? 'none' : `${e.code} (syscall ${e.syscall}, errno ${e.errno}${e.kind ? `, kind ${e.kind}` : ''}) "${e.message}"`
    tableLine(
      t,
      'out-of-ports',
      results.map((r) => [
        NAME[r.impl],
        `connected ${r.first.connected}/${PORT_ATTEMPTS}, failed ${r.first.failed} in <= ${r.first.failMs} ms with ${errText(r.first.firstError)}, hung ${r.first.hung}, again ${r.again.connected}/${r.first.connected}, fds ${r.fdsBefore} -> ${r.fdsAfter}`,
      ]),
    )
    for (const r of results) {
      report(t, `out-of-ports-${r.impl}`, {
        ports: PORTS,
        attempts: PORT_ATTEMPTS,
        connected: r.first.connected,
        failed: r.first.failed,
        hung: r.first.hung,
        code: r.first.firstError?.code ?? 'none',
        fail_ms: r.first.failMs,
        again: r.again.connected,
        fds_before: r.fdsBefore,
        fds_after: r.fdsAfter,
      })
    }

    const node = results.find((r) => r.impl === 'node')
    for (const r of results) {
      const who = NAME[r.impl]
      t.is(r.first.connected, PORTS, `${who}: connections made with ${PORTS} ports`)
      t.is(r.first.hung, 0, `${who}: connects still pending after 5 s`)
      t.deepEqual(r.first.codes, { EADDRNOTAVAIL: PORT_ATTEMPTS - PORTS }, `${who}: the errors of the connects past the range`)
      t.is(r.again.connected, r.first.connected, `${who}: connections made again once the ports were freed`)
      t.true(r.fdsAfter <= r.fdsBefore, `${who}: ${r.fdsAfter} descriptors open after every connection closed, ${r.fdsBefore} before`)
      if (r.impl === 'raw') {
        t.is(r.first.firstError?.kind, 'AddrNotAvailable', `${who}: the error's kind`)
      } else if (r.impl === 'adapter' && node?.first.firstError) {
        // The fields code inspecting a connect error reads: the same as node:net's.
        const pick = ({ code, syscall, errno, address, port }: ErrorFields): ErrorFields => ({ code, syscall, errno, address, port })
        t.deepEqual(r.first.firstError && pick(r.first.firstError), pick(node.first.firstError), `${who}: the 'error' event's fields against node:net's`)
      }
    }
  } finally {
    removeNamespace(ns)
  }
})

// ---------------------------------------------------------------------------------------------
// 3. A peer that never reads

const STALL_SETTLE_MS = 1_000
/** How long the peer does not read: full profile 3 minutes, short 10 s. */
const STALL_WINDOW_MS = pick(10_000, 180_000)
const STALL_RESPECT_TOTAL = pick(64, 256) * MiB
const STALL_IGNORE_TOTAL = 64 * MiB
const STALL_CHUNK = 64 * 1024
/**
 * CPU time of a blocked writer over the window: at most 5% of one core (500 ms of 10 s, 9 s of
 * 3 minutes). A blocked writer has nothing to do, yet an idle node process started with tsx uses
 * 50-100 ms in its first 10 s (V8's background compilation and GC tasks; measured), so the
 * short window needs the room; polling for writability every millisecond or so would still
 * show as well over 5%, a spin as 100%.
 */
const STALL_CPU_SHARE = 0.05
/** RSS a writer that respects backpressure may add while blocked: nothing is queued meanwhile. */
const STALL_WINDOW_GROWTH = 4 * MiB
/** RSS it may add from its first write to the window's end: far below the payload it writes. */
const STALL_TOTAL_GROWTH = 32 * MiB

interface StallRun {
  impl: Impl
  mode: 'respect' | 'ignore'
  total: number
  window: StallWindow | null
  received: Digest | null
  expected: Digest
  exit: string
}

/** A node:net server that does not read its one connection until `read()` is called. */
async function stalledReader(t: ExecutionContext): Promise<{ port: number; read(): Promise<Digest> }> {
  let conn: net.Socket | null = null
  let arrived!: () => void
  const connected = new Promise<void>((resolve) => (arrived = resolve))
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    conn = s
    s.on('error', () => {})
    arrived()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    conn?.destroy()
    server.close()
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    async read() {
      await connected
      const s = conn as net.Socket
      const sink = new HashSink()
      const ended = new Promise<void>((resolve, reject) => {
        s.on('end', resolve)
        s.on('close', () => reject(new Error('closed before the end of the stream')))
      })
      s.on('data', (d: Buffer) => sink.update(d))
      s.resume()
      await ended
      s.end()
      return sink.digest()
    },
  }
}

function payloadDigest(total: number, seed: number): Digest {
  const sink = new HashSink()
  // drained for the sink, which hashes each chunk as it is made
  const chunks = new Payload(total, seed).chunks(MiB, sink)
  while (!chunks.next().done);
  return sink.digest()
}

async function stallRun(t: ExecutionContext, impl: Impl, mode: 'respect' | 'ignore', seed: number, expected: Digest): Promise<StallRun> {
  const total = expected.length
  const reader = await stalledReader(t)
  const child = new LineChild(
    gcFixtureArgv('exhaustion_writer.ts', [impl, mode, String(reader.port), String(total), String(STALL_SETTLE_MS), String(STALL_WINDOW_MS), String(seed)]),
  )
  try {
    await child.waitFor('connected', START_MS)
    const window = (await child.waitFor('window', STALL_SETTLE_MS + STALL_WINDOW_MS + 60_000)) as unknown as StallWindow
    // The peer reads now: every byte must arrive.
    const received = await guard(reader.read(), `${impl}/${mode}: the reader gets every byte`, 120_000)
    await child.waitFor('done', 60_000)
    const { code, signal } = await guard(child.exited, `${impl}/${mode}: the writer exits`)
    return { impl, mode, total, window, received, expected, exit: signal ?? String(code) }
  } catch (e) {
    return { impl, mode, total, window: null, received: null, expected, exit: `${(e as Error).message}; stderr ${child.stderr.slice(-1500)}` }
  } finally {
    child.kill()
    await child.exited
  }
}

function stallSummary(r: StallRun): string {
  const w = r.window
  if (!w) return `failed: ${r.exit}`
  const cpu = `cpu ${w.cpuMs} ms/${w.ms / 1000} s`
  const got = r.received && r.received.hash === r.expected.hash ? `all ${mb(r.total)} MiB arrived, sha256 equal` : `received ${r.received?.length ?? 0} B, hash differs`
  return `${cpu}, rss +${mb(w.end.rss - w.before.rss)} MiB (window +${mb(w.rssMax - w.start.rss)}), arrayBuffers ${mb(w.end.arrayBuffers)} MiB, writableLength ${mb(w.writableLengthEnd)} MiB, handed ${mb(w.handedStart)} MiB before the window + ${mb(w.handedDuring)}, ${got}`
}

test.serial(`a peer that never reads for ${STALL_WINDOW_MS / 1000} s: writers that respect backpressure stay small, those that ignore it queue as node:net does, none spins, and every byte arrives once the peer reads`, async (t) => {
  const seed = runSeed()
  t.log(`seed ${seed} (TOKIO_NET_STRESS_SEED=${seed} replays it)`)
  const respectDigest = payloadDigest(STALL_RESPECT_TOTAL, seed)
  const ignoreDigest = payloadDigest(STALL_IGNORE_TOTAL, seed)
  // Concurrently: a blocked writer waits, so they do not disturb each other's figures, and the
  // full profile's 3 minutes are spent once.
  const runs = await Promise.all([
    stallRun(t, 'node', 'respect', seed, respectDigest),
    stallRun(t, 'adapter', 'respect', seed, respectDigest),
    stallRun(t, 'raw', 'respect', seed, respectDigest),
    stallRun(t, 'node', 'ignore', seed, ignoreDigest),
    stallRun(t, 'adapter', 'ignore', seed, ignoreDigest),
  ])
  tableLine(
    t,
    'never-reading peer (backpressure respected)',
    runs.filter((r) => r.mode === 'respect').map((r) => [r.impl === 'raw' ? `${NAME.raw} (writeAll)` : NAME[r.impl], stallSummary(r)]),
  )
  tableLine(
    t,
    'never-reading peer (backpressure ignored)',
    runs.filter((r) => r.mode === 'ignore').map((r) => [NAME[r.impl], stallSummary(r)]),
  )
  for (const r of runs) {
    const w = r.window
    report(t, `stall-${r.mode}-${r.impl}`, {
      window_s: STALL_WINDOW_MS / 1000,
      cpu_ms: w?.cpuMs ?? -1,
      rss_before_mb: w ? mb(w.before.rss) : -1,
      rss_window_start_mb: w ? mb(w.start.rss) : -1,
      rss_max_mb: w ? mb(w.rssMax) : -1,
      rss_end_mb: w ? mb(w.end.rss) : -1,
      array_buffers_end_mb: w ? mb(w.end.arrayBuffers) : -1,
      external_end_mb: w ? mb(w.end.external) : -1,
      writable_length_end: w?.writableLengthEnd ?? -1,
      handed_before_window_mb: w ? mb(w.handedStart) : -1,
      handed_during_window: w?.handedDuring ?? -1,
      received_mb: r.received ? mb(r.received.length) : -1,
      hash_equal: r.received?.hash === r.expected.hash ? 1 : 0,
    })
  }

  const byImpl = (impl: Impl, mode: 'respect' | 'ignore'): StallRun | undefined => runs.find((r) => r.impl === impl && r.mode === mode)
  for (const r of runs) {
    const who = `${NAME[r.impl]}, backpressure ${r.mode === 'respect' ? 'respected' : 'ignored'}`
    const w = r.window
    if (!w) {
      t.fail(`${who}: ${r.exit}`)
      continue
    }
    t.deepEqual(r.received, r.expected, `${who}: what the peer read once it read`)
    t.is(r.exit, '0', `${who}: the writer's exit`)
    const cpuBound = Math.round(w.ms * STALL_CPU_SHARE)
    t.true(w.cpuMs <= cpuBound, `${who}: ${w.cpuMs} ms of CPU while blocked for ${w.ms} ms (at most ${cpuBound})`)
    if (r.mode === 'respect') {
      t.true(w.rssMax - w.start.rss <= STALL_WINDOW_GROWTH, `${who}: RSS grew ${mb(w.rssMax - w.start.rss)} MiB while blocked (at most ${mb(STALL_WINDOW_GROWTH)})`)
      t.true(w.end.rss - w.before.rss <= STALL_TOTAL_GROWTH, `${who}: RSS grew ${mb(w.end.rss - w.before.rss)} MiB from the first write (at most ${mb(STALL_TOTAL_GROWTH)} for ${mb(r.total)} MiB written)`)
      t.true(w.writableLengthEnd <= 2 * STALL_CHUNK, `${who}: writableLength ${w.writableLengthEnd} while blocked`)
    } else {
      // Everything written at once: what the kernel did not take is queued in the writer.
      t.true(w.writableLengthEnd >= r.total - 16 * MiB, `${who}: writableLength ${w.writableLengthEnd} of ${r.total} written at once`)
    }
  }
  const nodeIgnore = byImpl('node', 'ignore')?.window
  const adapterIgnore = byImpl('adapter', 'ignore')?.window
  if (nodeIgnore && adapterIgnore) {
    // The kernel's socket buffers take a few MiB, not always the same: within 8 MiB of node:net.
    t.true(
      Math.abs(adapterIgnore.writableLengthEnd - nodeIgnore.writableLengthEnd) <= 8 * MiB,
      `writableLength with backpressure ignored: tokio-net/net ${adapterIgnore.writableLengthEnd}, node:net ${nodeIgnore.writableLengthEnd}`,
    )
  }
})

// ---------------------------------------------------------------------------------------------
// 4. Sockets idle after traffic

const IDLE_CONNECTIONS = pick(2_000, 10_000)
/** Messages of 1 to 4 KiB each connection echoes before it idles (as load.spec.ts's). */
const IDLE_MESSAGES = 10
const IDLE_LANES = 100
/**
 * The goal is tokio-net/net's server at or under node:net's RSS per idle connection; it is not
 * met yet. With no read buffer held (none now: `arrayBuffers` per connection is checked to be
 * under 1 KiB, where it was 64 KiB), what is left is the addon's and tokio's native state per
 * connection and its pending readiness wait (about 2-3 KiB more than libuv's uv_tcp_t and
 * Node's TCPWrap) and about 0.5 KiB more of JS heap (measured with heap snapshots: promises
 * and closures of the pending wait, the TcpStream and SocketAddr objects). The native stream
 * path of the Performance 3 issue is where that goes. Until then this guards against
 * regressions (the 64 KiB read buffer made it 4x): at most 75% more than node:net's (1.29x at
 * 2,000 connections and 1.6x at 10,000, measured: 10.4 KiB against 6.5), plus 4 MiB in all,
 * because node:net's own figure moves by up to 20% between runs at 2,000 connections (6.2-7.5
 * KiB, V8 growing its heap in steps of a few MiB; measured); at 10,000 connections the slack is
 * 0.4 KiB per connection.
 */
const IDLE_TOLERANCE = 1.75
const IDLE_SLACK = 4 * MiB
const IDLE_PHASE_MS = pick(120_000, 300_000)

interface IdleClients {
  base: Mem
  mem: Mem
  connected: number
  echoed: number
  bytesSent: number
  mismatches: string[]
  connectMs: number
  echoMs: number
}

interface IdleRun {
  impl: Impl
  serverBase: Mem
  server: Mem
  accepted: number
  open: number
  bytesEchoed: number
  errors: string[]
  clients: IdleClients
}

type PerConn = Record<keyof Mem, number>

function perConnection(base: Mem, now: Mem, n: number): PerConn {
  const out = {} as PerConn
  for (const k of Object.keys(base) as Array<keyof Mem>) out[k] = (now[k] - base[k]) / n
  return out
}

function memLine(p: PerConn): string {
  return `rss ${kb(p.rss)} KiB, heapUsed ${kb(p.heapUsed)} KiB, arrayBuffers ${kb(p.arrayBuffers)} KiB, external ${kb(p.external)} KiB`
}

async function idleRun(impl: Impl, seed: number): Promise<IdleRun> {
  const server = new LineChild(gcFixtureArgv('exhaustion_idle_server.ts', [impl]))
  let clients: LineChild | null = null
  try {
    const listening = await server.waitFor('listening', START_MS)
    clients = new LineChild(
      gcFixtureArgv('exhaustion_idle_clients.ts', [impl, String(listening.port), String(IDLE_CONNECTIONS), String(IDLE_MESSAGES), String(IDLE_LANES), String(seed)]),
    )
    const idle = (await clients.waitFor('idle', IDLE_PHASE_MS)) as unknown as IdleClients & FixtureEvent
    server.send('measure')
    const measured = await server.waitFor('measured', IDLE_PHASE_MS)
    return {
      impl,
      serverBase: listening.base as Mem,
      server: measured.mem as Mem,
      accepted: Number(measured.accepted),
      open: Number(measured.open),
      bytesEchoed: Number(measured.bytesEchoed),
      errors: measured.errors as string[],
      clients: idle,
    }
  } finally {
    // The server first: its ends close first and keep the TIME_WAIT, not the clients' ports.
    server.kill()
    await server.exited
    clients?.kill()
    await clients?.exited
  }
}

test.serial(`${IDLE_CONNECTIONS} connections idle after ${IDLE_MESSAGES} echoed messages each: tokio-net/net's server holds no read buffer and at most 1.75x node:net's memory per connection`, async (t) => {
  needDescriptors(t, IDLE_CONNECTIONS + 200)
  const seed = runSeed()
  const runs: IdleRun[] = []
  for (const impl of ['node', 'adapter'] as const) runs.push(await idleRun(impl, seed))

  const per = runs.map((r) => ({
    r,
    server: perConnection(r.serverBase, r.server, IDLE_CONNECTIONS),
    client: perConnection(r.clients.base, r.clients.mem, IDLE_CONNECTIONS),
  }))
  tableLine(
    t,
    `idle-${IDLE_CONNECTIONS} server per connection`,
    per.map(({ r, server }) => [NAME[r.impl], `${memLine(server)} (RSS ${mb(r.serverBase.rss)} -> ${mb(r.server.rss)} MiB)`]),
  )
  tableLine(
    t,
    `idle-${IDLE_CONNECTIONS} client per connection`,
    per.map(({ r, client }) => [NAME[r.impl], `${memLine(client)} (RSS ${mb(r.clients.base.rss)} -> ${mb(r.clients.mem.rss)} MiB; connect ${r.clients.connectMs} ms, echo ${r.clients.echoMs} ms)`]),
  )
  for (const { r, server, client } of per) {
    report(t, `idle-${r.impl}`, {
      connections: IDLE_CONNECTIONS,
      server_rss_mb: mb(r.server.rss),
      server_rss_per_conn_kb: kb(server.rss),
      server_heap_used_per_conn_kb: kb(server.heapUsed),
      server_array_buffers_per_conn_kb: kb(server.arrayBuffers),
      server_external_per_conn_kb: kb(server.external),
      client_rss_mb: mb(r.clients.mem.rss),
      client_rss_per_conn_kb: kb(client.rss),
      client_heap_used_per_conn_kb: kb(client.heapUsed),
      client_array_buffers_per_conn_kb: kb(client.arrayBuffers),
      client_external_per_conn_kb: kb(client.external),
    })
  }

  for (const r of runs) {
    const who = NAME[r.impl]
    t.is(r.clients.connected, IDLE_CONNECTIONS, `${who}: connections made`)
    t.deepEqual(r.clients.mismatches, [], `${who}: echoes that differed`)
    t.is(r.clients.echoed, IDLE_CONNECTIONS * IDLE_MESSAGES, `${who}: messages echoed intact`)
    t.is(r.bytesEchoed, r.clients.bytesSent, `${who}: bytes the server echoed`)
    t.is(r.accepted, IDLE_CONNECTIONS, `${who}: connections the server accepted`)
    t.is(r.open, IDLE_CONNECTIONS, `${who}: connections open on the server while idle`)
    t.deepEqual(r.errors, [], `${who}: server errors`)
  }
  const [node, adapter] = per
  if (node && adapter) {
    t.true(adapter.server.arrayBuffers < 1024, `tokio-net/net's server holds ${kb(adapter.server.arrayBuffers)} KiB of ArrayBuffers per idle connection`)
    t.true(
      adapter.server.rss <= node.server.rss * IDLE_TOLERANCE + IDLE_SLACK / IDLE_CONNECTIONS,
      `server RSS per idle connection: tokio-net/net ${kb(adapter.server.rss)} KiB, node:net ${kb(node.server.rss)} KiB ` +
        `(at most ${Math.round((IDLE_TOLERANCE - 1) * 100)}% more, plus ${mb(IDLE_SLACK)} MiB in all)`,
    )
  }
})

// ---------------------------------------------------------------------------------------------
// 5. Two servers of one process out of descriptors at once

/** Connections made to each of the two servers, in rounds 100 ms apart. */
const TWO_SERVERS_CONNECTS = 300

/** Runs exhaustion_two_servers.ts for `impl` and connects to both; what it reports, or how it died. */
async function twoServersRun(impl: Impl, listener: boolean): Promise<{ errors: string[] } | { died: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'exhaustion_two_servers.ts'), impl, listener ? 'listener' : 'no-listener'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const line = async (prefix: string): Promise<string | null> => {
    for (;;) {
      const found = out.split('\n').find((l) => l.startsWith(prefix))
      if (found) return found
      if (child.exitCode !== null || child.signalCode !== null) return null
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const ports = await guard(line('ports '), `${impl}: two servers listening`, START_MS)
  if (!ports || !(await guard(line('limited'), `${impl}: limit lowered`, START_MS))) return { died: deathCause(err) }
  const [pa, pb] = ports.split(' ').slice(1).map(Number)
  const clients: net.Socket[] = []
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < TWO_SERVERS_CONNECTS / 5; i++) {
      for (const port of [pa, pb]) clients.push(net.connect(port, '127.0.0.1').on('error', () => {}))
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  // The shedding is done within a few turns of the last connect; this window only lets it finish.
  await new Promise((r) => setTimeout(r, 500))
  for (const c of clients) c.destroy()
  child.stdin.write('report\n')
  const report = await guard(line('{'), `${impl}: report`, START_MS)
  await exited
  return report ? (JSON.parse(report) as { errors: string[] }) : { died: deathCause(err) }
}

test.serial(`two servers of one process out of descriptors at once: neither emits accept EMFILE, and without an 'error' listener the process lives`, async (t) => {
  for (const impl of ['node', 'adapter'] as const) {
    for (const listener of [true, false]) {
      const r = await twoServersRun(impl, listener)
      const label = `${NAME[impl]}, ${listener ? "with an 'error' listener" : "no 'error' listener"}`
      t.log(`${label}: ${JSON.stringify(r)}`)
      t.deepEqual(r, { errors: [] }, label)
    }
  }
})
