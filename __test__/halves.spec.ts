// Happy paths of the split halves' readiness, try* and vectored members (the README's "Halves"), plus
// Interest.ERROR / Interest.PRIORITY and TcpListener[Symbol.dispose](). The error paths of these
// members are in errors.spec.ts and cancel.spec.ts.
//
// Readiness may be a false positive (a try* call after readable()/writable() can still throw
// WouldBlock), so every try* call sits in a loop that waits again on WouldBlock, as tokio's docs do.

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { activeHandles, BytesMut, Interest, Ready, TcpListener, TcpStream } from '../index.js'
import type { OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf } from '../index.js'

import { assertClosed, assertPending, asyncErr, describeError, fillSendBuffer, guard, isWouldBlock, pair, pattern, quiet, readN, shape, syncErr, track, turns, waitUntilQueued } from './helpers/index.js'

// ---------------------------------------------------------------------------------------------
// Helpers

/** A `try*` call on an empty socket throws kind 'WouldBlock' / code 'EAGAIN'. */
function assertWouldBlock(t: ExecutionContext, fn: () => unknown, label: string): void {
  const e = syncErr(t, fn, label)
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  t.is(shape(e).kind, 'WouldBlock', `${label}: ${describeError(e)}`)
  t.is(shape(e).code, 'EAGAIN', `${label}: ${describeError(e)}`)
}

/**
 * The part of `bufs` not yet written after `done` bytes went out: whole buffers dropped from the
 * front, the first remaining one cut (what `IoSlice::advance_slices` does).
 */
function remaining(bufs: Uint8Array[], done: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const b of bufs) {
    if (done >= b.length) {
      done -= b.length
      continue
    }
    out.push(done > 0 ? b.subarray(done) : b)
    done = 0
  }
  return out
}

interface ReadSide {
  half: ReadHalf | OwnedReadHalf
  /** The other end of the connection. */
  peer: TcpStream
}

interface WriteSide {
  half: WriteHalf | OwnedWriteHalf
  peer: TcpStream
}

const READ_HALVES: Array<[string, (t: ExecutionContext) => Promise<ReadSide>]> = [
  [
    'ReadHalf',
    async (t) => {
      // `pair` tracks the stream, so it outlives the test body (the ReadHalf borrows it)
      const [client, peer] = await pair(t)
      const [half] = client.split()
      return { half, peer }
    },
  ],
  [
    'OwnedReadHalf',
    async (t) => {
      const [client, peer] = await pair(t)
      const [half, w] = client.intoSplit()
      track(t, half)
      track(t, w)
      return { half, peer }
    },
  ],
]

const WRITE_HALVES: Array<[string, (t: ExecutionContext) => Promise<WriteSide>]> = [
  [
    'WriteHalf',
    async (t) => {
      const [client, peer] = await pair(t)
      const [, half] = client.split()
      return { half, peer }
    },
  ],
  [
    'OwnedWriteHalf',
    async (t) => {
      const [client, peer] = await pair(t)
      const [r, half] = client.intoSplit()
      track(t, r)
      track(t, half)
      return { half, peer }
    },
  ],
]

/** readable() + tryRead until `n` bytes are in (peer still open); returns them. */
async function tryReadN(half: ReadHalf | OwnedReadHalf, n: number, label: string): Promise<Buffer> {
  const out = Buffer.alloc(n)
  let got = 0
  while (got < n) {
    await guard(half.readable(), `${label}: readable at ${got}/${n}`)
    try {
      const k = half.tryRead(out.subarray(got))
      if (k === 0) throw new Error(`${label}: unexpected EOF at ${got}/${n}`)
      got += k
    } catch (e) {
      if (!isWouldBlock(e)) throw e
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// ReadHalf / OwnedReadHalf: ready, readable, tryRead, tryReadVectored, tryReadBuf

for (const [name, make] of READ_HALVES) {
  test(`${name}: readable() and ready(READABLE) wait for the peer's bytes, then resolve (isReadable); at EOF isReadClosed and tryRead returns 0`, async (t) => {
    const { half, peer } = await make(t)
    // nothing sent yet: a read finds nothing, which clears the assumed-readable state
    assertWouldBlock(t, () => half.tryRead(Buffer.alloc(4)), `${name}.tryRead before any data`)

    const readable = half.readable()
    const ready = half.ready(Interest.READABLE)
    await assertPending(t, readable, `${name}.readable() before any data`)
    await assertPending(t, ready, `${name}.ready(READABLE) before any data`)

    await peer.writeAll(Buffer.from('ping'))
    t.is(await guard(readable, `${name}.readable()`), undefined)
    const r = await guard(ready, `${name}.ready(READABLE)`)
    t.true(r instanceof Ready)
    t.true(r.isReadable())
    t.false(r.isReadClosed())
    t.false(r.isEmpty())
    t.is((await tryReadN(half, 4, name)).toString(), 'ping')

    // interests combine: a read half can wait for WRITABLE too (a fresh socket is writable)
    const rw = await guard(half.ready(Interest.READABLE | Interest.WRITABLE), `${name}.ready(R|W)`)
    t.true(rw.isWritable())

    // the peer's FIN: clear the (possibly stale) readable state first, so the next readiness
    // event ready(READABLE) can see is the FIN itself
    assertWouldBlock(t, () => half.tryRead(Buffer.alloc(4)), `${name}.tryRead after reading everything`)
    const finReady = half.ready(Interest.READABLE)
    await assertPending(t, finReady, `${name}.ready(READABLE) with nothing left to read`)
    await peer.shutdown()
    const fin = await guard(finReady, `${name}.ready(READABLE) after FIN`)
    t.true(fin.isReadable())
    t.true(fin.isReadClosed())
    await guard(half.readable(), `${name}.readable() at EOF`)
    t.is(half.tryRead(Buffer.alloc(4)), 0, 'tryRead at EOF')
  })

  test(`${name}: tryRead throws WouldBlock (EAGAIN) when empty; a readable() + tryRead loop returns every byte in order, then WouldBlock again`, async (t) => {
    const { half, peer } = await make(t)
    assertWouldBlock(t, () => half.tryRead(Buffer.alloc(16)), `${name}.tryRead on an empty socket`)

    const N = 256 * 1024
    const data = pattern(N, 1)
    const writer = quiet(peer.writeAll(data))
    const out = Buffer.alloc(N)
    let got = 0
    let calls = 0
    let wouldBlocks = 0
    while (got < N) {
      await guard(half.readable(), `${name}.readable at ${got}/${N}`)
      try {
        // at most 16 KiB a call, so the loop takes several calls
        const n = half.tryRead(out.subarray(got, Math.min(N, got + 16 * 1024)))
        calls++
        t.true(n > 0 && n <= 16 * 1024, `tryRead returned ${n}`)
        got += n
      } catch (e) {
        if (!isWouldBlock(e)) throw e
        wouldBlocks++
      }
    }
    await guard(writer, 'peer writeAll')
    t.is(got, N)
    t.true(out.equals(data), 'bytes arrive in order, none lost or repeated')
    t.true(calls >= N / (16 * 1024), `${calls} successful tryRead calls`)
    t.log(`${calls} tryRead calls, ${wouldBlocks} WouldBlock (false positives of readable())`)
    // everything was read and the peer is still open: nothing there
    assertWouldBlock(t, () => half.tryRead(Buffer.alloc(16)), `${name}.tryRead after draining`)
  })

  test(`${name}: tryReadVectored fills several buffers in order and returns the total; WouldBlock when empty`, async (t) => {
    const { half, peer } = await make(t)
    assertWouldBlock(t, () => half.tryReadVectored([Buffer.alloc(4), Buffer.alloc(4)]), `${name}.tryReadVectored on an empty socket`)

    // 12 bytes into 3 + 4 + 5: exactly fills all three
    await peer.writeAll(Buffer.from('hello, world'))
    await waitUntilQueued(half, 12)
    const a = Buffer.alloc(3)
    const b = new Uint8Array(4)
    const c = Buffer.alloc(5)
    let n = -1
    while (n < 0) {
      await guard(half.readable(), `${name}.readable`)
      try {
        n = half.tryReadVectored([a, b, c])
      } catch (e) {
        if (!isWouldBlock(e)) throw e
      }
    }
    t.is(n, 12)
    t.is(a.toString(), 'hel')
    t.is(Buffer.from(b).toString(), 'lo, ')
    t.is(c.toString(), 'world')

    // 6 bytes into 4 + 100: the first filled, the second gets the rest, the remainder untouched
    await peer.writeAll(Buffer.from('ABCDEF'))
    await waitUntilQueued(half, 6)
    const d = Buffer.alloc(4)
    const e = Buffer.alloc(100, 0x2e)
    let m = -1
    while (m < 0) {
      await guard(half.readable(), `${name}.readable`)
      try {
        m = half.tryReadVectored([d, Buffer.alloc(0), e])
      } catch (err) {
        if (!isWouldBlock(err)) throw err
      }
    }
    t.is(m, 6)
    t.is(d.toString(), 'ABCD')
    t.is(e.subarray(0, 2).toString(), 'EF')
    t.true(e.subarray(2).every((x) => x === 0x2e), 'bytes past the count are left alone')

    assertWouldBlock(t, () => half.tryReadVectored([Buffer.alloc(4)]), `${name}.tryReadVectored after draining`)
  })

  test(`${name}: tryReadBuf appends to a BytesMut, growing it from capacity 0, until every byte is in; WouldBlock leaves it unchanged`, async (t) => {
    const { half, peer } = await make(t)
    const bm = new BytesMut()
    t.is(bm.capacity, 0)
    assertWouldBlock(t, () => half.tryReadBuf(bm), `${name}.tryReadBuf on an empty socket`)
    t.is(bm.length, 0)

    const N = 64 * 1024
    const data = pattern(N, 2)
    const writer = quiet(peer.writeAll(data))
    let sum = 0
    while (bm.length < N) {
      await guard(half.readable(), `${name}.readable at ${bm.length}/${N}`)
      try {
        const n = half.tryReadBuf(bm)
        t.true(n > 0, `tryReadBuf returned ${n}`)
        sum += n
      } catch (e) {
        if (!isWouldBlock(e)) throw e
      }
    }
    await guard(writer, 'peer writeAll')
    t.is(sum, N, 'the returned counts add up to the bytes appended')
    t.is(bm.length, N)
    t.true(bm.capacity >= N, `capacity ${bm.capacity}`)
    t.true(bm.toBuffer().equals(data))

    // a second message is appended after the first, not written over it
    await peer.writeAll(Buffer.from('tail'))
    while (bm.length < N + 4) {
      await guard(half.readable(), `${name}.readable (tail)`)
      try {
        half.tryReadBuf(bm)
      } catch (e) {
        if (!isWouldBlock(e)) throw e
      }
    }
    const all = bm.toBuffer()
    t.is(all.length, N + 4)
    t.true(all.subarray(0, N).equals(data))
    t.is(all.subarray(N).toString(), 'tail')

    assertWouldBlock(t, () => half.tryReadBuf(bm), `${name}.tryReadBuf after draining`)
    t.is(bm.length, N + 4, 'WouldBlock appends nothing')
  })
}

// ---------------------------------------------------------------------------------------------
// ReadHalf.readExact

test('ReadHalf: readExact waits until the buffer is full, across several peer writes, and takes no more than it asked for', async (t) => {
  const [client, peer] = await pair(t)
  const [r] = client.split()

  const buf = Buffer.alloc(8)
  const p = r.readExact(buf)
  await assertPending(t, p, 'readExact before any data')
  await peer.writeAll(Buffer.from('abcd'))
  await turns(10)
  await assertPending(t, p, 'readExact with half of the bytes')
  await peer.writeAll(Buffer.from('efgh'))
  t.is(await guard(p, 'readExact'), 8)
  t.is(buf.toString(), 'abcdefgh')

  // 10 bytes queued, read as 4 then 6: each call takes exactly its buffer's length
  await peer.writeAll(Buffer.from('0123456789'))
  const four = Buffer.alloc(4)
  const six = Buffer.alloc(6)
  t.is(await guard(r.readExact(four), 'readExact(4)'), 4)
  t.is(await guard(r.readExact(six), 'readExact(6)'), 6)
  t.is(four.toString(), '0123')
  t.is(six.toString(), '456789')
  assertWouldBlock(t, () => r.tryRead(Buffer.alloc(4)), 'tryRead after the readExact calls')
})

// ---------------------------------------------------------------------------------------------
// WriteHalf / OwnedWriteHalf: ready, tryWriteVectored

for (const [name, make] of WRITE_HALVES) {
  test(`${name}: ready(WRITABLE) resolves with isWritable(); with the send buffer full it waits until the peer drains`, async (t) => {
    const { half, peer } = await make(t)
    const r = await guard(half.ready(Interest.WRITABLE), `${name}.ready(WRITABLE)`)
    t.true(r instanceof Ready)
    t.true(r.isWritable())
    t.false(r.isWriteClosed())
    t.false(r.isEmpty())

    const filled = await fillSendBuffer(half)
    t.true(filled > 0)
    const p = half.ready(Interest.WRITABLE)
    await assertPending(t, p, `${name}.ready(WRITABLE) with the send buffer full`)
    const drained = await readN(peer, filled, 'peer drains')
    t.is(drained.length, filled)
    const again = await guard(p, `${name}.ready(WRITABLE) after the peer drained`)
    t.true(again.isWritable())
    // and a write goes through again
    await guard(half.writable(), 'writable')
    t.is(half.tryWrite(Buffer.from('!')), 1)
    t.is((await readN(peer, 1)).toString(), '!')
  })

  test(`${name}: tryWriteVectored writes the buffers' bytes in order; the peer receives their concatenation`, async (t) => {
    const { half, peer } = await make(t)
    await guard(half.writable(), `${name}.writable`)
    const n = half.tryWriteVectored([Buffer.from('ab'), new Uint8Array([0x63]), Buffer.alloc(0), Buffer.from('def')])
    t.is(n, 6)
    t.is((await readN(peer, 6)).toString(), 'abcdef')

    // more than the socket takes at once: a writable() + tryWriteVectored loop on what is left
    const bufs = [pattern(300 * 1024, 3), Buffer.from([0xff]), pattern(700 * 1024, 4), pattern(5, 5)]
    const expected = Buffer.concat(bufs)
    const received = quiet(readN(peer, expected.length, 'peer reads'))
    let written = 0
    let wouldBlocks = 0
    while (written < expected.length) {
      await guard(half.writable(), `${name}.writable at ${written}/${expected.length}`)
      try {
        const k = half.tryWriteVectored(remaining(bufs, written))
        t.true(k > 0, `tryWriteVectored returned ${k}`)
        written += k
      } catch (e) {
        if (!isWouldBlock(e)) throw e
        wouldBlocks++
      }
    }
    t.is(written, expected.length)
    const got = await guard(received, 'peer receives everything')
    t.is(got.length, expected.length)
    t.true(got.equals(expected), 'the peer receives the concatenation, in order')
    t.log(`${wouldBlocks} WouldBlock while writing ${expected.length} bytes`)
  })
}

// ---------------------------------------------------------------------------------------------
// WriteHalf.writeVectored

test('WriteHalf: writeVectored resolves with the count written; the peer receives the buffers concatenated in order', async (t) => {
  const [client, peer] = await pair(t)
  const [, w] = client.split()
  const n = await guard(w.writeVectored([Buffer.from('one,'), Buffer.alloc(0), new Uint8Array([0x32]), Buffer.from(',three')]), 'writeVectored')
  t.is(n, 11)
  t.is((await readN(peer, 11)).toString(), 'one,2,three')

  // a large vectored write may be partial: loop on what is left, as with Rust's write_vectored
  const bufs = [pattern(1024 * 1024, 6), pattern(3, 7), pattern(2 * 1024 * 1024, 8)]
  const expected = Buffer.concat(bufs)
  const received = quiet(readN(peer, expected.length, 'peer reads'))
  let written = 0
  while (written < expected.length) {
    const k = await guard(w.writeVectored(remaining(bufs, written)), `writeVectored at ${written}/${expected.length}`)
    t.true(k > 0, `writeVectored resolved with ${k}`)
    written += k
  }
  t.is(written, expected.length)
  const got = await guard(received, 'peer receives everything')
  t.true(got.equals(expected), 'the peer receives the concatenation, in order')
})

// ---------------------------------------------------------------------------------------------
// OwnedWriteHalf.flush

test('OwnedWriteHalf: flush resolves (with undefined), and only after a writeAll queued before it', async (t) => {
  const [client, peer] = await pair(t)
  const [r, w] = client.intoSplit()
  track(t, r)
  track(t, w)
  t.is(await guard(w.flush(), 'flush on an idle half'), undefined)

  // 8 MiB does not fit in the socket buffers: writeAll waits for the peer to read
  const big = pattern(8 * 1024 * 1024, 9)
  const order: string[] = []
  const pw = w.writeAll(big).then(() => {
    order.push('writeAll')
  })
  const pf = w.flush().then(() => {
    order.push('flush')
  })
  const received = await readN(peer, big.length, 'peer reads')
  await guard(Promise.all([pw, pf]), 'writeAll + flush')
  t.deepEqual(order, ['writeAll', 'flush'])
  t.true(received.equals(big))

  // flushed bytes followed by a FIN: the peer sees them, then EOF
  await w.writeAll(Buffer.from('last'))
  await guard(w.flush(), 'flush before close')
  w.close()
  t.is((await guard(peer.readToEnd(), 'peer reads to EOF')).toString(), 'last')
})

// ---------------------------------------------------------------------------------------------
// Interest.ERROR / Interest.PRIORITY

test('ready(Interest.ERROR) stays pending on a healthy socket and resolves with isError() when the peer resets; takeError() then gives ECONNRESET', async (t) => {
  const [client, peer] = await pair(t)
  const [r] = client.split()
  const p = r.ready(Interest.ERROR)
  await assertPending(t, p, 'ready(ERROR) on a healthy socket')
  peer.setZeroLinger()
  peer.close() // an RST
  const ready = await guard(p, 'ready(ERROR) after the RST')
  t.true(ready.isError())
  t.false(ready.isEmpty())
  const e = client.takeError()
  t.true(e instanceof Error, `takeError() = ${String(e)}`)
  t.is(shape(e).code, 'ECONNRESET', describeError(e))
  t.is(client.takeError(), null, 'takeError clears the pending error')
})

;(process.platform === 'linux' ? test : test.skip)(
  'ready(Interest.PRIORITY) ignores ordinary data; it resolves with isReadClosed() (isPriority() false) when the peer shuts down',
  async (t) => {
    const [client, peer] = await pair(t)
    const [r] = client.split()
    await peer.writeAll(Buffer.from('x'))
    await waitUntilQueued(r, 1)
    const p = r.ready(Interest.PRIORITY)
    await assertPending(t, p, 'ready(PRIORITY) with only ordinary data queued')
    await peer.shutdown()
    const ready = await guard(p, 'ready(PRIORITY) after the FIN')
    t.true(ready.isReadClosed())
    t.false(ready.isPriority(), 'no out-of-band data was sent')
    // the ordinary byte is still there, then EOF
    t.is((await readN(r, 2)).toString(), 'x')
  },
)

// ---------------------------------------------------------------------------------------------
// TcpListener[Symbol.dispose]

// serial: ava runs serial tests before the concurrent ones, so no other test's listener is
// counted in activeHandles() meanwhile
test.serial('TcpListener[Symbol.dispose]() called directly closes the listener: connect is refused, pending accept rejects, listeners count drops', async (t) => {
  const before = activeHandles().listeners
  const l = await TcpListener.bind('127.0.0.1:0')
  const port = l.localAddr().port()
  t.is(activeHandles().listeners, before + 1)
  const accepting = quiet(l.accept())
  await turns(5)

  l[Symbol.dispose]()

  t.is(activeHandles().listeners, before)
  assertClosed(t, await guard(accepting.then(() => new Error('accept resolved'), (e: unknown) => e), 'pending accept'), 'pending accept')
  assertClosed(t, syncErr(t, () => l.localAddr(), 'localAddr after dispose'), 'localAddr after dispose')
  const e = await asyncErr(t, () => TcpStream.connect(['127.0.0.1', port]), 'connect to the disposed listener')
  t.is(shape(e).kind, 'ConnectionRefused', describeError(e))
  t.is(shape(e).code, 'ECONNREFUSED', describeError(e))
  t.notThrows(() => l[Symbol.dispose](), 'disposing twice is fine')
  t.is(activeHandles().listeners, before)
})
