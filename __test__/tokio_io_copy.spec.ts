// tokio's copies over real loopback sockets: copy, copyBuf, copyBidirectional (docs/CONTRACT.md "Beyond
// tokio::net", the doc comments in index.d.ts). BufReader, BufWriter and Lines are in
// tokio_io_buffered.spec.ts.
//
// Ports of tokio/tests/io_copy.rs and io_copy_bidirectional.rs are named after tokio's tests;
// tokio's in-memory readers and writers are replaced by the peers of real connections, and its
// mock I/O errors by a reset (read) and a shut-down write direction (write). Not ported:
// - copy_is_cooperative, copy_buf_is_cooperative, copy_bidirectional_is_cooperative: they check
//   tokio's task budget with a reader that is always ready; a socket is not, and a copy from one
//   yields whenever it drains, so there is nothing deterministic to observe;
// - copy_bidirectional_with_sizes_panics_on_zero_{a_to_b,b_to_a}_buffer: there is no
//   copyBidirectional with buffer sizes here;
// - retry_on_io_interrupted: `Interrupted` cannot be injected into a real socket.
//
// No test depends on timing: where a test needs the bytes to be somewhere, it reads them from the
// peer or waits for the kernel's receive queue (/proc/net/tcp) to say so.

import { createHash, randomBytes } from 'node:crypto'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { activeHandles, BufReader, BufWriter, copy, copyBidirectional, copyBuf, TcpListener, TcpStream } from '../index.js'

import { addrsOf, arrived, assertAbort, assertClosed, assertCode, assertKind, assertPending, assertTypeError, asyncErr, describeError, fillSendBuffer, guard, pair, pattern, quiet, readAll, READER_KINDS, readN, readSetup, rejection, sha256, shape, track, WRITER_KINDS, writeSetup } from './helpers/index.js'

const MiB = 1024 * 1024

/** Reads `r` to end of stream, hashing as it goes: the byte count and the sha256. */
async function drainHash(r: { read(buf: Uint8Array): Promise<number> }, label: string): Promise<{ n: number; sha: string }> {
  const h = createHash('sha256')
  const buf = Buffer.alloc(256 * 1024)
  let n = 0
  for (;;) {
    const k = await guard(r.read(buf), `${label}: read at ${n}`)
    if (k === 0) return { n, sha: h.digest('hex') }
    h.update(buf.subarray(0, k))
    n += k
  }
}

/** The peer `source` sends `data`, then shuts its write direction down. */
function send(source: TcpStream, data: Uint8Array): Promise<void> {
  return quiet(
    (async () => {
      await source.writeAll(data)
      await source.shutdown()
    })(),
  )
}

// =============================================================================================
// Ports of tokio/tests/io_copy.rs

test('copy: everything the reader gives until EOF goes to the writer; resolves with the count (11)', async (t) => {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const sent = send(src.peer, Buffer.from('hello world'))
  const n = await guard(copy(src.inner, dst.inner), 'copy')
  await guard(sent, 'peer sends')
  t.is(n, 11)
  await dst.inner.shutdown()
  t.is((await readAll(dst.peer)).toString(), 'hello world')
})

// tokio's `proxy` copies from a reader that only gets more bytes once the writer has passed the
// first ones on: a copy into a buffering writer must flush when its reader has nothing, or both
// wait forever. Here the writer is a BufWriter (8 KiB) and the "more bytes" come only after the
// destination has received the first 512.
async function proxyCase(t: ExecutionContext, run: (reader: TcpStream, writer: BufWriter) => Promise<number>): Promise<void> {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const writer = track(t, new BufWriter(dst.inner))
  const p = quiet(run(src.inner as TcpStream, writer))
  await src.peer.writeAll(Buffer.alloc(512, 0x42))
  // only arrives if the copy flushed the BufWriter while its reader waited
  t.true((await readN(dst.peer, 512, 'the first 512 bytes reach the destination')).equals(Buffer.alloc(512, 0x42)))
  await assertPending(t, p, 'copy before EOF')
  await src.peer.writeAll(Buffer.alloc(512, 0x43))
  await src.peer.shutdown()
  t.is(await guard(p, 'copy'), 1024)
  t.true((await readN(dst.peer, 512)).equals(Buffer.alloc(512, 0x43)))
}

test('proxy: copy into a BufWriter flushes it when the reader has nothing more yet; resolves with 1024', async (t) => {
  await proxyCase(t, (reader, writer) => copy(reader, writer))
})

test('proxy_buf: copyBuf from a BufReader into a BufWriter does the same', async (t) => {
  await proxyCase(t, (reader, writer) => {
    const buffered = track(t, new BufReader(reader))
    return copyBuf(buffered, writer)
  })
})

// =============================================================================================
// Ports of tokio/tests/io_copy_bidirectional.rs

/**
 * tokio's `symmetric`: runs `cb` twice, with the two proxied connections passed to
 * copyBidirectional in both orders. `a` and `b` are the outer ends; the proxy joins their peers.
 */
async function symmetric(
  t: ExecutionContext,
  cb: (handle: Promise<[number, number]>, a: TcpStream, b: TcpStream, a1: TcpStream, b1: TcpStream) => Promise<void>,
): Promise<void> {
  for (const swap of [false, true]) {
    const [a, a1] = await pair(t)
    const [b, b1] = await pair(t)
    if (!swap) await cb(quiet(copyBidirectional(a1, b1)), a, b, a1, b1)
    else await cb(quiet(copyBidirectional(b1, a1)), b, a, b1, a1)
  }
}

test('test_basic_transfer: bytes written to one end come out of the other', async (t) => {
  await symmetric(t, async (_handle, a, b) => {
    await a.writeAll(Buffer.from('test'))
    const tmp = Buffer.alloc(4)
    await guard(b.readExact(tmp), 'b.readExact')
    t.is(tmp.toString(), 'test')
  })
})

test('test_transfer_after_close: after one end shuts down, the other direction still works; resolves [0, 4] once both are closed', async (t) => {
  await symmetric(t, async (handle, a, b) => {
    await a.shutdown()
    t.is((await readAll(b, 'b reads to EOF')).length, 0)

    await b.writeAll(Buffer.from('quux'))
    const tmp = Buffer.alloc(4)
    await guard(a.readExact(tmp), 'a.readExact')
    t.is(tmp.toString(), 'quux')

    // once both are closed, the copy is over
    b.close()
    t.deepEqual(await guard(handle, 'copyBidirectional'), [0, 4])
  })
})

test('blocking_one_side_does_not_block_other: with a flood stuck towards b (b not reading), b can still send to a', async (t) => {
  await symmetric(t, async (handle, a, b) => {
    const flood = randomBytes(16 * MiB)
    const flooding = quiet(a.writeAll(flood))
    // the flood is passing through: bytes are waiting at b, which reads none of them yet
    await arrived(addrsOf(b), 32 * 1024)

    await b.writeAll(Buffer.from('quux'))
    const tmp = Buffer.alloc(4)
    await guard(a.readExact(tmp), 'a.readExact while a -> b is stuck')
    t.is(tmp.toString(), 'quux')

    const atB = drainHash(b, 'b reads the flood')
    await guard(flooding, 'the flood', 60_000)
    await a.shutdown()
    const got = await guard(atB, 'b reads to EOF', 60_000)
    t.is(got.n, flood.length)
    t.is(got.sha, sha256(flood))

    b.close()
    t.deepEqual(await guard(handle, 'copyBidirectional'), [flood.length, 4])
  })
})

test('immediate_exit_on_write_error: a write error in one direction rejects at once (BrokenPipe), while the other direction idles', async (t) => {
  // tokio's symmetric(), except that the proxy's connection to b has its write direction shut
  // down before the copy starts (during the copy, its writes wait for the copy)
  for (const swap of [false, true]) {
    const [a, a1] = await pair(t)
    // b (the first of the pair) stays idle: it neither writes nor closes
    const [, b1] = await pair(t)
    await b1.shutdown()
    const handle = quiet(swap ? copyBidirectional(b1, a1) : copyBidirectional(a1, b1))
    await a.writeAll(Buffer.from('here, take this'))
    const e = await rejection(t, handle, `copyBidirectional (${swap ? 'b1, a1' : 'a1, b1'})`)
    assertKind(t, e, 'BrokenPipe', 'write to a shut-down connection')
    t.is(shape(e).code, 'EPIPE', describeError(e))
  }
})

test('immediate_exit_on_read_error: a read error in one direction (ConnectionReset) rejects at once, while the other direction idles', async (t) => {
  await symmetric(t, async (handle, _a, b) => {
    b.setZeroLinger()
    b.close()
    const e = await rejection(t, handle, 'copyBidirectional')
    assertKind(t, e, 'ConnectionReset', 'the peer reset')
    t.is(shape(e).code, 'ECONNRESET', describeError(e))
  })
})

// =============================================================================================
// copy

for (const rk of READER_KINDS) {
  for (const wk of WRITER_KINDS) {
    test(`copy(${rk} -> ${wk}): resolves with the byte count; the bytes arrive in order; both stay usable (the writer is not shut down)`, async (t) => {
      const src = await readSetup(t, rk)
      const dst = await writeSetup(t, wk)
      const data = pattern(300_000, rk.length + wk.length)
      const sent = send(src.peer, data)
      const got = quiet(readAll(dst.peer, 'destination peer'))
      t.is(await guard(copy(src.inner, dst.inner), 'copy'), data.length)
      await guard(sent, 'source peer')
      // the reader is at EOF; the writer still writes, then shuts down
      t.is(await guard(src.inner.read(Buffer.alloc(8)), 'read after the copy'), 0)
      await guard(dst.inner.writeAll(Buffer.from('tail')), 'write after the copy')
      await guard(dst.inner.shutdown(), 'shutdown after the copy')
      const all = await guard(got, 'destination peer reads to EOF')
      t.true(all.equals(Buffer.concat([data, Buffer.from('tail')])), `${all.length} bytes arrived`)
    })
  }
}

test('copy(BufReader -> BufWriter): resolves with the count; the BufWriter is flushed at the end; bytes the BufReader had buffered are copied first', async (t) => {
  const src = await readSetup(t, 'OwnedReadHalf')
  const dst = await writeSetup(t, 'OwnedWriteHalf')
  const reader = track(t, new BufReader(src.inner))
  const writer = track(t, new BufWriter(dst.inner))
  await src.peer.writeAll(Buffer.from('head\nbuffered'))
  await arrived(src.addrs, 13)
  t.is(await guard(reader.readLine(), 'readLine'), 'head\n')
  t.is(reader.buffer().toString(), 'buffered')
  await guard(writer.write(Buffer.from('pre:')), 'write into the BufWriter')
  const data = pattern(100_000, 7)
  const sent = send(src.peer, data)
  const n = await guard(copy(reader, writer), 'copy')
  await guard(sent, 'source peer')
  t.is(n, 8 + data.length)
  t.is(reader.buffer().length, 0)
  t.is(writer.buffer().length, 0, 'flushed at the end of the copy')
  // no flush of ours: everything is out
  const got = await readN(dst.peer, 4 + 8 + data.length)
  t.true(got.equals(Buffer.concat([Buffer.from('pre:buffered'), data])))
})

test('copy: 64 MiB arrive whole (sha256), and the count is right', async (t) => {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const data = randomBytes(64 * MiB)
  const sent = send(src.peer, data)
  const got = quiet(drainHash(dst.peer, 'destination peer'))
  t.is(await guard(copy(src.inner, dst.inner), 'copy of 64 MiB', 120_000), data.length)
  await guard(sent, 'source peer')
  await dst.inner.shutdown()
  const { n, sha } = await guard(got, 'destination peer reads to EOF', 120_000)
  t.is(n, data.length)
  t.is(sha, sha256(data))
})

/** A copy that is running: the first bytes went through. */
async function runningCopy(t: ExecutionContext, options?: { signal: AbortSignal }) {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const p = quiet(copy(src.inner, dst.inner, options))
  await src.peer.writeAll(Buffer.from('abc'))
  t.is((await readN(dst.peer, 3, 'the copy passes the first bytes on')).toString(), 'abc')
  return { src, dst, p }
}

test('copy: closing the reader mid-copy rejects it with ERR_HANDLE_CLOSED', async (t) => {
  const { src, p } = await runningCopy(t)
  src.inner.close()
  assertClosed(t, await rejection(t, p, 'copy'), 'copy after closing its reader')
})

test('copy: closing the writer mid-copy rejects it with ERR_HANDLE_CLOSED', async (t) => {
  const { dst, p } = await runningCopy(t)
  dst.inner.close()
  assertClosed(t, await rejection(t, p, 'copy'), 'copy after closing its writer')
})

test('copy: closing a BufReader or BufWriter mid-copy rejects it with ERR_HANDLE_CLOSED', async (t) => {
  for (const which of ['BufReader', 'BufWriter'] as const) {
    const src = await readSetup(t, 'ReadHalf')
    const dst = await writeSetup(t, 'WriteHalf')
    const reader = track(t, new BufReader(src.inner))
    const writer = track(t, new BufWriter(dst.inner))
    const p = quiet(copy(reader, writer))
    await src.peer.writeAll(Buffer.from('abc'))
    t.is((await readN(dst.peer, 3, `${which}: the first bytes`)).toString(), 'abc')
    if (which === 'BufReader') reader.close()
    else writer.close()
    assertClosed(t, await rejection(t, p, `copy after closing its ${which}`), `copy after closing its ${which}`)
  }
})

test('copy: aborted mid-copy rejects AbortError; the reader and writer are free again, and later bytes go to the next read', async (t) => {
  const ac = new AbortController()
  const { src, dst, p } = await runningCopy(t, { signal: ac.signal })
  ac.abort()
  assertAbort(t, await rejection(t, p, 'aborted copy'), 'aborted copy')
  await src.peer.writeAll(Buffer.from('after'))
  t.is((await readN(src.inner, 5, 'read after the aborted copy')).toString(), 'after')
  await guard(dst.inner.writeAll(Buffer.from('w')), 'write after the aborted copy')
  t.is((await readN(dst.peer, 1)).toString(), 'w')
  // a signal aborted before the call: rejects, copies nothing
  await src.peer.writeAll(Buffer.from('kept'))
  assertAbort(t, await rejection(t, copy(src.inner, dst.inner, { signal: AbortSignal.abort() }), 'pre-aborted copy'), 'pre-aborted copy')
  t.is((await readN(src.inner, 4, 'read after the pre-aborted copy')).toString(), 'kept')
})

test("copy: a read on the copy's reader and a write on its writer, made during the copy, wait until it is over (call order)", async (t) => {
  const { src, dst, p } = await runningCopy(t)
  const rbuf = Buffer.alloc(16)
  const rd = quiet(src.inner.read(rbuf))
  const wr = quiet(dst.inner.writeAll(Buffer.from('X')))
  await assertPending(t, rd, 'read during the copy')
  await assertPending(t, wr, 'write during the copy')
  await src.peer.writeAll(Buffer.from('def'))
  await src.peer.shutdown()
  t.is(await guard(p, 'copy'), 6, 'the copy got every byte, the read none')
  t.is(await guard(rd, 'read after the copy'), 0)
  await guard(wr, 'write after the copy')
  await dst.inner.shutdown()
  t.is((await readAll(dst.peer)).toString(), 'defX')
})

test("copy: a BufReader's readLine made during a copy from it waits until the copy is over", async (t) => {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const reader = track(t, new BufReader(src.inner))
  const p = quiet(copy(reader, dst.inner))
  const line = quiet(reader.readLine())
  await src.peer.writeAll(Buffer.from('one\ntwo\n'))
  t.is((await readN(dst.peer, 8)).toString(), 'one\ntwo\n')
  await assertPending(t, line, 'readLine during the copy')
  await src.peer.shutdown()
  t.is(await guard(p, 'copy'), 8)
  t.is(await guard(line, 'readLine after the copy'), '')
})

test('copy: a copy called while a read waits starts after that read; aborted while it waits its turn, it frees its place', async (t) => {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const rbuf = Buffer.alloc(16)
  const rd = quiet(src.inner.read(rbuf))
  const ac = new AbortController()
  const first = quiet(copy(src.inner, dst.inner, { signal: ac.signal }))
  await assertPending(t, first, 'copy behind a pending read')
  ac.abort()
  assertAbort(t, await rejection(t, first, 'copy aborted while waiting'), 'copy aborted while waiting')
  const second = quiet(copy(src.inner, dst.inner))
  await src.peer.writeAll(Buffer.from('first'))
  const n = await guard(rd, 'the read called before the copies')
  t.is(rbuf.subarray(0, n).toString(), 'first')
  await src.peer.writeAll(Buffer.from('second'))
  await src.peer.shutdown()
  t.is(await guard(second, 'the second copy'), 6)
  await dst.inner.shutdown()
  t.is((await readAll(dst.peer)).toString(), 'second')
})

for (const buffered of [false, true]) {
  test(`copy: an echo over the two halves of one connection${buffered ? ', through a BufReader and a BufWriter' : ''} (the documented echo server)`, async (t) => {
    const [client, server] = await pair(t)
    const [r, w] = server.intoSplit()
    track(t, r)
    track(t, w)
    const echo = buffered ? quiet(copy(track(t, new BufReader(r)), track(t, new BufWriter(w)))) : quiet(copy(r, w))
    let total = 0
    for (let i = 0; i < 50; i++) {
      const msg = pattern(1 + ((i * 997) % 20_000), i)
      await client.writeAll(msg)
      const back = await readN(client, msg.length, `echo ${i}`)
      if (!back.equals(msg)) {
        t.fail(`echo ${i}: ${back.length} bytes, not the ones sent`)
        return
      }
      total += msg.length
    }
    await client.shutdown()
    t.is(await guard(echo, 'the echo copy'), total)
  })
}

test('copy, copyBuf, copyBidirectional: wrong argument types reject (never throw) with TypeError ERR_INVALID_ARG_TYPE, and take nothing', async (t) => {
  const [s, sPeer] = await pair(t)
  const [s2] = await pair(t)
  const [c, cPeer] = await pair(t)
  const [rh, wh] = c.intoSplit()
  track(t, rh)
  track(t, wh)
  const [c3] = await pair(t)
  const bufReader = track(t, new BufReader(c3))
  const [c4] = await pair(t)
  const bufWriter = track(t, new BufWriter(c4))
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['copy({}, stream)', () => copy({} as unknown as TcpStream, s)],
    ['copy(null, stream)', () => copy(null as unknown as TcpStream, s)],
    ['copy(stream, undefined)', () => copy(s, undefined as unknown as TcpStream)],
    ['copy(OwnedWriteHalf, stream)', () => copy(wh as unknown as TcpStream, s)],
    ['copy(stream, OwnedReadHalf)', () => copy(s, rh as unknown as TcpStream)],
    ['copy(BufWriter, stream)', () => copy(bufWriter as unknown as TcpStream, s)],
    ['copy(stream, BufReader)', () => copy(s, bufReader as unknown as TcpStream)],
    ['copy(TcpListener, stream)', () => copy(listener as unknown as TcpStream, s)],
    ['copyBuf(TcpStream, stream)', () => copyBuf(s2 as unknown as BufReader, s)],
    ['copyBuf(OwnedReadHalf, stream)', () => copyBuf(rh as unknown as BufReader, s)],
    ['copyBuf(BufReader, {})', () => copyBuf(bufReader, {} as unknown as TcpStream)],
    ['copyBidirectional(OwnedReadHalf, stream)', () => copyBidirectional(rh as unknown as TcpStream, s)],
    ['copyBidirectional(stream, BufReader)', () => copyBidirectional(s, bufReader as unknown as TcpStream)],
    ['copyBidirectional(stream, null)', () => copyBidirectional(s, null as unknown as TcpStream)],
    ['copy(stream, stream, { signal: 1 })', () => copy(s, s2, { signal: 1 as unknown as AbortSignal })],
  ]
  for (const [label, call] of cases) {
    assertTypeError(t, await asyncErr(t, call, label), label)
  }
  // nothing was taken: the handles read and write as before
  await sPeer.writeAll(Buffer.from('s'))
  t.is((await readN(s, 1)).toString(), 's')
  await cPeer.writeAll(Buffer.from('r'))
  t.is((await readN(rh, 1)).toString(), 'r')
  await guard(wh.writeAll(Buffer.from('w')), 'the OwnedWriteHalf writes')
  t.is((await readN(cPeer, 1)).toString(), 'w')
  t.is(bufReader.capacity(), 8192)
  t.is(bufWriter.buffer().length, 0)
})

test('copy, copyBuf, copyBidirectional: a closed handle rejects ERR_HANDLE_CLOSED', async (t) => {
  const [s] = await pair(t)
  const [closed] = await pair(t)
  closed.close()
  const [c2] = await pair(t)
  const closedReader = new BufReader(c2)
  closedReader.close()
  assertClosed(t, await asyncErr(t, () => copy(closed, s), 'copy(closed, s)'), 'copy(closed, s)')
  assertClosed(t, await asyncErr(t, () => copy(s, closed), 'copy(s, closed)'), 'copy(s, closed)')
  assertClosed(t, await asyncErr(t, () => copyBuf(closedReader, s), 'copyBuf(closed BufReader, s)'), 'copyBuf(closed BufReader, s)')
  assertClosed(t, await asyncErr(t, () => copyBidirectional(s, closed), 'copyBidirectional(s, closed)'), 'copyBidirectional(s, closed)')
})

// =============================================================================================
// copyBuf

test('copyBuf: bytes the BufReader had buffered are copied too, and counted', async (t) => {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'WriteHalf')
  const reader = track(t, new BufReader(src.inner, 64))
  await src.peer.writeAll(Buffer.from('first line\nalready buffered'))
  await arrived(src.addrs, 27)
  t.is(await guard(reader.readLine(), 'readLine'), 'first line\n')
  t.is(reader.buffer().toString(), 'already buffered')
  const data = pattern(50_000, 9)
  const sent = send(src.peer, data)
  const got = quiet(readAll(dst.peer, 'destination peer'))
  t.is(await guard(copyBuf(reader, dst.inner), 'copyBuf'), 16 + data.length)
  await guard(sent, 'source peer')
  await dst.inner.shutdown()
  t.true((await guard(got, 'destination peer reads to EOF')).equals(Buffer.concat([Buffer.from('already buffered'), data])))
})

test('copyBuf: aborted while the writer is full, what was not written stays in the BufReader; a second copyBuf writes it', async (t) => {
  const src = await readSetup(t, 'TcpStream')
  const dst = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(dst.inner)
  const reader = track(t, new BufReader(src.inner))
  await src.peer.writeAll(Buffer.from('hello'))
  t.is((await guard(reader.fillBuf(), 'fillBuf')).toString(), 'hello')
  const ac = new AbortController()
  const p = quiet(copyBuf(reader, dst.inner, { signal: ac.signal }))
  await assertPending(t, p, 'copyBuf to a full socket')
  ac.abort()
  assertAbort(t, await rejection(t, p, 'aborted copyBuf'), 'aborted copyBuf')
  t.is(reader.buffer().toString(), 'hello')
  const again = quiet(copyBuf(reader, dst.inner))
  t.is((await readN(dst.peer, filler, 'the destination peer drains the filler')).length, filler)
  await src.peer.shutdown()
  t.is(await guard(again, 'copyBuf after the abort'), 5)
  t.is((await readN(dst.peer, 5)).toString(), 'hello')
})

// =============================================================================================
// copyBidirectional

/** client <-> p1 ... proxy ... p2 <-> server, the proxy running copyBidirectional(p1, p2). */
async function proxied(t: ExecutionContext, options?: { signal: AbortSignal }) {
  const [client, p1] = await pair(t)
  const [p2, server] = await pair(t)
  const handle = quiet(copyBidirectional(p1, p2, options))
  return { client, p1, p2, server, handle }
}

test('copyBidirectional: a proxy moves 8 MiB up and 3 MiB down at once, whole (sha256); resolves [8 MiB, 3 MiB]', async (t) => {
  const { client, server, handle } = await proxied(t)
  const up = randomBytes(8 * MiB)
  const down = randomBytes(3 * MiB)
  const sentUp = send(client, up)
  const sentDown = send(server, down)
  const [atServer, atClient] = await guard(Promise.all([drainHash(server, 'server'), drainHash(client, 'client')]), 'both directions', 60_000)
  await guard(Promise.all([sentUp, sentDown]), 'senders')
  t.is(atServer.n, up.length)
  t.is(atServer.sha, sha256(up))
  t.is(atClient.n, down.length)
  t.is(atClient.sha, sha256(down))
  t.deepEqual(await guard(handle, 'copyBidirectional'), [up.length, down.length])
})

test("copyBidirectional: one side's EOF shuts the other side's write direction down (its peer reads EOF); the other way still flows", async (t) => {
  const { client, server, handle } = await proxied(t)
  await client.writeAll(Buffer.from('bye'))
  await client.shutdown()
  t.is((await readAll(server, 'server reads to EOF')).toString(), 'bye')
  await assertPending(t, handle, 'copyBidirectional with one direction done')
  await server.writeAll(Buffer.from('still open'))
  t.is((await readN(client, 10)).toString(), 'still open')
  await server.shutdown()
  t.is(await guard(client.read(Buffer.alloc(4)), 'client reads EOF'), 0)
  t.deepEqual(await guard(handle, 'copyBidirectional'), [3, 10])
})

test('copyBidirectional: the same connection twice (even as an asRef() view of its half) rejects ERR_INVALID_ARG_VALUE', async (t) => {
  const [s, peer] = await pair(t)
  const e = await asyncErr(t, () => copyBidirectional(s, s), 'copyBidirectional(s, s)')
  assertCode(t, e, 'ERR_INVALID_ARG_VALUE', 'copyBidirectional(s, s)')
  const [s2] = await pair(t)
  const [r, w] = s2.split()
  track(t, r)
  track(t, w)
  const view = track(t, r.asRef())
  const e2 = await asyncErr(t, () => copyBidirectional(s2, view), 'copyBidirectional(stream, a view of its half)')
  assertCode(t, e2, 'ERR_INVALID_ARG_VALUE', 'copyBidirectional(stream, a view of its half)')
  // s is untouched
  await peer.writeAll(Buffer.from('ok'))
  t.is((await readN(s, 2)).toString(), 'ok')
})

test('copyBidirectional: 1,000 sequential ping-pongs through the proxy, each answered in turn', async (t) => {
  const { client, server, handle } = await proxied(t)
  let up = 0
  let down = 0
  for (let i = 0; i < 1000; i++) {
    const ping = Buffer.from(`ping ${i}`)
    await client.writeAll(ping)
    t.is((await readN(server, ping.length, `ping ${i}`)).toString(), ping.toString())
    const pong = Buffer.from(`pong ${i}!`)
    await server.writeAll(pong)
    const got = (await readN(client, pong.length, `pong ${i}`)).toString()
    if (got !== pong.toString()) {
      t.is(got, pong.toString(), `round ${i}`)
      return
    }
    up += ping.length
    down += pong.length
  }
  await client.shutdown()
  await server.shutdown()
  t.is(await guard(server.read(Buffer.alloc(1)), 'server EOF'), 0)
  t.is(await guard(client.read(Buffer.alloc(1)), 'client EOF'), 0)
  t.deepEqual(await guard(handle, 'copyBidirectional'), [up, down])
})

test('copyBidirectional: closing one of its streams mid-copy rejects ERR_HANDLE_CLOSED', async (t) => {
  for (const which of ['p1', 'p2'] as const) {
    const x = await proxied(t)
    await x.client.writeAll(Buffer.from('abc'))
    t.is((await readN(x.server, 3)).toString(), 'abc')
    x[which].close()
    assertClosed(t, await rejection(t, x.handle, `copyBidirectional after closing ${which}`), `copyBidirectional after closing ${which}`)
  }
})

test('copyBidirectional: aborted, rejects AbortError and frees both streams; a read made during it waited its turn', async (t) => {
  const ac = new AbortController()
  const { client, p1, p2, server, handle } = await proxied(t, { signal: ac.signal })
  await client.writeAll(Buffer.from('abc'))
  t.is((await readN(server, 3)).toString(), 'abc')
  const rbuf = Buffer.alloc(16)
  const rd = quiet(p1.read(rbuf))
  await assertPending(t, rd, 'p1.read during the copy')
  await client.writeAll(Buffer.from('def'))
  t.is((await readN(server, 3)).toString(), 'def', 'the copy, not the read, got the bytes')
  ac.abort()
  assertAbort(t, await rejection(t, handle, 'aborted copyBidirectional'), 'aborted copyBidirectional')
  await client.writeAll(Buffer.from('ghi'))
  const n = await guard(rd, 'p1.read after the abort')
  t.is(rbuf.subarray(0, n).toString(), 'ghi')
  await guard(p2.writeAll(Buffer.from('jkl')), 'p2 writes after the abort')
  t.is((await readN(server, 3)).toString(), 'jkl')
})

// =============================================================================================

test.after.always('every handle this file opened was closed', (t) => {
  t.deepEqual(activeHandles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
})
