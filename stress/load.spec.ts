// Load: N connections open at once to one TcpListener (full 10,000; short 1,000), every one
// echoing 10 messages with every byte compared; the server's RSS and descriptors when idle (a
// 16 KiB read pending on each connection), at peak, and after everything closed.
// The clients run in a child process (fixtures/load_clients.ts): 10,000 connections are 20,000
// sockets, more than one process may hold under the usual hard limit of 20,000 descriptors.

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { TcpListener } from '../index.js'
import type { TcpStream } from '../index.js'

import {
  FIXTURES,
  describeError,
  fdCount,
  guard,
  handles,
  liveRss,
  LOAD_GREETING as GREETING,
  needDescriptors,
  pollUntil,
  report,
  rssBytes,
  runSeed,
  sameHandles,
  settledMemory,
  settledRss,
  toMiB,
  ZERO_HANDLES,
} from './_helpers.js'
import type { Memory } from './_helpers.js'
import { pick } from './_profile.js'

const CONNECTIONS = pick(1_000, 10_000)
const MESSAGES = 10
const READ_SIZE = 16 * 1024
// Below the listener's backlog (128): see the fixture on why the accept queue must not overflow.
const CONNECT_LANES = 100
const PHASE_MS = pick(120_000, 600_000) // hang guard per phase, not a timing assertion

/** The client process, spoken to by lines: see the fixture's header. */
class Clients {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly waiting: Array<(line: string) => void> = []
  private stderr = ''
  readonly exited: Promise<number | null>

  constructor(address: string, seed: number) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(FIXTURES, 'load_clients.ts'), address, String(CONNECTIONS), String(MESSAGES), String(CONNECT_LANES), String(seed)],
      { stdio: 'pipe' },
    )
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d))
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line))
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)))
  }

  /** The next line the clients print, as `[word, rest]`; rejects if they exit first. */
  async next(label: string): Promise<[string, string]> {
    const line = new Promise<string>((resolve) => this.waiting.push(resolve))
    const died = this.exited.then((code) => {
      throw new Error(`client process exited (code ${String(code)}) before ${label}:\n${this.stderr.slice(-2000)}`)
    })
    const got = await guard(Promise.race([line, died]), `clients: ${label}`, PHASE_MS)
    const space = got.indexOf(' ')
    return space < 0 ? [got, ''] : [got.slice(0, space), got.slice(space + 1)]
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`)
  }

  kill(): void {
    this.child.kill('SIGKILL')
  }
}

interface EchoOutcome {
  echoed: number
  bytesSent: number
  mismatches: string[]
}

interface ServerState {
  accepted: number
  closed: number
  bytesEchoed: number
  errors: string[]
}

/** Greets, then echoes until EOF, with one 16 KiB read outstanding at a time. */
async function serveConnection(s: TcpStream, state: ServerState): Promise<void> {
  const buf = Buffer.alloc(READ_SIZE)
  try {
    await s.writeAll(Buffer.from([GREETING]))
    for (;;) {
      const n = await s.read(buf)
      if (n === 0) break
      await s.writeAll(buf.subarray(0, n))
      state.bytesEchoed += n
    }
  } catch (e) {
    if (state.errors.length < 10) state.errors.push(describeError(e))
  } finally {
    s.close()
    state.closed++
  }
}

/** Highest RSS and descriptor count seen while `during` runs, sampled every 20 ms. */
async function sampledPeak<T>(during: Promise<T>): Promise<[T, number, number]> {
  let rss = rssBytes()
  let fds = fdCount()
  const timer = setInterval(() => {
    rss = Math.max(rss, rssBytes())
    fds = Math.max(fds, fdCount())
  }, 20)
  try {
    const value = await during
    return [value, Math.max(rss, rssBytes()), Math.max(fds, fdCount())]
  } finally {
    clearInterval(timer)
  }
}

interface RoundFigures {
  rssIdle: number
  rssPeak: number
  after: Memory
  fdsPeak: number
  fdsAfter: number
  connectMs: number
  echoMs: number
}

/**
 * One round: the clients open every connection, echo every message, close; the server side
 * here checks the echoed byte count, that nothing is left registered or open, and measures.
 */
async function loadRound(t: ExecutionContext, seed: number, fdsBase: number): Promise<RoundFigures> {
  const listener = await TcpListener.bind('127.0.0.1:0')
  const open = new Set<TcpStream>()
  t.teardown(() => {
    listener.close()
    for (const s of open) s.close()
  })
  const state: ServerState = { accepted: 0, closed: 0, bytesEchoed: 0, errors: [] }
  const serving: Array<Promise<void>> = []
  const accepting = (async () => {
    while (state.accepted < CONNECTIONS) {
      const [s] = await listener.accept()
      state.accepted++
      open.add(s)
      serving.push(serveConnection(s, state).finally(() => open.delete(s)))
    }
  })()
  accepting.catch(() => {})

  const clients = new Clients(listener.localAddr().toString(), seed)
  t.teardown(() => clients.kill())

  // Idle: every connection accepted, each with its 16 KiB read waiting.
  const start = performance.now()
  const [word, count] = await clients.next('CONNECTED')
  t.is(word, 'CONNECTED')
  t.is(Number(count), CONNECTIONS)
  await guard(accepting, 'server: accept every connection', PHASE_MS)
  listener.close()
  const connectMs = performance.now() - start
  const rssIdle = await settledRss()
  const fdsIdle = fdCount()
  t.true(fdsIdle - fdsBase >= CONNECTIONS, `only ${fdsIdle - fdsBase} more descriptors with ${CONNECTIONS} connections open: were they open at once?`)

  // Busy: all connections echo at once.
  const echoStart = performance.now()
  clients.send('ECHO')
  const [[echoWord, echoJson], rssPeakBusy, fdsPeakBusy] = await sampledPeak(clients.next('ECHOED'))
  const echoMs = performance.now() - echoStart
  t.is(echoWord, 'ECHOED')
  const echo = JSON.parse(echoJson) as EchoOutcome
  t.deepEqual(echo.mismatches, [], 'echoes that differed from what was sent')
  t.is(echo.echoed, CONNECTIONS * MESSAGES, 'messages echoed intact')
  t.is(state.bytesEchoed, echo.bytesSent, 'the server echoed every byte the clients sent')

  // Closed: the clients close, the server sees each EOF and closes its end.
  clients.send('CLOSE')
  const [resultWord, resultJson] = await clients.next('RESULT')
  t.is(resultWord, 'RESULT')
  t.deepEqual((JSON.parse(resultJson) as { activeHandles: unknown }).activeHandles, ZERO_HANDLES, 'client process: activeHandles after closing')
  t.is(await guard(clients.exited, 'client process exit', PHASE_MS), 0)
  await guard(Promise.all(serving), 'server: every connection sees EOF and closes', PHASE_MS)
  t.deepEqual(state.errors, [], 'server-side errors')
  t.is(state.closed, CONNECTIONS)

  t.true(await pollUntil(() => sameHandles(handles(), ZERO_HANDLES)), `activeHandles after close: ${JSON.stringify(handles())}`)
  t.true(await pollUntil(() => fdCount() <= fdsBase), `${fdCount()} descriptors after close, ${fdsBase} before`)
  return {
    rssIdle,
    rssPeak: Math.max(rssIdle, rssPeakBusy),
    after: await settledMemory(),
    fdsPeak: Math.max(fdsIdle, fdsPeakBusy),
    fdsAfter: fdCount(),
    connectMs,
    echoMs,
  }
}

test.serial(`${CONNECTIONS} connections at once, ${MESSAGES} echoed messages each, twice: every byte back, nothing left open, no memory kept per connection`, async (t) => {
  needDescriptors(t, CONNECTIONS + 200)
  const seed = runSeed()
  t.log(`seed ${seed} (TOKIO_NET_STRESS_SEED=${seed} replays it)`)

  // Start the runtime (its descriptors open on first use) before the baseline is taken.
  ;(await TcpListener.bind('127.0.0.1:0')).close()
  const rssBase = await settledRss()
  const fdsBase = fdCount()

  const first = await loadRound(t, seed, fdsBase)
  const second = await loadRound(t, seed + 1, fdsBase)

  report(t, 'load', {
    connections: CONNECTIONS,
    messages: MESSAGES,
    rss_base_mb: toMiB(rssBase),
    rss_idle_mb: toMiB(first.rssIdle),
    // Includes the 16 KiB Buffer this server allocates for each connection's pending read.
    rss_per_conn_kb: Math.round(((first.rssIdle - rssBase) / CONNECTIONS / 1024) * 10) / 10,
    rss_peak_mb: toMiB(first.rssPeak),
    rss_after_mb: toMiB(first.after.rss),
    fds_base: fdsBase,
    fds_peak: first.fdsPeak,
    fds_after: first.fdsAfter,
    connect_ms: Math.round(first.connectMs),
    echo_ms: Math.round(first.echoMs),
  })
  report(t, 'load-round2', {
    connections: CONNECTIONS,
    rss_peak_mb: toMiB(second.rssPeak),
    rss_after_mb: toMiB(second.after.rss),
    rss_added_mb: toMiB(second.after.rss - first.after.rss),
    heap_committed_added_mb: toMiB(second.after.heapCommitted - first.after.heapCommitted),
    live_added_mb: toMiB(liveRss(second.after) - liveRss(first.after)),
    fds_peak: second.fdsPeak,
    fds_after: second.fdsAfter,
    connect_ms: Math.round(second.connectMs),
    echo_ms: Math.round(second.echoMs),
  })

  // Freed memory is not given back to the OS (glibc keeps it for reuse), so RSS after close
  // stays near the peak. The second round then reuses it: what it adds over the first is a
  // small fraction of what the first round's connections cost. A leak of any connection's
  // buffers or state grows RSS again by its share in each round and fails here. V8's heap is
  // counted by its live objects: it grows its pages on its own schedule, leak or not.
  const firstCost = first.rssPeak - rssBase
  const secondAdded = liveRss(second.after) - liveRss(first.after)
  t.true(
    secondAdded < firstCost / 4,
    `the second round added ${toMiB(secondAdded)} MiB over the first (RSS ${toMiB(first.after.rss)} -> ${toMiB(second.after.rss)} MiB, ` +
      `V8 heap used ${toMiB(first.after.heapUsed)} -> ${toMiB(second.after.heapUsed)} MiB); the first round's connections cost ${toMiB(firstCost)} MiB at peak`,
  )
})
