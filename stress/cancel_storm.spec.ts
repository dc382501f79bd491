// Cancellation storm: while one end streams a seeded random payload (full 64 MiB; short 8 MiB),
// the other issues reads (full 10,000; short 2,000) each with an AbortSignal aborted at a random
// moment: at once, after a microtask, after a setImmediate, or after a short timer. The reads
// are `read`, `peek`, `readable()` + `tryRead`, and two concurrent `read`s with the first one
// aborted. What resolves is kept (peeked bytes are compared, not kept); at the end what was
// read equals what was written, byte for byte and by sha256: an aborted read loses nothing.

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { assertAbort, describeError, guard, HashSink, isWouldBlock, MiB, Payload, quiet, report, runSeed, shape } from './_helpers.js'
import { pick } from './_profile.js'

const SIZE = pick(8, 64) * MiB
const OPS = pick(2_000, 10_000)
// Reads ask for at most this much, so that the storm ends with most of the payload unread and
// every read races data that is still arriving.
const MAX_READ = Math.floor(SIZE / OPS)
const LONG = pick(180_000, 900_000) // hang guard, not a timing assertion

type Moment = 'at once' | 'microtask' | 'setImmediate' | 'timer'
const MOMENTS: Moment[] = ['at once', 'microtask', 'setImmediate', 'timer']
type Kind = 'read' | 'peek' | 'readable+tryRead' | 'two reads, first aborted'
const KINDS: Kind[] = ['read', 'peek', 'readable+tryRead', 'two reads, first aborted']

/** A small seeded generator (mulberry32) for the storm's choices, so a seed replays a run. */
function chooser(seed: number): (n: number) => number {
  let a = seed >>> 0
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 2 ** 32) * n)
  }
}

function abortAt(moment: Moment, ac: AbortController, pick: (n: number) => number): void {
  if (moment === 'at once') ac.abort()
  else if (moment === 'microtask') queueMicrotask(() => ac.abort())
  else if (moment === 'setImmediate') setImmediate(() => ac.abort())
  else setTimeout(() => ac.abort(), pick(3))
}

/** What the reader has taken in: checked against the payload as it arrives, and hashed. */
class Received {
  readonly sink = new HashSink()
  firstMismatch = -1

  constructor(private readonly payload: Payload) {}

  get offset(): number {
    return this.sink.length
  }

  /** Checks bytes that a peek showed at the current offset, without taking them. */
  checkPeek(bytes: Uint8Array): void {
    if (this.firstMismatch < 0 && !this.payload.bytes(this.offset, bytes.length).equals(bytes)) this.firstMismatch = this.offset
  }

  take(bytes: Uint8Array): void {
    this.checkPeek(bytes)
    this.sink.update(bytes)
  }
}

interface Tally {
  resolved: number
  aborted: number
}

/** Settles `p`: its value, or 'aborted' for an AbortError; any other rejection fails the test. */
async function outcome<T>(t: ExecutionContext, p: Promise<T>, label: string): Promise<T | 'aborted'> {
  try {
    return await guard(p, label)
  } catch (e) {
    if (shape(e).name !== 'AbortError') {
      t.fail(`${label}: rejected with ${describeError(e)}, not an AbortError`)
      throw e
    }
    assertAbort(t, e, label)
    return 'aborted'
  }
}

test.serial(`${OPS} reads aborted at random moments while ${SIZE / MiB} MiB stream in: every byte read once, in order`, async (t) => {
  const seed = runSeed()
  t.log(`seed ${seed} (TOKIO_NET_STRESS_SEED=${seed} replays it)`)
  const pick = chooser(seed)
  const pickForWriter = chooser(seed ^ 0x5bd1e995)
  const payload = new Payload(SIZE, seed)
  const listener = await TcpListener.bind('127.0.0.1:0')
  const [reader, [writer]] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()])
  listener.close()
  t.teardown(() => {
    reader.close()
    writer.close()
  })

  // While the storm lasts the writer trickles: chunks of up to MAX_READ bytes, each followed
  // by a pause of a turn or a timer, so that reads often wait for data and an abort races its
  // arrival (a read that finds data resolves in the call itself, before any abort). After the
  // storm it sends the rest at full speed.
  const sent = new HashSink()
  let stormOver = false
  const writing = quiet(
    (async () => {
      let off = 0
      while (off < SIZE) {
        const trickle = !stormOver
        const chunk = payload.bytes(off, trickle ? 1 + pickForWriter(MAX_READ) : 1024 * 1024)
        sent.update(chunk)
        await writer.writeAll(chunk)
        off += chunk.length
        if (trickle) {
          const pause = pickForWriter(3)
          if (pause === 0) await new Promise((r) => setImmediate(r))
          else if (pause === 1) await new Promise((r) => setTimeout(r, pickForWriter(2)))
        }
      }
      await writer.shutdown()
    })(),
  )

  const received = new Received(payload)
  const tally = new Map<string, Tally>()
  const count = (kind: Kind, moment: Moment, aborted: boolean) => {
    const key = `${kind} / ${moment}`
    const entry = tally.get(key) ?? { resolved: 0, aborted: 0 }
    if (aborted) entry.aborted++
    else entry.resolved++
    tally.set(key, entry)
  }
  let wouldBlocks = 0
  let eofDuringStorm = false

  const start = performance.now()
  for (let i = 0; i < OPS && !eofDuringStorm; i++) {
    const kind = KINDS[pick(KINDS.length)]
    const moment = MOMENTS[pick(MOMENTS.length)]
    const label = `op #${i} (${kind}, abort ${moment})`
    const buf = Buffer.alloc(1 + pick(MAX_READ))
    const ac = new AbortController()
    if (kind === 'read') {
      const p = reader.read(buf, { signal: ac.signal })
      abortAt(moment, ac, pick)
      const n = await outcome(t, p, label)
      count(kind, moment, n === 'aborted')
      if (n === 0) eofDuringStorm = true
      if (typeof n === 'number') received.take(buf.subarray(0, n))
    } else if (kind === 'peek') {
      const p = reader.peek(buf, { signal: ac.signal })
      abortAt(moment, ac, pick)
      const n = await outcome(t, p, label)
      count(kind, moment, n === 'aborted')
      if (typeof n === 'number') received.checkPeek(buf.subarray(0, n))
    } else if (kind === 'readable+tryRead') {
      const p = reader.readable({ signal: ac.signal })
      abortAt(moment, ac, pick)
      const ready = await outcome(t, p, label)
      count(kind, moment, ready === 'aborted')
      if (ready !== 'aborted') {
        try {
          const n = reader.tryRead(buf)
          if (n === 0) eofDuringStorm = true
          received.take(buf.subarray(0, n))
        } catch (e) {
          if (!isWouldBlock(e)) throw e
          wouldBlocks++
        }
      }
    } else {
      // Served in call order: the second read's bytes follow the first's, if it got any.
      const second = Buffer.alloc(1 + pick(MAX_READ))
      const p1 = reader.read(buf, { signal: ac.signal })
      const p2 = quiet(reader.read(second))
      abortAt(moment, ac, pick)
      const n1 = await outcome(t, p1, `${label}: first`)
      const n2 = await guard(p2, `${label}: second`)
      count(kind, moment, n1 === 'aborted')
      if (typeof n1 === 'number') received.take(buf.subarray(0, n1))
      received.take(second.subarray(0, n2))
      if (n1 === 0 || n2 === 0) eofDuringStorm = true
    }
  }
  const stormMs = performance.now() - start
  stormOver = true
  const readInStorm = received.offset

  // The rest, with plain reads.
  const buf = Buffer.alloc(256 * 1024)
  await guard(
    (async () => {
      for (;;) {
        const n = await reader.read(buf)
        if (n === 0) return
        received.take(buf.subarray(0, n))
      }
    })(),
    'reading the rest',
    LONG,
  )
  await guard(writing, 'writer', LONG)

  const totals = [...tally.values()].reduce((a, b) => ({ resolved: a.resolved + b.resolved, aborted: a.aborted + b.aborted }), { resolved: 0, aborted: 0 })
  t.log(`outcomes by kind and abort moment: ${JSON.stringify(Object.fromEntries(tally))}`)
  report(t, 'cancel-storm', {
    bytes: SIZE,
    ops: OPS,
    aborted: totals.aborted,
    resolved: totals.resolved,
    would_block: wouldBlocks,
    read_in_storm: readInStorm,
    storm_ms: Math.round(stormMs),
  })

  t.false(eofDuringStorm, 'the payload ran out during the storm: reads did not race arriving data')
  t.is(received.firstMismatch, -1, `the bytes read differ from the bytes written from offset ${received.firstMismatch}`)
  t.deepEqual(received.sink.digest(), sent.digest(), 'sha256 and length of what was read vs what was written')
  t.is(sent.length, SIZE)
  // Not vacuous: both outcomes happened, many times.
  t.true(totals.aborted >= OPS / 20, `only ${totals.aborted} of ${OPS} operations were aborted`)
  t.true(totals.resolved >= OPS / 20, `only ${totals.resolved} of ${OPS} operations resolved`)
})
