// Soak: many connect/close cycles (full 100,000; short 10,000) leave no handle, descriptor or
// memory behind; ping-pong on one connection (full 1 GiB; short 64 MiB) keeps every byte; the
// same cycles in a worker_threads Worker terminated mid-loop and restarted (full 20,000 x 50;
// short 2,000 x 5, in a child process) leave the main thread alone.

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import {
  describeExit,
  fdCount,
  fixtureResult,
  guard,
  handles,
  HashSink,
  MiB,
  Payload,
  pollUntil,
  quiet,
  report,
  runFixture,
  runSeed,
  sameHandles,
  liveRss,
  settledMemory,
  toMiB,
  ZERO_HANDLES,
} from './_helpers.js'
import { pick } from './_profile.js'

const CYCLES = pick(10_000, 100_000)
const WARM_UP_CYCLES = CYCLES / 5
const IN_FLIGHT = 50
const PING_PONG_BYTES = pick(64, 1024) * MiB
const WORKER_CYCLES = pick(2_000, 20_000)
const WORKER_RESTARTS = pick(5, 50)
const LONG = pick(180_000, 900_000) // hang guard, not a timing assertion

/**
 * The server side of the cycles: each accepted connection reads one byte and echoes it; on an
 * even byte it then waits for the client's EOF before closing, on an odd one it closes at once,
 * so both close orders come up. Runs until the listener is closed.
 */
function serveCycles(listener: TcpListener): { done: () => Promise<void>; errors: string[] } {
  const errors: string[] = []
  const handlers = new Set<Promise<void>>()
  const handle = async (s: TcpStream) => {
    try {
      const one = Buffer.alloc(1)
      await s.readExact(one)
      await s.writeAll(one)
      if (one[0] % 2 === 0 && (await s.read(one)) !== 0) throw new Error('data after the byte, expected EOF')
    } catch (e) {
      if (errors.length < 10) errors.push(String(e))
    } finally {
      s.close()
    }
  }
  const accepting = (async () => {
    for (;;) {
      const [s] = await listener.accept()
      const h = handle(s)
      handlers.add(h)
      void h.finally(() => handlers.delete(h))
    }
  })()
  return {
    errors,
    done: async () => {
      await accepting.catch(() => {}) // ends with ERR_HANDLE_CLOSED when the listener closes
      await Promise.all(handlers)
    },
  }
}

/**
 * `count` cycles, `IN_FLIGHT` at a time: connect, send the cycle number's low byte, read the
 * echo and compare, close. Returns the cycles whose echo differed.
 */
async function connectCloseCycles(addr: string, count: number): Promise<string[]> {
  const wrong: string[] = []
  let next = 0
  const lane = async () => {
    const echo = Buffer.alloc(1)
    while (next < count) {
      const i = next++
      const client = await TcpStream.connect(addr)
      try {
        await client.writeAll(Buffer.from([i & 0xff]))
        await client.readExact(echo)
        if (echo[0] !== (i & 0xff) && wrong.length < 10) wrong.push(`cycle ${i}: echo ${echo[0]}`)
      } finally {
        client.close()
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  return wrong
}

test.serial(`${CYCLES} connect/close cycles, ${IN_FLIGHT} in flight: handles back to zero, descriptors flat, RSS within 10% after warm-up`, async (t) => {
  const listener = await TcpListener.bind('127.0.0.1:0')
  t.teardown(() => listener.close())
  const addr = listener.localAddr().toString()
  const server = serveCycles(listener)
  const start = performance.now()
  t.deepEqual(await guard(connectCloseCycles(addr, WARM_UP_CYCLES), 'warm-up cycles', LONG), [])
  t.true(await pollUntil(() => handles().streams === 0), `streams after warm-up: ${JSON.stringify(handles())}`)
  const warm = await settledMemory()
  const fdsWarm = fdCount()

  t.deepEqual(await guard(connectCloseCycles(addr, CYCLES - WARM_UP_CYCLES), 'cycles', LONG), [])
  const wallMs = performance.now() - start
  t.true(await pollUntil(() => handles().streams === 0), `streams after the cycles: ${JSON.stringify(handles())}`)
  t.true(await pollUntil(() => fdCount() <= fdsWarm), `${fdCount()} descriptors after the cycles, ${fdsWarm} after warm-up`)
  const fdsEnd = fdCount()
  const end = await settledMemory()
  listener.close()
  await guard(server.done(), 'server side', LONG)
  t.deepEqual(server.errors, [], 'server-side errors')
  t.true(await pollUntil(() => sameHandles(handles(), ZERO_HANDLES)), JSON.stringify(handles()))

  // A leak grows RSS for good; V8 growing its young generation's pages does too, by its own
  // schedule and with nothing leaked. Those pages are counted by what lives in them instead.
  const growth = (liveRss(end) - liveRss(warm)) / warm.rss
  const pct = (x: number) => Math.round(x * 1000) / 10
  report(t, 'soak-cycles', {
    cycles: CYCLES,
    in_flight: IN_FLIGHT,
    rss_warm_mb: toMiB(warm.rss),
    rss_end_mb: toMiB(end.rss),
    rss_growth_pct: pct((end.rss - warm.rss) / warm.rss),
    heap_committed_growth_mb: toMiB(end.heapCommitted - warm.heapCommitted),
    heap_used_growth_mb: toMiB(end.heapUsed - warm.heapUsed),
    live_growth_pct: pct(growth),
    fds_warm: fdsWarm,
    fds_end: fdsEnd,
    wall_ms: Math.round(wallMs),
    cycles_per_s: Math.round(CYCLES / (wallMs / 1000)),
  })
  t.true(
    growth < 0.1,
    `RSS grew ${pct(growth)}% of ${toMiB(warm.rss)} MiB over ${CYCLES - WARM_UP_CYCLES} cycles, the V8 heap counted by its live objects ` +
      `(RSS ${toMiB(warm.rss)} -> ${toMiB(end.rss)} MiB, heap used ${toMiB(warm.heapUsed)} -> ${toMiB(end.heapUsed)} MiB)`,
  )
})

test.serial(`ping-pong of ${PING_PONG_BYTES / MiB} MiB on one connection: every message echoed intact, hashes equal`, async (t) => {
  const seed = runSeed()
  t.log(`seed ${seed} (TOKIO_NET_STRESS_SEED=${seed} replays it)`)
  const payload = new Payload(PING_PONG_BYTES, seed)
  const listener = await TcpListener.bind('127.0.0.1:0')
  const [client, [server]] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()])
  listener.close()
  t.teardown(() => {
    client.close()
    server.close()
  })

  const serverSink = new HashSink()
  const echoing = quiet(
    (async () => {
      const buf = Buffer.alloc(256 * 1024)
      for (;;) {
        const n = await server.read(buf)
        if (n === 0) break
        serverSink.update(buf.subarray(0, n))
        await server.writeAll(buf.subarray(0, n))
      }
      await server.shutdown()
    })(),
  )

  // Message sizes from 1 byte to 256 KiB, drawn from the payload's own bytes.
  const sent = new HashSink()
  const echoed = new HashSink()
  const back = Buffer.alloc(256 * 1024)
  let messages = 0
  let mismatched = -1
  const start = performance.now()
  await guard(
    (async () => {
      for (let off = 0; off < payload.size; messages++) {
        const size = 1 + (payload.bytes(off, 4).readUInt32LE(0) % (256 * 1024))
        const msg = payload.bytes(off, size)
        sent.update(msg)
        await client.writeAll(msg)
        const echo = back.subarray(0, msg.length)
        await client.readExact(echo)
        echoed.update(echo)
        if (mismatched < 0 && !echo.equals(msg)) mismatched = messages
        off += msg.length
      }
      await client.shutdown()
      t.is((await client.readToEnd()).length, 0, 'nothing after the last echo')
    })(),
    'ping-pong',
    LONG,
  )
  await guard(echoing, 'echo side', LONG)
  const wallMs = performance.now() - start

  t.is(mismatched, -1, `message #${mismatched} came back different`)
  const want = sent.digest()
  t.is(want.length, payload.size)
  t.deepEqual(serverSink.digest(), want, 'what the server received')
  t.deepEqual(echoed.digest(), want, 'what came back')
  report(t, 'soak-pingpong', {
    bytes: payload.size,
    messages,
    wall_ms: Math.round(wallMs),
    mib_per_s: Math.round(payload.size / MiB / (wallMs / 1000)),
  })
})

interface WorkerRestartsResult {
  restarts: number
  killPoints: number[]
  finishedEarly: number
  handleDrift: string[]
  mainReadGot: number
  handlesZero: boolean
  activeHandles: unknown
  fdsBefore: number
  fdsAfter: number
  fdsFlat: boolean
}

test.serial(`a Worker running connect/close cycles, terminated mid-loop ${WORKER_RESTARTS} times: no crash, no hang, main thread untouched, descriptors flat`, async (t) => {
  const start = performance.now()
  const run = await runFixture('worker_restarts.ts', [String(WORKER_CYCLES), String(WORKER_RESTARTS), String(IN_FLIGHT)], LONG)
  const wallMs = performance.now() - start
  t.is(run.code, 0, describeExit(run))
  const r = fixtureResult<WorkerRestartsResult>(run.stdout)
  if (r === undefined) {
    t.fail(`no RESULT line; stdout: ${run.stdout.slice(-2000)}\n${describeExit(run)}`)
    return
  }
  t.is(r.killPoints.length, WORKER_RESTARTS)
  t.is(r.finishedEarly, 0, 'workers that finished their loop before being terminated')
  t.true(r.killPoints.every((k) => k > 0 && k < WORKER_CYCLES), `kill points ${JSON.stringify(r.killPoints)}`)
  t.deepEqual(r.handleDrift, [], "the main thread's activeHandles changed across a worker's life")
  t.is(r.mainReadGot, 0x2a, "the main thread's pending read got its byte after all the restarts")
  t.true(r.handlesZero, `main thread activeHandles at the end: ${JSON.stringify(r.activeHandles)}`)
  t.true(r.fdsFlat, `descriptors ${r.fdsAfter} at the end, ${r.fdsBefore} before`)
  report(t, 'soak-worker-restarts', {
    cycles_per_worker: WORKER_CYCLES,
    restarts: WORKER_RESTARTS,
    mean_kill_point: Math.round(r.killPoints.reduce((a, b) => a + b, 0) / r.killPoints.length),
    fds_before: r.fdsBefore,
    fds_after: r.fdsAfter,
    wall_ms: Math.round(wallMs),
  })
})
