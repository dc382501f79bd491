// Cancellation (AbortSignal) and concurrency of calls on one handle (docs/CONTRACT.md "Cancellation",
// the cancel-safety paragraphs, "Concurrent calls are served in call order"): an aborted call
// takes nothing and leaves no listener on its signal, concurrent calls all settle, in call order.

import { randomBytes } from 'node:crypto'
import { getEventListeners } from 'node:events'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { Interest, TcpListener, TcpSocket, TcpStream } from '../index.js'
import type { SocketAddr } from '../index.js'

import { assertAbort, assertClosed, asyncErr, closeQuietly, describeOutcome, fillSendBuffer, guard, handles, pair, pollUntil, quiet, readN, sameHandles, settleWithin, sha256, shape, track, turns, watch } from './helpers/index.js'

/** Starts `op` with a fresh signal, lets it reach the runtime, aborts, expects AbortError. */
async function abortMidWait(t: ExecutionContext, label: string, op: (o: { signal: AbortSignal }) => Promise<unknown>): Promise<void> {
  const ac = new AbortController()
  const p = quiet(op({ signal: ac.signal }))
  await turns(10)
  ac.abort()
  const e = await guard(
    p.then(
      (v) => {
        closeQuietly(v as never)
        return new Error(`${label}: resolved with ${String(v)} although nothing could complete it`)
      },
      (err: unknown) => err,
    ),
    `${label}: settling after abort`,
  )
  assertAbort(t, e, `${label} aborted mid-wait`)
}

test('abort mid-wait: readable, read, peek, ready, readExact, readToEnd, asyncIo reject AbortError; the next call gets every byte', async (t) => {
  const ops: Array<[string, (s: TcpStream, o: { signal: AbortSignal }) => Promise<unknown>]> = [
    ['readable', (s, o) => s.readable(o)],
    ['read', (s, o) => s.read(Buffer.alloc(64), o)],
    ['peek', (s, o) => s.peek(Buffer.alloc(64), o)],
    ['ready(READABLE)', (s, o) => s.ready(Interest.READABLE, o)],
    ['readExact', (s, o) => s.readExact(Buffer.alloc(64), o)],
    ['readToEnd', (s, o) => s.readToEnd(o)],
    ['asyncIo(READABLE)', (s, o) => s.asyncIo(Interest.READABLE, () => 1, o)],
  ]
  for (const [label, op] of ops) {
    const [client, server] = await pair(t)
    await abortMidWait(t, `TcpStream.${label}`, (o) => op(client, o))
    // the stream is intact: every byte written afterwards arrives
    await server.writeAll(Buffer.from('after-abort'))
    t.is((await readN(client, 11, `${label}: read after abort`)).toString(), 'after-abort', label)
  }
})

test('abort mid-wait on halves: ReadHalf read and peek, OwnedReadHalf read and readable, OwnedWriteHalf writable (full)', async (t) => {
  {
    const [client, server] = await pair(t)
    const [r] = client.split()
    await abortMidWait(t, 'ReadHalf.read', (o) => r.read(Buffer.alloc(8), o))
    await abortMidWait(t, 'ReadHalf.peek', (o) => r.peek(Buffer.alloc(8), o))
    await server.writeAll(Buffer.from('half'))
    t.is((await readN(r, 4)).toString(), 'half')
  }
  {
    const [client, server] = await pair(t)
    const [r, w] = client.intoSplit()
    track(t, r)
    track(t, w)
    await abortMidWait(t, 'OwnedReadHalf.read', (o) => r.read(Buffer.alloc(8), o))
    await abortMidWait(t, 'OwnedReadHalf.readable', (o) => r.readable(o))
    await server.writeAll(Buffer.from('owned'))
    t.is((await readN(r, 5)).toString(), 'owned')
    await fillSendBuffer(w)
    await abortMidWait(t, 'OwnedWriteHalf.writable (full)', (o) => w.writable(o))
  }
})

test('abort mid-wait: writable and writeAll on a full socket reject AbortError', async (t) => {
  const [client, server] = await pair(t)
  const filled = await fillSendBuffer(client)
  t.true(filled > 0)
  await abortMidWait(t, 'writable (full)', (o) => client.writable(o))
  await abortMidWait(t, 'ready(WRITABLE) (full)', (o) => client.ready(Interest.WRITABLE, o))
  await abortMidWait(t, 'writeAll (full)', (o) => client.writeAll(Buffer.alloc(1 << 22), o))
  void server
})

test('abort mid-wait accept: AbortError; the next accept receives the pending connection', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  await abortMidWait(t, 'accept', (o) => l.accept(o))
  const client = track(t, await TcpStream.connect(l.localAddr()))
  const [s, peer] = await guard(l.accept(), 'accept after abort')
  track(t, s)
  t.true(peer.equals(client.localAddr()), `${peer.toString()} vs ${client.localAddr().toString()}`)
})

test.serial('abort connect waiting on a full backlog (TcpSocket.listen(1)) rejects AbortError and leaks nothing', async (t) => {
  const before = handles()
  const sock = TcpSocket.newV4()
  sock.bind('127.0.0.1:0')
  const l = track(t, sock.listen(1))
  const addr = l.localAddr()
  const N = 8
  const acs: AbortController[] = []
  const outcomes: Array<Promise<['ok', TcpStream] | ['err', unknown]>> = []
  for (let i = 0; i < N; i++) {
    const ac = new AbortController()
    acs.push(ac)
    outcomes.push(
      TcpStream.connect(addr, { signal: ac.signal }).then(
        (s): ['ok', TcpStream] => ['ok', s],
        (e: unknown): ['err', unknown] => ['err', e],
      ),
    )
  }
  // The backlog admits at most a couple of connections; wait until one is in, then abort all.
  await guard(Promise.race(outcomes), 'first connect on the backlog')
  await turns(10)
  for (const ac of acs) ac.abort()
  const results = await guard(Promise.all(outcomes), 'connects settle after abort')
  let aborted = 0
  let connected = 0
  for (const [i, r] of results.entries()) {
    if (r[0] === 'ok') {
      connected++
      r[1].close()
    } else {
      assertAbort(t, r[1], `connect #${i}`)
      if (shape(r[1]).name === 'AbortError') aborted++
    }
  }
  t.true(connected >= 1, `connected=${connected}`)
  t.true(aborted >= 1, `no connect was pending on a backlog of 1 with ${N} attempts (connected=${connected})`)
  l.close()
  t.true(await pollUntil(() => sameHandles(handles(), before)), `handles ${JSON.stringify(handles())} vs ${JSON.stringify(before)}`)
})

test.serial('connect aborted right after the call: AbortError or a stream, never a leak', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const before = handles()
  let aborted = 0
  for (let i = 0; i < 20; i++) {
    const ac = new AbortController()
    const p = TcpStream.connect(l.localAddr(), { signal: ac.signal })
    ac.abort()
    try {
      const s = await guard(p, `connect #${i}`)
      s.close()
    } catch (e) {
      assertAbort(t, e, `connect #${i}`)
      aborted++
    }
  }
  t.log(`${aborted}/20 connects rejected with AbortError (the rest had completed)`)
  l.close()
  t.true(await pollUntil(() => sameHandles(handles(), { ...before, listeners: before.listeners - 1 })), JSON.stringify(handles()))
})

test('an already-aborted signal rejects at once and consumes nothing', async (t) => {
  const [client, server] = await pair(t)
  await server.writeAll(Buffer.from('kept'))
  await guard(client.readable(), 'client.readable')
  const o = () => ({ signal: AbortSignal.abort() })
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['read', () => client.read(Buffer.alloc(8), o())],
    ['readExact', () => client.readExact(Buffer.alloc(4), o())],
    ['readToEnd', () => client.readToEnd(o())],
    ['peek', () => client.peek(Buffer.alloc(8), o())],
    ['readable', () => client.readable(o())],
    ['ready', () => client.ready(Interest.READABLE, o())],
    ['writable', () => client.writable(o())],
    ['write', () => client.write(Buffer.from('NO'), o())],
    ['writeAll', () => client.writeAll(Buffer.from('NO'), o())],
    ['writeVectored', () => client.writeVectored([Buffer.from('NO')], o())],
    ['flush', () => client.flush(o())],
    ['shutdown', () => client.shutdown(o())],
    ['asyncIo', () => client.asyncIo(Interest.READABLE, () => 1, o())],
    ['TcpStream.connect', () => TcpStream.connect(client.peerAddr(), o())],
    ['TcpListener.bind', () => TcpListener.bind('127.0.0.1:0', o())],
  ]
  for (const [label, call] of calls) {
    const e = await asyncErr(t, call, `${label} with an aborted signal`)
    assertAbort(t, e, `${label} with an aborted signal`)
  }
  // nothing was read, written or shut down
  t.is((await readN(client, 4)).toString(), 'kept')
  await client.writeAll(Buffer.from('ok'))
  await client.shutdown()
  t.is((await guard(server.readToEnd(), 'server.readToEnd')).toString(), 'ok')
})

test('an already-aborted signal on accept leaves the pending connection for the next accept', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const client = track(t, await TcpStream.connect(l.localAddr()))
  const e = await asyncErr(t, () => l.accept({ signal: AbortSignal.abort() }), 'accept(aborted)')
  assertAbort(t, e, 'accept(aborted)')
  const [s, peer] = await guard(l.accept(), 'accept')
  track(t, s)
  t.true(peer.equals(client.localAddr()))
})

test('read racing abort loses no byte (cancel safe): every byte arrives exactly once, in order', async (t) => {
  const [client, server] = await pair(t)
  const N = 300
  const got: number[] = []
  const buf = Buffer.alloc(16)
  let aborted = 0
  for (let i = 0; i < N; i++) {
    // the read is waiting; the byte arrives; the abort comes 0..3 turns later
    const ac = new AbortController()
    const p = client.read(buf, { signal: ac.signal })
    await turns(i % 2)
    const w = server.writeAll(Buffer.from([i & 0xff]))
    const k = Math.floor(i / 2) % 4
    if (k === 0) ac.abort()
    await w
    await turns(k)
    ac.abort()
    try {
      const n = await guard(p, `read #${i}`)
      for (let j = 0; j < n; j++) got.push(buf[j])
    } catch (e) {
      assertAbort(t, e, `read #${i}`)
      aborted++
    }
  }
  await server.shutdown()
  for (;;) {
    const n = await guard(client.read(buf), 'drain')
    if (n === 0) break
    for (let j = 0; j < n; j++) got.push(buf[j])
  }
  t.log(`${aborted}/${N} reads were aborted`)
  t.is(got.length, N)
  t.deepEqual(got, Array.from({ length: N }, (_, i) => i & 0xff))
})

test('peek racing abort consumes nothing; accept racing abort loses no connection', async (t) => {
  const [client, server] = await pair(t)
  const pb = Buffer.alloc(4)
  const one = Buffer.alloc(1)
  for (let i = 0; i < 100; i++) {
    await server.writeAll(Buffer.from([i]))
    const ac = new AbortController()
    const p = client.peek(pb, { signal: ac.signal })
    await turns(i % 3)
    ac.abort()
    try {
      const n = await guard(p, `peek #${i}`)
      t.true(n >= 1)
      t.is(pb[0], i, `peek #${i} saw the wrong head byte`)
    } catch (e) {
      assertAbort(t, e, `peek #${i}`)
    }
    t.is(await guard(client.read(one), `read #${i}`), 1)
    t.is(one[0], i, `byte #${i}`)
  }

  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const clients: TcpStream[] = []
  const accepted: SocketAddr[] = []
  for (let i = 0; i < 60; i++) {
    clients.push(track(t, await TcpStream.connect(l.localAddr())))
    const ac = new AbortController()
    const p = l.accept({ signal: ac.signal })
    await turns(i % 3)
    ac.abort()
    try {
      const [s, peer] = await guard(p, `accept #${i}`)
      accepted.push(peer)
      s.close()
    } catch (e) {
      assertAbort(t, e, `accept #${i}`)
    }
  }
  while (accepted.length < clients.length) {
    const [s, peer] = await guard(l.accept(), `accept remaining (${accepted.length}/${clients.length})`)
    accepted.push(peer)
    s.close()
  }
  const want = clients.map((c) => c.localAddr().toString()).sort()
  t.deepEqual(accepted.map((a) => a.toString()).sort(), want)
})

test('abort after completion is a no-op', async (t) => {
  const [client, server] = await pair(t)
  await server.writeAll(Buffer.from('x'))
  const ac = new AbortController()
  const n = await guard(client.read(Buffer.alloc(1), { signal: ac.signal }), 'read')
  t.is(n, 1)
  ac.abort()
  await turns(5)
  await server.writeAll(Buffer.from('y'))
  t.is((await readN(client, 1)).toString(), 'y')
})

// ---------------------------------------------------------------------------------------------
// Concurrency on one handle

test('an asyncIo whose closure throws leaves no abort listener on the signal; nor do resolve, abort and close paths of asyncIo and read', async (t) => {
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

test('concurrent read() calls are served in call order with disjoint bytes', async (t) => {
  const [client, server] = await pair(t)
  const data = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789')
  const bufs = Array.from({ length: 6 }, () => Buffer.alloc(5))
  const order: number[] = []
  const reads = bufs.map((b, i) =>
    client.read(b).then((n) => {
      order.push(i)
      return n
    }),
  )
  await turns(10)
  await server.writeAll(data)
  await server.shutdown()
  const counts = await guard(Promise.all(reads), 'concurrent reads')
  t.deepEqual(order, [0, 1, 2, 3, 4, 5], 'settle order')
  const joined = Buffer.concat(bufs.map((b, i) => b.subarray(0, counts[i])))
  const rest = await guard(client.readToEnd(), 'rest')
  t.is(Buffer.concat([joined, rest]).toString(), data.toString())
  t.true(counts[0] > 0, 'the first read got data')
})

test('concurrent writeAll() calls land in call order', async (t) => {
  const [client, server] = await pair(t)
  const parts = [randomBytes(1 << 20), randomBytes(3 << 19), randomBytes(1 << 20), Buffer.from('tail')]
  const writes = parts.map((p) => client.writeAll(p))
  const shut = client.shutdown()
  const received = guard(server.readToEnd(), 'server.readToEnd')
  await guard(Promise.all([...writes, shut]), 'writes')
  t.true((await received).equals(Buffer.concat(parts)))
})

test('concurrent write() calls land in call order as prefixes of their buffers', async (t) => {
  const [client, server] = await pair(t)
  const parts = ['first-', 'second-', 'third-', 'fourth'].map((s) => Buffer.from(s))
  const counts = await guard(Promise.all(parts.map((p) => client.write(p))), 'writes')
  await client.shutdown()
  const expect = Buffer.concat(parts.map((p, i) => p.subarray(0, counts[i])))
  t.is((await guard(server.readToEnd(), 'readToEnd')).toString(), expect.toString())
  t.true(counts.every((n) => n > 0))
})

test('a read and a write at once both complete (full duplex, 8 MiB each way through an echo)', async (t) => {
  const [client, server] = await pair(t)
  const echo = (async () => {
    const b = Buffer.alloc(64 * 1024)
    for (;;) {
      const n = await server.read(b)
      if (n === 0) break
      await server.writeAll(b.subarray(0, n))
    }
    await server.shutdown()
  })()
  // awaited at the end; until then a failure must not be an unhandled rejection
  echo.catch(() => {})
  // a pending read first, then a write on the same stream: the write must not wait for it
  const first = Buffer.alloc(3)
  const pendingRead = client.read(first)
  await turns(5)
  await guard(client.writeAll(Buffer.from('hi!')), 'write while a read is pending')
  t.is(await guard(pendingRead, 'pending read'), 3)
  t.is(first.toString(), 'hi!')

  const data = randomBytes(8 << 20)
  const [, back] = await guard(
    Promise.all([
      client.writeAll(data).then(() => client.shutdown()),
      client.readToEnd(),
    ]),
    'full-duplex echo (would deadlock if reads waited behind writes)',
    60_000,
  )
  await guard(echo, 'echo')
  t.true(back.equals(data), `echoed ${back.length} of ${data.length} bytes`)
})

test('three concurrent pollAccept calls all settle when three connections arrive', async (t) => {
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

const QUEUED = 8 << 20
const MARKER = Buffer.from('<marker written after the 8 MiB>')

for (const [label, pollWrite] of [
  ['pollWrite', (s: TcpStream) => s.pollWrite(MARKER)],
  ['pollWriteVectored', (s: TcpStream) => s.pollWriteVectored([MARKER.subarray(0, 9), MARKER.subarray(9)])],
] as const) {
  test(`${label} waits behind a pending writeAll: the peer gets the 8 MiB, then the marker`, async (t) => {
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
