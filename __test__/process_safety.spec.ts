// Calls that once crashed, aborted or hung the whole process: the module loaded twice, a worker
// blocked in a read, getters that close handles while an argument is read, asyncIo with a combined
// interest or an f that always blocks, arrays of length 2**32 - 1, a signal whose getter throws in
// a batch of settling reads. Each runs a script of __test__/fixtures/ in a child process with a
// time bound and asserts on its exit and its report, so a crash or a hang fails one test instead
// of taking the runner down. Every test is serial: one child at a time, so that children do not
// compete for the CPU (the blocked-worker test asserts that calls complete promptly, the asyncIo
// retry test that timers tick).

import net from 'node:net'

import test from 'ava'

import type { ActiveHandles } from '../index.js'

import { assertCleanExit, NO_HANDLES, runFixture } from './helpers/index.js'

interface ErrorFields {
  name?: string
  code?: string
  message?: string
}

test.serial('the module loaded twice in one thread: both copies work and count their handles back to zero', async (t) => {
  const run = await runFixture<{ distinctCopies: boolean; during: ActiveHandles[]; echoes: string[]; after: ActiveHandles[] }>('double_load')
  if (!assertCleanExit(t, run, 'double_load')) return
  const { distinctCopies, during, echoes, after } = run.result
  t.true(distinctCopies, 'require returned a fresh copy of index.js the second time')
  for (const [i, h] of during.entries()) t.true(h.listeners >= 1, `copy ${i + 1} counted its listener: ${JSON.stringify(h)}`)
  t.deepEqual(echoes, ['first: ping / pong', 'second: ping / pong', 'mixed: ping / pong'])
  t.deepEqual(after, [NO_HANDLES, NO_HANDLES], 'activeHandles() of each copy after everything was closed')
})

test.serial("two installs at different paths: one's objects are refused by the other's methods, never taken for its own handles", async (t) => {
  const run = await runFixture<{ refusal: { name: string; code: unknown } | null; theirsStillOpen: boolean }>('two_installs')
  if (!assertCleanExit(t, run, 'two_installs')) return
  t.deepEqual(run.result.refusal, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  t.true(run.result.theirsStillOpen, "the other install's stream was left alone")
})

interface BlockedWorkerReport {
  timings: Record<string, number>
  mainRead: string
  mainDoneAt: number
  stillBlocked: boolean
  workerRead: string
  workerReleasedAt: number
}

test.serial('a worker blocked in StdTcpStream.read() does not stall the main thread\'s tokio-net calls', async (t) => {
  // The worker's silent peer lives here, so that its release does not depend on the child.
  const peers: net.Socket[] = []
  const server = net.createServer((socket) => void peers.push(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const p of peers) p.destroy()
    server.close()
  })
  const { port } = server.address() as net.AddressInfo
  let release: NodeJS.Timeout | undefined
  t.teardown(() => clearTimeout(release))
  const run = await runFixture<BlockedWorkerReport>('blocked_worker', [String(port)], {
    timeoutMs: 60_000,
    onLine: (line) => {
      if (line === 'STEP worker blocked in read') release = setTimeout(() => peers.forEach((p) => p.write('go')), 3_000)
    },
  })
  if (!assertCleanExit(t, run, 'blocked_worker')) return
  const r = run.result
  t.log(`main-thread calls while the worker was blocked (ms): ${JSON.stringify(r.timings)}`)
  t.is(r.workerRead, 'go', 'the worker was released by its peer')
  t.is(r.mainRead, 'main', 'the main thread read its own bytes')
  for (const [call, ms] of Object.entries(r.timings)) t.true(ms < 1_000, `${call} took ${ms} ms while the worker was blocked in read()`)
  t.true(r.stillBlocked && r.mainDoneAt < r.workerReleasedAt, 'the main thread finished its calls while the worker was still blocked')
})

test.serial('a getter that closes other handles while bind or connect reads its argument neither deadlocks nor crashes', async (t) => {
  const run = await runFixture<{ bound: string; otherClosed: boolean; connected: boolean; l2Closed: boolean; after: ActiveHandles }>('reentrant_getters', [], { timeoutMs: 10_000 })
  if (!assertCleanExit(t, run, 'reentrant_getters')) return
  const r = run.result
  t.is(r.bound, '127.0.0.1', 'TcpSocket.bind bound to the address the getter returned')
  t.true(r.otherClosed, 'the getter closed the other socket')
  t.true(r.connected, 'TcpStream.connect connected to the address the getter returned')
  t.true(r.l2Closed, 'the getter closed the other listener')
  t.deepEqual(r.after, NO_HANDLES)
})

test.serial('a combined interest is refused by asyncIo and tryIo with ERR_INVALID_ARG_VALUE, no crash; one interest runs f', async (t) => {
  type Outcome = { resolved?: string; rejected?: ErrorFields }
  const run = await runFixture<{
    combined: Outcome
    tryIo: { returned?: string; threw?: ErrorFields }
    callsWhileRefused: number
    single: string
    calls: number
  }>('async_io_combined', [], { timeoutMs: 20_000 })
  if (!assertCleanExit(t, run, 'async_io_combined')) return
  const r = run.result
  t.is(r.combined.rejected?.code, 'ERR_INVALID_ARG_VALUE', `asyncIo settled with ${JSON.stringify(r.combined)}`)
  t.is(r.tryIo.threw?.code, 'ERR_INVALID_ARG_VALUE', `tryIo gave ${JSON.stringify(r.tryIo)}`)
  t.is(r.callsWhileRefused, 0, 'f never ran for a refused interest')
  t.is(r.single, 'returned by f')
  t.is(r.calls, 1)
})

test.serial('asyncIo retrying an f that always throws EAGAIN on a read-closed socket lets timers run, and an abort ends it', async (t) => {
  const run = await runFixture<{ outcome: { rejected?: ErrorFields; resolved?: string }; ticks: number; calls: number; abortAtTick: number }>('async_io_spin', [], { timeoutMs: 20_000 })
  if (!assertCleanExit(t, run, 'async_io_spin')) return
  const { outcome, ticks, calls, abortAtTick } = run.result
  t.log(`while asyncIo retried: ${ticks} interval ticks, ${calls} calls of f`)
  t.is(outcome.rejected?.name, 'AbortError', `asyncIo settled with ${JSON.stringify(outcome)} after ${ticks} interval ticks`)
  t.true(ticks >= abortAtTick, `a 10 ms interval ticked ${ticks} times while asyncIo retried; the abort comes from tick ${abortAtTick}`)
  t.true(calls >= 2, `f was called ${calls} times`)
})

for (const [call, expected] of [
  ['tryWriteVectored', 'threw'],
  ['tryReadVectored', 'threw'],
  ['writeVectored', 'rejected'],
  ['pollWriteVectored', 'rejected'],
  ['TcpStream.connect', 'rejected'],
  ['TcpListener.bind', 'rejected'],
] as const) {
  test.serial(`${call} given an array of length 2**32 - 1 ${expected === 'threw' ? 'throws' : 'rejects with'} RangeError ERR_OUT_OF_RANGE`, async (t) => {
    const run = await runFixture<ErrorFields & { how: string; isRangeError?: boolean }>('huge_array', [call], { timeoutMs: 30_000 })
    if (!assertCleanExit(t, run, `huge_array ${call}`)) return
    const r = run.result
    t.is(r.how, expected, JSON.stringify(r))
    t.true(r.isRangeError === true, `not a RangeError: ${JSON.stringify(r)}`)
    t.is(r.code, 'ERR_OUT_OF_RANGE', JSON.stringify(r))
  })
}

interface BatchReport {
  written: number[]
  a: 'pending' | { rejected?: ErrorFields; resolved?: number }
  b: 'pending' | { resolved?: number; bytes?: string; rejected?: ErrorFields }
  c: 'pending' | { resolved?: number; bytes?: string; rejected?: ErrorFields }
  uncaught: string[]
}

for (const getter of ['reason', 'removeEventListener'] as const) {
  for (const order of ['abort-first', 'abort-last'] as const) {
    test.serial(`a signal whose ${getter} getter throws, aborted (${order}) in the batch that wakes two other reads: all three settle`, async (t) => {
      const run = await runFixture<BatchReport>('settle_batch', [getter, order], { timeoutMs: 30_000 })
      if (!assertCleanExit(t, run, `settle_batch ${getter} ${order}`)) return
      const r = run.result
      t.deepEqual(r.written, [3, 3])
      t.like(r, {
        a: { rejected: { name: 'AbortError' } },
        b: { resolved: 3, bytes: 'BBB' },
        c: { resolved: 3, bytes: 'CCC' },
      }, JSON.stringify(r))
      t.deepEqual(r.uncaught, ['boom'], 'the getter\'s error is reported as an uncaught exception')
    })
  }
}
