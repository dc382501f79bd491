// Regression tests for the reliability defects of issue 8 that concern handle lifetimes, queues
// and settling: 1, 2, 6, 10, 12, 13 and 15a. Each test is named after its defect's number.
// The defects that can crash or hang the process are in reliability_process.spec.ts, the buffer
// and argument ones in reliability_buffers.spec.ts.

import { randomBytes } from 'node:crypto'
import { getEventListeners } from 'node:events'
import { performance } from 'node:perf_hooks'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { Interest, TcpListener, TcpStream } from '../index.js'

import { assertAbort, assertClosed, collectGarbage, describeError, describeOutcome, fillSendBuffer, guard, pair, quiet, readN, settleWithin, sha256, track, turns, watch } from './helpers/index.js'

/** Awaits `p`, turning a rejection into a failure that names `label` and the error. */
async function mustResolve<T>(t: ExecutionContext, p: Promise<T>, label: string): Promise<T | undefined> {
  try {
    return await guard(p, label)
  } catch (e) {
    t.fail(`${label}: ${describeError(e)}`)
    return undefined
  }
}

/** Runs `fn`, turning a throw into a failure that names `label` and the error. */
function mustReturn<T>(t: ExecutionContext, fn: () => T, label: string): T | undefined {
  try {
    return fn()
  } catch (e) {
    t.fail(`${label}: ${describeError(e)}`)
    return undefined
  }
}

test('1 halves outlive a collected parent: split() halves and a half\'s asRef() view work after the TcpStream is garbage', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const firstPeer = l.accept()
  // The TcpStream is a temporary: only its halves (and, below, a view of a half) stay reachable.
  const [r, w] = (await TcpStream.connect(l.localAddr())).split()
  track(t, r)
  track(t, w)
  const [peer] = await guard(firstPeer, 'accept for the split stream')
  track(t, peer)
  const secondPeer = l.accept()
  const view = (await TcpStream.connect(l.localAddr())).split()[0].asRef()
  track(t, view)
  track(t, (await guard(secondPeer, 'accept for the viewed stream'))[0])

  await collectGarbage()

  await mustResolve(t, w.writeAll(Buffer.from('through the write half')), 'WriteHalf.writeAll after the parent was collected')
  t.is((await readN(peer, 22, 'peer reads what the write half wrote')).toString(), 'through the write half')
  await mustResolve(t, peer.writeAll(Buffer.from('to the read half')), 'peer writes to the read half')
  const got = await mustResolve(t, readN(r, 16, 'ReadHalf.read after the parent was collected'), 'ReadHalf.read after the parent was collected')
  t.is(got?.toString(), 'to the read half')

  mustReturn(t, () => view.setNodelay(true), 'view.setNodelay(true) after its half and stream were collected')
  t.true(mustReturn(t, () => view.nodelay(), 'view.nodelay() after its half and stream were collected'))
})

test('2 three concurrent pollAccept calls all settle when three connections arrive', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const accepts = [0, 1, 2].map(() => quiet(l.pollAccept()))
  await turns(5)
  const clients: TcpStream[] = []
  for (let i = 0; i < 3; i++) clients.push(track(t, await guard(TcpStream.connect(l.localAddr()), `connect #${i}`)))
  const peers: string[] = []
  for (const [i, p] of accepts.entries()) {
    const o = await settleWithin(p, 5_000)
    if (o.state === 'resolved') {
      track(t, o.value[0])
      peers.push(o.value[1].toString())
    } else {
      t.fail(`pollAccept #${i} of 3, after 3 connects: ${describeOutcome(o)} (5 s bound)`)
    }
  }
  t.deepEqual(peers.sort(), clients.map((c) => c.localAddr().toString()).sort(), 'each pollAccept got one of the three clients')
})

test('6 an asyncIo whose closure throws leaves no abort listener on the signal; nor do resolve, abort and close paths of asyncIo and read', async (t) => {
  const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length
  const [client, server] = await pair(t)
  {
    const ac = new AbortController()
    const thrown = new Error('thrown by f')
    const p = client.asyncIo(Interest.WRITABLE, () => {
      throw thrown
    }, { signal: ac.signal })
    const e = await guard(p.then(() => undefined, (err: unknown) => err), 'asyncIo with a throwing f')
    t.is(e, thrown, 'asyncIo rejects with what f threw')
    await turns()
    t.is(listeners(ac.signal), 0, 'asyncIo, f threw: abort listeners left on the signal')
  }
  {
    const ac = new AbortController()
    t.is(await guard(client.asyncIo(Interest.WRITABLE, () => 7, { signal: ac.signal }), 'asyncIo resolving'), 7)
    await turns()
    t.is(listeners(ac.signal), 0, 'asyncIo resolved: abort listeners left on the signal')
  }
  {
    const ac = new AbortController()
    const p = quiet(client.asyncIo(Interest.READABLE, () => 7, { signal: ac.signal }))
    await turns()
    ac.abort()
    assertAbort(t, await guard(p.then(() => undefined, (err: unknown) => err), 'asyncIo aborted'), 'asyncIo aborted')
    t.is(listeners(ac.signal), 0, 'asyncIo aborted: abort listeners left on the signal')
  }
  {
    const ac = new AbortController()
    const p = client.read(Buffer.alloc(8), { signal: ac.signal })
    await turns()
    await server.writeAll(Buffer.from('x'))
    t.is(await guard(p, 'read resolving'), 1)
    await turns()
    t.is(listeners(ac.signal), 0, 'read resolved: abort listeners left on the signal')
  }
  {
    const ac = new AbortController()
    const p = quiet(client.read(Buffer.alloc(8), { signal: ac.signal }))
    await turns()
    ac.abort()
    assertAbort(t, await guard(p.then(() => undefined, (err: unknown) => err), 'read aborted'), 'read aborted')
    t.is(listeners(ac.signal), 0, 'read aborted: abort listeners left on the signal')
  }
  {
    const acIo = new AbortController()
    const acRead = new AbortController()
    const io = quiet(client.asyncIo(Interest.READABLE, () => 7, { signal: acIo.signal }))
    const read = quiet(client.read(Buffer.alloc(8), { signal: acRead.signal }))
    await turns()
    client.close()
    assertClosed(t, await guard(io.then(() => undefined, (err: unknown) => err), 'asyncIo on close'), 'asyncIo on close')
    assertClosed(t, await guard(read.then(() => undefined, (err: unknown) => err), 'read on close'), 'read on close')
    await turns()
    t.is(listeners(acIo.signal), 0, 'asyncIo closed: abort listeners left on the signal')
    t.is(listeners(acRead.signal), 0, 'read closed: abort listeners left on the signal')
  }
})

test('10 a for-await loop over a listener ends quietly when its body closes the listener', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const client = track(t, await TcpStream.connect(l.localAddr()))
  let bodies = 0
  let peer = ''
  const loop = (async () => {
    for await (const [s, addr] of l) {
      bodies++
      peer = addr.toString()
      s.close()
      l.close()
    }
  })()
  const e = await guard(loop.then(() => undefined, (err: unknown) => err), 'the for-await loop')
  t.is(e, undefined, `the loop threw: ${describeError(e)}`)
  t.is(bodies, 1)
  t.is(peer, client.localAddr().toString())
})

const CONSUMED_DATA = Buffer.from('bytes for the new owner')

/**
 * Runs `fn` in a check-phase callback, then blocks the JS thread a moment: whatever `fn` has the
 * peer write is in the kernel, and seen by the I/O driver, before the JS thread polls anything.
 */
function beforeNextPoll<T>(fn: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(fn())
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
      } catch (e) {
        reject(e)
      }
    }),
  )
}

test('12 a read pending when intoStd() consumes the stream rejects ERR_HANDLE_CLOSED; the StdTcpStream reads every byte', async (t) => {
  const [client, server] = await pair(t)
  await guard(server.writable(), 'peer writable')
  const [pending, std, written] = await beforeNextPoll(() => {
    const pending = watch(client.read(Buffer.alloc(64)))
    const written = server.tryWrite(CONSUMED_DATA)
    // The bytes are in the kernel, but the read has not taken them: it is still pending when its
    // stream is consumed, and must not take them afterwards.
    return [pending, client.intoStd(), written] as const
  })
  track(t, std)
  t.is(written, CONSUMED_DATA.length)
  await guard(server.shutdown(), 'peer shutdown')
  const o = await guard(pending.settled, 'the pending read')
  t.is(o.state, 'rejected', `the pending read ${describeOutcome(o)}`)
  if (o.state === 'rejected') assertClosed(t, o.error, 'the pending read')
  std.setNonblocking(false)
  const got: Buffer[] = []
  const buf = Buffer.alloc(64)
  // Blocking reads: the peer's bytes and FIN are already in the kernel, so these return at once.
  for (let n = std.read(buf); n > 0; n = std.read(buf)) got.push(Buffer.from(buf.subarray(0, n)))
  t.is(Buffer.concat(got).toString(), CONSUMED_DATA.toString(), 'what the StdTcpStream read')
})

test('12 a read pending when intoSplit() consumes the stream rejects ERR_HANDLE_CLOSED; the OwnedReadHalf reads every byte', async (t) => {
  const [client, server] = await pair(t)
  await guard(server.writable(), 'peer writable')
  const [pending, [r, w], written] = await beforeNextPoll(() => {
    const pending = watch(client.read(Buffer.alloc(64)))
    const written = server.tryWrite(CONSUMED_DATA)
    return [pending, client.intoSplit(), written] as const
  })
  track(t, r)
  track(t, w)
  t.is(written, CONSUMED_DATA.length)
  await guard(server.shutdown(), 'peer shutdown')
  const o = await guard(pending.settled, 'the pending read')
  t.is(o.state, 'rejected', `the pending read ${describeOutcome(o)}`)
  if (o.state === 'rejected') assertClosed(t, o.error, 'the pending read')
  t.is((await guard(r.readToEnd(), 'OwnedReadHalf.readToEnd')).toString(), CONSUMED_DATA.toString(), 'what the OwnedReadHalf read')
})

const QUEUED = 8 << 20
const MARKER = Buffer.from('<marker written after the 8 MiB>')

for (const [label, pollWrite] of [
  ['pollWrite', (s: TcpStream) => s.pollWrite(MARKER)],
  ['pollWriteVectored', (s: TcpStream) => s.pollWriteVectored([MARKER.subarray(0, 9), MARKER.subarray(9)])],
] as const) {
  test(`13 ${label} waits behind a pending writeAll: the peer gets the 8 MiB, then the marker`, async (t) => {
    const [client, server] = await pair(t)
    const big = randomBytes(QUEUED)
    const bigWrite = watch(client.writeAll(big))
    await turns(10)
    t.is(bigWrite.outcome().state, 'pending', 'precondition: writeAll(8 MiB) is still pending while the peer does not read')
    const marker = quiet(pollWrite(client))
    const received = quiet(server.readToEnd())
    const o = await guard(bigWrite.settled, 'writeAll(8 MiB)')
    t.is(o.state, 'resolved', `writeAll(8 MiB) ${describeOutcome(o)}`)
    const n = await guard(marker, label)
    t.true(n > 0 && n <= MARKER.length, `${label} wrote ${n} bytes`)
    await guard(client.shutdown(), 'shutdown')
    const all = await guard(received, 'peer readToEnd')
    t.is(all.length, QUEUED + n)
    const at = all.indexOf(MARKER.subarray(0, n))
    t.is(at, QUEUED, `the marker arrived at byte ${at}, not after the 8 MiB`)
    t.is(sha256(all.subarray(0, QUEUED)), sha256(big), 'the first 8 MiB are the writeAll buffer, intact')
    t.true(all.subarray(QUEUED).equals(MARKER.subarray(0, n)), 'the last bytes are the marker')
  })
}

// Serial: it measures how long close() holds the JS thread, so no other test of this file runs meanwhile.
test.serial('15a close() with setLinger(3000) and unsent data returns promptly; the peer still receives every byte', async (t) => {
  const [client, server] = await pair(t)
  client.setLinger(3000)
  // The peer does not read yet, so the data stays queued in the send buffer past close().
  const sent = await fillSendBuffer(client)
  t.true(sent > 0)
  const start = performance.now()
  client.close()
  const ms = performance.now() - start
  t.log(`close() with ${sent} bytes unsent and a 3 s linger took ${ms.toFixed(0)} ms`)
  t.true(ms < 1000, `close() held the event loop for ${ms.toFixed(0)} ms`)
  const got = await guard(server.readToEnd(), 'peer readToEnd after the lingering close')
  t.is(got.length, sent, 'bytes the peer received')
  t.true(got.every((b) => b === 0x61), 'the bytes are the ones written')
})

test('a listener closed with an accept pending stops listening at once: the next connect is refused', async (t) => {
  for (let round = 0; round < 10; round++) {
    const listener = await TcpListener.bind('127.0.0.1:0')
    const addr = listener.localAddr()
    const accepting = listener.accept()
    accepting.catch(() => {})
    await new Promise((r) => setImmediate(r))
    listener.close()
    const outcome = await guard(
      TcpStream.connect(addr).then(
        (s) => {
          s.close()
          return 'connected'
        },
        (e: unknown) => String((e as { code?: unknown }).code),
      ),
      `connect after close, round ${round}`,
    )
    t.is(outcome, 'ECONNREFUSED', `round ${round}`)
    assertClosed(t, await accepting.then(() => undefined, (e: unknown) => e), 'the pending accept')
  }
})
