// tokio's buffered I/O over real loopback sockets: BufReader, Lines, BufWriter (docs/CONTRACT.md "Beyond
// tokio::net", the doc comments in index.d.ts). The copies are in tokio_io_copy.spec.ts.
//
// Ports of tokio/tests/io_buf_reader.rs, io_buf_writer.rs, io_lines.rs, io_read_line.rs and
// io_read_until.rs are named after tokio's tests; tokio's in-memory readers and writers (slices,
// `Cursor`, `tokio_test::io::Builder`, `MaybePending`) are replaced by the peer of a real
// connection, which sends each chunk when the test says so, and tokio's injected read errors by a
// reset from the peer. Not ported:
// - test_buffered_reader_seek, test_buffered_reader_seek_underflow, maybe_pending_seek,
//   buf_writer_seek, maybe_pending_buf_writer_seek: a socket does not seek (no `seek` here);
// - the ten write_vectored_* tests of io_buf_writer.rs: BufWriter has no writeVectored here;
// - read_until_retries_interrupted: `Interrupted` cannot be injected into a real socket;
// - of test_short_reads, the 0-byte reads between data: on a socket, 0 is end of stream for good;
// - of read_line_fail / read_until_fail, the check of what stays in the caller's String / Vec:
//   the JS methods return a new value and have no caller's buffer.
//
// No test depends on timing: where a test needs the bytes to be somewhere (arrived at a socket,
// taken from it by a reader), it waits for the kernel's receive queue (/proc/net/tcp) to say so.

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { activeHandles, BufReader, BufWriter, Lines, OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpListener, TcpStream, WriteHalf } from '../index.js'

import { arrived, assertAbort, assertClosed, assertCode, assertKind, assertPending, assertTypeError, asyncErr, collectGarbage, describeError, drained, fillSendBuffer, guard, isWouldBlock, pair, pattern, queued, quiet, readAll, READER_KINDS, type ReaderKind, readN, readSetup, rejection, shape, syncErr, track, turns, WRITER_KINDS, type WriterKind, writeSetup } from './helpers/index.js'

const LONG_LINE = 1024 * 1024

const CLASS_OF: Record<ReaderKind | WriterKind, unknown> = {
  TcpStream,
  ReadHalf,
  OwnedReadHalf,
  WriteHalf,
  OwnedWriteHalf,
}

function bytes(b: Uint8Array): number[] {
  return [...b]
}

/** A synchronous call that must throw `kind: 'ResourceBusy'`. */
function assertBusy(t: ExecutionContext, fn: () => unknown, label: string): void {
  const e = syncErr(t, fn, label)
  assertKind(t, e, 'ResourceBusy', label)
  t.is(shape(e).code, 'ERR_RESOURCE_BUSY', `${label}: ${describeError(e)}`)
}

/** `peer` resets the connection (RST): zero linger, then close. */
function reset(peer: TcpStream): void {
  peer.setZeroLinger()
  peer.close()
}

// =============================================================================================
// Ports of tokio/tests/io_buf_reader.rs

test('test_buffered_reader: capacity 2, reads at least as large as the buffer bypass it, smaller ones are served from it', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  await peer.writeAll(Buffer.from([5, 6, 7, 0, 1, 2, 3, 4]))
  await peer.shutdown()
  // every byte is queued before the first read, so no read comes up short for lack of data
  await arrived(addrs, 8)
  const reader = track(t, new BufReader(inner, 2))

  let buf = Buffer.alloc(3)
  t.is(await guard(reader.read(buf), 'read 3'), 3)
  t.deepEqual(bytes(buf), [5, 6, 7])
  t.deepEqual(bytes(reader.buffer()), [])

  buf = Buffer.alloc(2)
  t.is(await guard(reader.read(buf), 'read 2'), 2)
  t.deepEqual(bytes(buf), [0, 1])
  t.deepEqual(bytes(reader.buffer()), [])

  buf = Buffer.alloc(1)
  t.is(await guard(reader.read(buf), 'read 1'), 1)
  t.deepEqual(bytes(buf), [2])
  t.deepEqual(bytes(reader.buffer()), [3])

  buf = Buffer.alloc(3)
  t.is(await guard(reader.read(buf), 'read 3 with 1 buffered'), 1)
  t.deepEqual(bytes(buf), [3, 0, 0])
  t.deepEqual(bytes(reader.buffer()), [])

  t.is(await guard(reader.read(buf), 'read 3 with 1 left'), 1)
  t.deepEqual(bytes(buf), [4, 0, 0])
  t.deepEqual(bytes(reader.buffer()), [])

  t.is(await guard(reader.read(buf), 'read at EOF'), 0)
})

test('maybe_pending: the same reads as test_buffered_reader, each one waiting (Pending) until the peer sends its bytes', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const reader = track(t, new BufReader(inner, 2))

  /** Starts a read of `len`; when `send` is given, the read must be pending until it is sent. */
  async function step(len: number, send: number[] | 'eof' | null): Promise<[number, number[]]> {
    const buf = Buffer.alloc(len)
    const p = reader.read(buf)
    if (send !== null) {
      await assertPending(t, p, `read(${len}) before the peer sent ${JSON.stringify(send)}`)
      if (send === 'eof') await peer.shutdown()
      else await peer.writeAll(Buffer.from(send))
    }
    const n = await guard(p, `read(${len})`)
    return [n, bytes(buf)]
  }

  t.deepEqual(await step(3, [5, 6, 7]), [3, [5, 6, 7]])
  t.deepEqual(bytes(reader.buffer()), [])
  t.deepEqual(await step(2, [0, 1]), [2, [0, 1]])
  t.deepEqual(bytes(reader.buffer()), [])
  // one send of two bytes: the buffer (capacity 2) takes both, the read returns the first
  t.deepEqual(await step(1, [2, 3]), [1, [2]])
  t.deepEqual(bytes(reader.buffer()), [3])
  t.deepEqual(await step(3, null), [1, [3, 0, 0]])
  t.deepEqual(bytes(reader.buffer()), [])
  t.deepEqual(await step(3, [4]), [1, [4, 0, 0]])
  t.deepEqual(bytes(reader.buffer()), [])
  t.deepEqual(await step(3, 'eof'), [0, [0, 0, 0]])
})

test('maybe_pending_buf_read: readUntil through a 2-byte buffer finds each delimiter; the rest, then nothing, at EOF', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const reader = track(t, new BufReader(inner, 2))
  await peer.writeAll(Buffer.from([0, 1, 2, 3, 1, 0]))
  await peer.shutdown()
  t.deepEqual(bytes(await guard(reader.readUntil(3), 'readUntil(3)')), [0, 1, 2, 3])
  t.deepEqual(bytes(await guard(reader.readUntil(1), 'readUntil(1)')), [1])
  t.deepEqual(bytes(await guard(reader.readUntil(8), 'readUntil(8)')), [0])
  t.deepEqual(bytes(await guard(reader.readUntil(9), 'readUntil(9)')), [])
})

// tokio's ShortReader returns 0-byte reads between data; on a socket a 0-byte read is end of
// stream for good, so only the short reads and the repeated 0 at the end are ported.
test('test_short_reads: each read returns what arrived, however short; EOF is 0, every time', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const reader = track(t, new BufReader(inner))
  const buf = Buffer.alloc(2)
  for (const chunk of [[1], [2, 3], [4]]) {
    const p = reader.read(buf)
    await assertPending(t, p, `read before ${JSON.stringify(chunk)} was sent`)
    await peer.writeAll(Buffer.from(chunk))
    t.is(await guard(p, 'short read'), chunk.length)
    t.deepEqual(bytes(buf.subarray(0, chunk.length)), chunk)
  }
  await peer.shutdown()
  t.is(await guard(reader.read(buf), 'read at EOF'), 0)
  t.is(await guard(reader.read(buf), 'read after EOF'), 0)
  t.is(await guard(reader.read(buf), 'read after EOF, again'), 0)
})

test('test_fill_buf_wrapper: fillBuf returns the buffered bytes until consumed; waits when empty; empty Buffer at EOF', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const read = track(t, new BufReader(inner))
  await peer.writeAll(Buffer.from('hello world'))
  await arrived(addrs, 11)

  t.is((await guard(read.fillBuf(), 'fillBuf')).toString(), 'hello world')
  read.consume('hello '.length)
  t.is((await guard(read.fillBuf(), 'fillBuf after consume(6)')).toString(), 'world')
  t.is((await guard(read.fillBuf(), 'fillBuf again')).toString(), 'world')
  read.consume('world'.length)

  const fill = read.fillBuf()
  await assertPending(t, fill, 'fillBuf with nothing buffered')
  await peer.writeAll(Buffer.from('foo bar'))
  t.is((await guard(fill, 'pending fillBuf')).toString(), 'foo bar')

  await peer.shutdown()
  t.is((await guard(read.fillBuf(), 'fillBuf after the peer shut down')).toString(), 'foo bar')
  read.consume('foo bar'.length)
  const end = await guard(read.fillBuf(), 'fillBuf at EOF')
  t.true(Buffer.isBuffer(end))
  t.is(end.length, 0)
})

// =============================================================================================
// Ports of tokio/tests/io_buf_writer.rs

/**
 * tokio's `buf_writer` sequence on a BufWriter of capacity 2: after each step, what is buffered
 * and what the peer has received (read from it, then nothing more queued).
 */
async function bufWriterSequence(t: ExecutionContext, writer: BufWriter, peer: TcpStream, peerAddrs: Parameters<typeof queued>[0]): Promise<void> {
  const received: number[] = []
  async function peerHas(expected: number[], label: string): Promise<void> {
    const more = expected.length - received.length
    if (more > 0) received.push(...bytes(await readN(peer, more, label)))
    t.deepEqual(received, expected, label)
    t.is(queued(peerAddrs), 0, `${label}: nothing more reached the peer`)
  }
  async function write(b: number[]): Promise<void> {
    t.is(await guard(writer.write(Buffer.from(b)), `write ${JSON.stringify(b)}`), b.length)
  }

  await write([0, 1])
  t.deepEqual(bytes(writer.buffer()), [])
  await peerHas([0, 1], 'after write [0, 1]')

  await write([2])
  t.deepEqual(bytes(writer.buffer()), [2])
  await peerHas([0, 1], 'after write [2]')

  await write([3])
  t.deepEqual(bytes(writer.buffer()), [2, 3])
  await peerHas([0, 1], 'after write [3]')

  await guard(writer.flush(), 'flush')
  t.deepEqual(bytes(writer.buffer()), [])
  await peerHas([0, 1, 2, 3], 'after flush')

  await write([4])
  await write([5])
  t.deepEqual(bytes(writer.buffer()), [4, 5])
  await peerHas([0, 1, 2, 3], 'after write [4], [5]')

  await write([6])
  t.deepEqual(bytes(writer.buffer()), [6])
  await peerHas([0, 1, 2, 3, 4, 5], 'after write [6]')

  await write([7, 8])
  t.deepEqual(bytes(writer.buffer()), [])
  await peerHas([0, 1, 2, 3, 4, 5, 6, 7, 8], 'after write [7, 8]')

  await write([9, 10, 11])
  t.deepEqual(bytes(writer.buffer()), [])
  await peerHas([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'after write [9, 10, 11]')

  await guard(writer.flush(), 'last flush')
  t.deepEqual(bytes(writer.buffer()), [])
  await peerHas([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'after the last flush')
}

test('buf_writer: capacity 2, what is buffered and what reached the peer after each write and flush', async (t) => {
  const { inner, peer, peerAddrs } = await writeSetup(t, 'TcpStream')
  const writer = track(t, new BufWriter(inner, 2))
  await bufWriterSequence(t, writer, peer, peerAddrs)
})

test('buf_writer_inner_flushes: flush, then intoInner: the peer has the bytes, none before the flush', async (t) => {
  const { inner, peer, peerAddrs } = await writeSetup(t, 'TcpStream')
  const w = track(t, new BufWriter(inner, 3))
  t.is(await guard(w.write(Buffer.from([0, 1])), 'write'), 2)
  t.is(queued(peerAddrs), 0, 'nothing reached the peer before the flush')
  await guard(w.flush(), 'flush')
  const back = track(t, w.intoInner())
  t.true(back instanceof TcpStream)
  t.deepEqual(bytes(await readN(peer, 2)), [0, 1])
})

// tokio's MaybePending writer answers Pending once before each write; a socket answers Pending
// when its send buffer is full. The sequence starts with the send buffer full, so the first write
// that goes out waits until the peer drains it.
test('maybe_pending_buf_writer: the first steps of buf_writer, the first write out waiting on a full socket', async (t) => {
  const { inner, peer, peerAddrs } = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(inner)
  const writer = track(t, new BufWriter(inner, 2))
  // [0, 1] is as large as the buffer: it goes straight to the (full) socket
  const first = writer.write(Buffer.from([0, 1]))
  await assertPending(t, first, 'write [0, 1] to a full socket')
  t.is((await readN(peer, filler, 'peer drains the filler')).length, filler)
  t.is(await guard(first, 'first write'), 2)
  t.is((await readN(peer, 2, 'first write')).length, 2)
  // the rest of the sequence, from a fresh start (the peer already has [0, 1])
  await guard(writer.write(Buffer.from([2])), 'write [2]')
  t.deepEqual(bytes(writer.buffer()), [2])
  await guard(writer.write(Buffer.from([3])), 'write [3]')
  t.deepEqual(bytes(writer.buffer()), [2, 3])
  t.is(queued(peerAddrs), 0, 'nothing of [2, 3] before the flush')
  await guard(writer.flush(), 'flush')
  t.deepEqual(bytes(await readN(peer, 2)), [2, 3])
})

test('maybe_pending_buf_writer_inner_flushes: a write into the buffer needs no room in the socket; the flush waits for it', async (t) => {
  const { inner, peer } = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(inner)
  const w = track(t, new BufWriter(inner, 3))
  t.is(await guard(w.write(Buffer.from([0, 1])), 'write into the buffer of a writer over a full socket'), 2)
  const flush = w.flush()
  await assertPending(t, flush, 'flush to a full socket')
  t.is((await readN(peer, filler, 'peer drains the filler')).length, filler)
  await guard(flush, 'flush')
  track(t, w.intoInner())
  t.deepEqual(bytes(await readN(peer, 2)), [0, 1])
})

// =============================================================================================
// Ports of tokio/tests/io_lines.rs, io_read_line.rs, io_read_until.rs

test('lines_inherent: nextLine strips \\n and \\r\\n, keeps empty lines, null at EOF', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  await peer.writeAll(Buffer.from('hello\r\nworld\n\n'))
  await peer.shutdown()
  const st = track(t, new BufReader(inner).lines())
  t.is(await guard(st.nextLine(), 'line 1'), 'hello')
  t.is(await guard(st.nextLine(), 'line 2'), 'world')
  t.is(await guard(st.nextLine(), 'line 3'), '')
  t.is(await guard(st.nextLine(), 'EOF'), null)
})

test('lines_stream: for await gives the same lines and ends at EOF', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  await peer.writeAll(Buffer.from('hello\r\nworld\n\n'))
  await peer.shutdown()
  const st = track(t, new BufReader(inner).lines())
  const got: string[] = []
  await guard(
    (async () => {
      for await (const line of st) got.push(line)
    })(),
    'for await',
  )
  t.deepEqual(got, ['hello', 'world', ''])
})

test('read_line: each line with its \\n, an empty line, then \'\' at EOF', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  await peer.writeAll(Buffer.from('hello\nworld\n\n'))
  await peer.shutdown()
  const rd = track(t, new BufReader(inner))
  t.is(await guard(rd.readLine(), 'line 1'), 'hello\n')
  t.is(await guard(rd.readLine(), 'line 2'), 'world\n')
  t.is(await guard(rd.readLine(), 'line 3'), '\n')
  t.is(await guard(rd.readLine(), 'EOF'), '')
})

/**
 * tokio's `*_not_all_ready` mocks: three chunks, each sent only once the reader has taken the
 * previous one from the socket, then EOF. Runs `call` four times and returns the results.
 */
async function notAllReady<T>(t: ExecutionContext, chunks: Buffer[], call: (r: BufReader) => Promise<T>): Promise<T[]> {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const read = track(t, new BufReader(inner))
  const out: T[] = []
  const first = quiet(call(read))
  await peer.writeAll(chunks[0])
  await drained(addrs, 'the reader takes the first chunk')
  await assertPending(t, first, 'first call with only part of its data')
  await peer.writeAll(chunks[1])
  out.push(await guard(first, 'first call'))
  const second = quiet(call(read))
  await assertPending(t, second, 'second call with only part of its data')
  await peer.writeAll(chunks[2])
  out.push(await guard(second, 'second call'))
  out.push(await guard(call(read), 'third call'))
  const fourth = quiet(call(read))
  await assertPending(t, fourth, 'fourth call before EOF')
  await peer.shutdown()
  out.push(await guard(fourth, 'fourth call'))
  return out
}

test('read_line_not_all_ready: lines that arrive in pieces come out whole', async (t) => {
  const lines = await notAllReady(t, [Buffer.from('Hello Wor'), Buffer.from('ld\nFizzBuz'), Buffer.from('z\n1\n2')], (r) => r.readLine())
  t.deepEqual(lines, ['Hello World\n', 'FizzBuzz\n', '1\n', '2'])
})

test('read_line_invalid_utf8: rejects kind InvalidData (ERR_INVALID_DATA); the bad line is gone, the next one reads', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  await peer.writeAll(Buffer.concat([Buffer.from('Hello Wor'), Buffer.from([0xff]), Buffer.from('ld.\nnext\n')]))
  const read = track(t, new BufReader(inner))
  const e = await rejection(t, read.readLine(), 'readLine of invalid UTF-8')
  assertKind(t, e, 'InvalidData', 'readLine of invalid UTF-8')
  t.is(shape(e).code, 'ERR_INVALID_DATA', describeError(e))
  t.regex(String(shape(e).message), /utf-8/i)
  t.is(await guard(read.readLine(), 'the next line'), 'next\n')
})

test('read_line_fail: an I/O error in the middle of a line rejects with it (ConnectionReset)', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const read = track(t, new BufReader(inner))
  await peer.writeAll(Buffer.from('Hello Wor'))
  await arrived(addrs, 9)
  reset(peer)
  const e = await rejection(t, read.readLine(), 'readLine across a reset')
  assertKind(t, e, 'ConnectionReset', 'readLine across a reset')
  t.is(shape(e).code, 'ECONNRESET', describeError(e))
})

test('read_line_fail_and_utf8_fail: an I/O error after invalid UTF-8 rejects with the I/O error', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const read = track(t, new BufReader(inner))
  await peer.writeAll(Buffer.from('Hello Wor'))
  await peer.writeAll(Buffer.from([0xff, 0xff, 0xff]))
  await arrived(addrs, 12)
  reset(peer)
  const e = await rejection(t, read.readLine(), 'readLine across invalid UTF-8 and a reset')
  assertKind(t, e, 'ConnectionReset', 'readLine across invalid UTF-8 and a reset')
})

test('read_until: up to and including the delimiter, the rest at EOF, then an empty Buffer', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  await peer.writeAll(Buffer.from('hello world'))
  await peer.shutdown()
  const rd = track(t, new BufReader(inner))
  t.is((await guard(rd.readUntil(0x20), 'first')).toString(), 'hello ')
  t.is((await guard(rd.readUntil(0x20), 'second')).toString(), 'world')
  const end = await guard(rd.readUntil(0x20), 'EOF')
  t.true(Buffer.isBuffer(end))
  t.is(end.length, 0)
})

test('read_until_not_all_ready: pieces come out whole, non-UTF-8 bytes included', async (t) => {
  const parts = await notAllReady(
    t,
    [Buffer.from('Hello Wor'), Buffer.concat([Buffer.from('ld#Fizz'), Buffer.from([0xff]), Buffer.from('Buz')]), Buffer.from('z#1#2')],
    (r) => r.readUntil(0x23),
  )
  t.deepEqual(parts.map((b) => b.toString('latin1')), ['Hello World#', 'Fizz\xffBuzz#', '1#', '2'])
})

test('read_until_fail: an I/O error before the delimiter rejects with it (ConnectionReset)', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const read = track(t, new BufReader(inner))
  await peer.writeAll(Buffer.concat([Buffer.from('Hello '), Buffer.from([0xff]), Buffer.from('Wor')]))
  await arrived(addrs, 10)
  reset(peer)
  const e = await rejection(t, read.readUntil(0x23), 'readUntil across a reset')
  assertKind(t, e, 'ConnectionReset', 'readUntil across a reset')
})

// =============================================================================================
// BufReader over each kind of reader

for (const kind of READER_KINDS) {
  test(`BufReader(${kind}): read serves a small buf from the buffer, a buf as large as the buffer straight from the socket`, async (t) => {
    const { inner, peer, addrs } = await readSetup(t, kind)
    await peer.writeAll(Buffer.from('abcdefghijklmnopqrst'))
    await arrived(addrs, 20)
    const r = track(t, new BufReader(inner, 8))
    const small = Buffer.alloc(3)
    t.is(await guard(r.read(small), 'read 3'), 3)
    t.is(small.toString(), 'abc')
    // the read filled the whole buffer (8 bytes) from the socket and served 3 of them
    t.is(r.buffer().toString(), 'defgh')
    const big = Buffer.alloc(16)
    // with bytes buffered, even a large read is served from the buffer alone
    t.is(await guard(r.read(big), 'read 16 with 5 buffered'), 5)
    t.is(big.subarray(0, 5).toString(), 'defgh')
    t.is(r.buffer().length, 0)
    // buffer empty, buf >= capacity: straight from the socket, more than the buffer could hold
    t.is(await guard(r.read(big), 'read 16 with the buffer empty'), 12)
    t.is(big.subarray(0, 12).toString(), 'ijklmnopqrst')
    t.is(r.buffer().length, 0)
    t.is(queued(addrs), 0)
    // an empty buf reads nothing and resolves 0 at once
    t.is(await guard(r.read(Buffer.alloc(0)), 'read into an empty buf'), 0)
  })

  test(`BufReader(${kind}): readExact fills the buf across several peer writes and resolves with its length; UnexpectedEof if the stream ends first`, async (t) => {
    const { inner, peer } = await readSetup(t, kind)
    const r = track(t, new BufReader(inner, 4))
    const buf = Buffer.alloc(10)
    const p = r.readExact(buf)
    await peer.writeAll(Buffer.from('abcd'))
    await assertPending(t, p, 'readExact(10) with 4 bytes sent')
    await peer.writeAll(Buffer.from('efghijkl'))
    t.is(await guard(p, 'readExact(10)'), 10)
    t.is(buf.toString(), 'abcdefghij')
    const two = Buffer.alloc(2)
    t.is(await guard(r.readExact(two), 'readExact(2)'), 2)
    t.is(two.toString(), 'kl', 'readExact took no more than it asked for')

    await peer.writeAll(Buffer.from('xyz'))
    await peer.shutdown()
    const e = await rejection(t, r.readExact(Buffer.alloc(5)), 'readExact(5) with 3 bytes before EOF')
    assertKind(t, e, 'UnexpectedEof', 'readExact at early EOF')
    t.is(shape(e).code, 'ERR_UNEXPECTED_EOF', describeError(e))
  })

  test(`BufReader(${kind}): readLine keeps \\n and \\r\\n, returns a last line without one, '' at EOF; invalid UTF-8 rejects InvalidData; a character split across writes decodes`, async (t) => {
    const { inner, peer, addrs } = await readSetup(t, kind)
    const r = track(t, new BufReader(inner))
    await peer.writeAll(Buffer.from('one\ntwo\r\n\n'))
    await peer.writeAll(Buffer.concat([Buffer.from('bad '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]))
    t.is(await guard(r.readLine(), 'line 1'), 'one\n')
    t.is(await guard(r.readLine(), 'line 2'), 'two\r\n')
    t.is(await guard(r.readLine(), 'empty line'), '\n')
    const e = await rejection(t, r.readLine(), 'invalid UTF-8')
    assertKind(t, e, 'InvalidData', 'readLine of invalid UTF-8')

    // 'héllo ✓' with the peer's write cut inside the two-byte 'é' and the three-byte '✓'
    const text = Buffer.from('héllo ✓\n')
    const p = r.readLine()
    await peer.writeAll(text.subarray(0, 2))
    await drained(addrs, 'the reader takes the first part')
    await peer.writeAll(text.subarray(2, 9))
    await drained(addrs, 'the reader takes the second part')
    await assertPending(t, p, 'readLine before the end of the line')
    await peer.writeAll(text.subarray(9))
    t.is(await guard(p, 'split line'), 'héllo ✓\n')

    await peer.writeAll(Buffer.from('last'))
    await peer.shutdown()
    t.is(await guard(r.readLine(), 'last line'), 'last')
    t.is(await guard(r.readLine(), 'EOF'), '')
    t.is(await guard(r.readLine(), 'EOF again'), '')
  })

  test(`BufReader(${kind}): readUntil keeps the delimiter, empty Buffer at EOF; a byte out of range rejects RangeError, a non-number TypeError, and reads nothing`, async (t) => {
    const { inner, peer } = await readSetup(t, kind)
    const r = track(t, new BufReader(inner))
    await peer.writeAll(Buffer.from('a,bb,,ccc'))
    await peer.shutdown()
    for (const bad of [256, -1, 1.5]) {
      const e = await asyncErr(t, () => r.readUntil(bad), `readUntil(${bad})`)
      t.true(e instanceof RangeError, `readUntil(${bad}): ${describeError(e)}`)
      t.is(shape(e).code, 'ERR_OUT_OF_RANGE', `readUntil(${bad}): ${describeError(e)}`)
    }
    const e = await asyncErr(t, () => r.readUntil('x' as unknown as number), "readUntil('x')")
    assertTypeError(t, e, "readUntil('x')")
    t.is((await guard(r.readUntil(0x2c), 'first')).toString(), 'a,')
    t.is((await guard(r.readUntil(0x2c), 'second')).toString(), 'bb,')
    t.is((await guard(r.readUntil(0x2c), 'empty field')).toString(), ',')
    t.is((await guard(r.readUntil(0x2c), 'last, up to EOF')).toString(), 'ccc')
    const end = await guard(r.readUntil(0x2c), 'EOF')
    t.true(Buffer.isBuffer(end))
    t.is(end.length, 0)
  })

  test(`BufReader(${kind}): fillBuf + consume; consume beyond what is buffered clamps; buffer() and fillBuf() give copies`, async (t) => {
    const { inner, peer, addrs } = await readSetup(t, kind)
    await peer.writeAll(Buffer.from('hello world'))
    await arrived(addrs, 11)
    const r = track(t, new BufReader(inner))
    const filled = await guard(r.fillBuf(), 'fillBuf')
    t.is(filled.toString(), 'hello world')
    filled.fill(0x21)
    const copy = r.buffer()
    t.is(copy.toString(), 'hello world', 'writing into what fillBuf returned changes nothing buffered')
    copy.fill(0x21)
    t.is(r.buffer().toString(), 'hello world', 'writing into what buffer() returned changes nothing buffered')
    r.consume(0)
    t.is(r.buffer().toString(), 'hello world')
    r.consume(6)
    t.is(r.buffer().toString(), 'world')
    t.is((await guard(r.fillBuf(), 'fillBuf with bytes buffered')).toString(), 'world')
    r.consume(1000)
    t.is(r.buffer().length, 0, 'consume(1000) with 5 buffered consumed the 5')
    // nothing beyond the buffer was skipped: the next bytes from the peer are read in full
    await peer.writeAll(Buffer.from('next'))
    t.is((await readN(r, 4, 'after the clamped consume')).toString(), 'next')
  })

  test(`BufReader(${kind}): the ${kind} handed in is closed from then on, its pending read rejects ERR_HANDLE_CLOSED and took nothing`, async (t) => {
    const { inner, peer } = await readSetup(t, kind)
    const pending = quiet(inner.read(Buffer.alloc(16)))
    const r = track(t, new BufReader(inner))
    assertClosed(t, await rejection(t, pending, `pending ${kind}.read`), `pending ${kind}.read`)
    assertClosed(t, await asyncErr(t, () => inner.read(Buffer.alloc(4)), `${kind}.read afterwards`), `${kind}.read afterwards`)
    assertClosed(t, syncErr(t, () => inner.tryRead(Buffer.alloc(4)), `${kind}.tryRead afterwards`), `${kind}.tryRead afterwards`)
    assertClosed(t, syncErr(t, () => new BufReader(inner), `a second BufReader over the ${kind}`), `a second BufReader over the ${kind}`)
    await peer.writeAll(Buffer.from('mine\n'))
    t.is(await guard(r.readLine(), 'the BufReader reads'), 'mine\n')
  })

  test(`BufReader(${kind}): intoInner() gives back a working ${kind}; the BufReader is closed; bytes still buffered are gone, as in tokio`, async (t) => {
    const { inner, peer, addrs } = await readSetup(t, kind)
    const r = track(t, new BufReader(inner))
    await peer.writeAll(Buffer.from('abc'))
    t.is((await readN(r, 3)).toString(), 'abc')
    t.is(r.buffer().length, 0)
    await peer.writeAll(Buffer.from('def'))
    const back = track(t, r.intoInner())
    t.true(back instanceof (CLASS_OF[kind] as new () => object), `intoInner() gave a ${back.constructor.name}`)
    t.is((await readN(back, 3, 'read through what intoInner gave back')).toString(), 'def')
    assertClosed(t, await asyncErr(t, () => r.read(Buffer.alloc(1)), 'read on the consumed BufReader'), 'read on the consumed BufReader')
    assertClosed(t, syncErr(t, () => r.buffer(), 'buffer() on the consumed BufReader'), 'buffer() on the consumed BufReader')
    assertClosed(t, syncErr(t, () => r.intoInner(), 'intoInner() twice'), 'intoInner() twice')

    // again, with bytes buffered: they are dropped with the buffer
    const r2 = track(t, new BufReader(back))
    await peer.writeAll(Buffer.from('ghijkl'))
    await arrived(addrs, 6)
    const three = Buffer.alloc(3)
    t.is(await guard(r2.readExact(three), 'readExact 3'), 3)
    t.is(three.toString(), 'ghi')
    // the read took all 6 bytes from the socket into the buffer
    t.is(r2.buffer().toString(), 'jkl')
    const back2 = track(t, r2.intoInner())
    await peer.writeAll(Buffer.from('mno'))
    t.is((await readN(back2, 3)).toString(), 'mno', 'the 3 buffered bytes went with the buffer')
  })

  test(`BufReader(${kind}): close() rejects pending calls with ERR_HANDLE_CLOSED; later calls too; closing twice is a no-op`, async (t) => {
    const { inner, peer } = await readSetup(t, kind)
    const r = new BufReader(inner)
    const line = quiet(r.readLine())
    const read = quiet(r.read(Buffer.alloc(4)))
    const fill = quiet(r.fillBuf())
    r.close()
    for (const [label, p] of [
      ['readLine', line],
      ['read', read],
      ['fillBuf', fill],
    ] as const) {
      assertClosed(t, await rejection(t, p, `pending ${label}`), `pending ${label}`)
    }
    assertClosed(t, await asyncErr(t, () => r.readUntil(10), 'readUntil after close'), 'readUntil after close')
    assertClosed(t, syncErr(t, () => r.buffer(), 'buffer() after close'), 'buffer() after close')
    assertClosed(t, syncErr(t, () => r.capacity(), 'capacity() after close'), 'capacity() after close')
    t.notThrows(() => r.close())
    t.notThrows(() => r[Symbol.dispose]())
    if (kind === 'TcpStream') {
      // the socket itself was closed: the peer reads EOF
      t.is(await guard(peer.read(Buffer.alloc(4)), 'peer read'), 0)
    }
  })
}

// =============================================================================================
// BufReader: construction, call order, cancellation, busy, collection

test('BufReader: capacity() is 8192 by default, as given otherwise; 0 is a RangeError, a non-number a TypeError, and the stream is not taken', async (t) => {
  const [a, b] = await pair(t)
  const r = track(t, new BufReader(a))
  t.is(r.capacity(), 8192)
  const [c, d] = await pair(t)
  const r2 = track(t, new BufReader(c, 100))
  t.is(r2.capacity(), 100)
  const e0 = syncErr(t, () => new BufReader(d, 0), 'capacity 0')
  t.true(e0 instanceof RangeError, describeError(e0))
  t.is(shape(e0).code, 'ERR_OUT_OF_RANGE', describeError(e0))
  for (const bad of [-1, 1.5]) {
    const e = syncErr(t, () => new BufReader(d, bad), `capacity ${bad}`)
    t.true(e instanceof RangeError, describeError(e))
  }
  assertTypeError(t, syncErr(t, () => new BufReader(d, '8' as unknown as number), "capacity '8'"), "capacity '8'")
  // d was refused each time, not taken: it still works
  await b.writeAll(Buffer.from('ok'))
  await guard(d.writeAll(Buffer.from('ok')), 'd after the refusals')
  t.is((await readN(r, 2)).toString(), 'ok')
})

test('BufReader: a reader that is not a TcpStream, ReadHalf or OwnedReadHalf is a TypeError (ERR_INVALID_ARG_TYPE) and is not taken', async (t) => {
  const [client, peer] = await pair(t)
  const [rh, wh] = client.intoSplit()
  track(t, rh)
  track(t, wh)
  const [c4] = await pair(t)
  const [rh4, sh] = c4.split()
  track(t, rh4)
  track(t, sh)
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const [c2] = await pair(t)
  const reader = track(t, new BufReader(c2))
  const [c3] = await pair(t)
  const writer = track(t, new BufWriter(c3))
  for (const [label, value] of [
    ['an OwnedWriteHalf', wh],
    ['a WriteHalf', sh],
    ['a TcpListener', listener],
    ['a BufReader', reader],
    ['a BufWriter', writer],
    ['a plain object', {}],
    ['a function', () => {}],
  ] as const) {
    assertTypeError(t, syncErr(t, () => new BufReader(value as unknown as TcpStream), `new BufReader(${label})`), `new BufReader(${label})`)
  }
  // the refused objects still work
  await peer.writeAll(Buffer.from('x'))
  t.is((await readN(rh, 1)).toString(), 'x')
  await guard(wh.writeAll(Buffer.from('y')), 'the refused OwnedWriteHalf writes')
  t.is((await readN(peer, 1)).toString(), 'y')
  t.true(listener.localAddr().port() > 0)
})

test('BufReader and BufWriter: a primitive (null, undefined, a number, a string, nothing) is a TypeError ERR_INVALID_ARG_TYPE', (t) => {
  for (const [label, value] of [
    ['null', null],
    ['undefined', undefined],
    ['a number', 3],
    ['a string', 'x'],
  ] as const) {
    assertTypeError(t, syncErr(t, () => new BufReader(value as unknown as TcpStream), `new BufReader(${label})`), `new BufReader(${label})`)
    assertTypeError(t, syncErr(t, () => new BufWriter(value as unknown as TcpStream), `new BufWriter(${label})`), `new BufWriter(${label})`)
  }
  const NoArgs = BufReader as unknown as new () => BufReader
  assertTypeError(t, syncErr(t, () => new NoArgs(), 'new BufReader()'), 'new BufReader()')
})

test('BufReader, BufWriter, Lines: a wrong argument type to an async method rejects (never throws) with TypeError ERR_INVALID_ARG_TYPE; consume() throws', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner))
  const w = track(t, new BufWriter((await writeSetup(t, 'OwnedWriteHalf')).inner))
  const [c] = await pair(t)
  const lines = track(t, new BufReader(c).lines())
  const notAnOption = { signal: 1 } as unknown as { signal: AbortSignal }
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['read(null)', () => r.read(null as unknown as Uint8Array)],
    ["read('x')", () => r.read('x' as unknown as Uint8Array)],
    ['readExact(3)', () => r.readExact(3 as unknown as Uint8Array)],
    ['readLine({ signal: 1 })', () => r.readLine(notAnOption)],
    ['fillBuf({ signal: 1 })', () => r.fillBuf(notAnOption)],
    ['write(null)', () => w.write(null as unknown as Uint8Array)],
    ['writeAll(123)', () => w.writeAll(123 as unknown as Uint8Array)],
    ['flush({ signal: 1 })', () => w.flush(notAnOption)],
    ['shutdown({ signal: 1 })', () => w.shutdown(notAnOption)],
    ['nextLine({ signal: 1 })', () => lines.nextLine(notAnOption)],
  ]
  for (const [label, call] of cases) assertTypeError(t, await asyncErr(t, call, label), label)
  assertTypeError(t, syncErr(t, () => r.consume('x' as unknown as number), "consume('x')"), "consume('x')")
  const e = syncErr(t, () => r.consume(-1), 'consume(-1)')
  t.true(e instanceof RangeError, describeError(e))
  // none of them read or wrote anything
  await peer.writeAll(Buffer.from('intact'))
  t.is((await readN(r, 6)).toString(), 'intact')
  t.is(w.buffer().length, 0)
})

test('BufReader: concurrent calls are served in call order, each with its own bytes', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner, 4))
  const a = Buffer.alloc(4)
  const d = Buffer.alloc(3)
  // all awaited at the end; quieted so a failure before then is not an unhandled rejection
  const calls = [
    r.readExact(a).then(() => a.toString()),
    r.readUntil(0x2c).then((b) => b.toString()),
    r.readLine(),
    r.readExact(d).then(() => d.toString()),
    r.readLine(),
  ].map((c) => quiet(c))
  await assertPending(t, Promise.all(calls), 'calls before any data')
  // sent in small pieces so that the calls interleave with the arrivals
  for (const piece of ['ab', 'cdef', ',gh', '\nijk', 'lmn', 'o\n']) {
    await peer.writeAll(Buffer.from(piece))
    await turns(2)
  }
  t.deepEqual(await guard(Promise.all(calls), 'all calls'), ['abcd', 'ef,', 'gh\n', 'ijk', 'lmno\n'])
})

test('BufReader: an aborted read rejects AbortError and loses nothing; an aborted call waiting its turn keeps the others in order', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner))
  const ac = new AbortController()
  const p = quiet(r.read(Buffer.alloc(8), { signal: ac.signal }))
  await assertPending(t, p, 'read before any data')
  ac.abort()
  assertAbort(t, await rejection(t, p, 'aborted read'), 'aborted read')
  await peer.writeAll(Buffer.from('after'))
  t.is((await readN(r, 5, 'read after the abort')).toString(), 'after')

  // three calls in line, the middle one aborted
  const first = Buffer.alloc(4)
  const third = Buffer.alloc(4)
  const p1 = quiet(r.readExact(first))
  const ac2 = new AbortController()
  const p2 = quiet(r.readLine({ signal: ac2.signal }))
  const p3 = quiet(r.readExact(third))
  ac2.abort()
  assertAbort(t, await rejection(t, p2, 'aborted queued readLine'), 'aborted queued readLine')
  await peer.writeAll(Buffer.from('abcdefgh'))
  await guard(Promise.all([p1, p3]), 'the calls around the aborted one')
  t.is(first.toString(), 'abcd')
  t.is(third.toString(), 'efgh')

  // an already aborted signal: rejects at once, reads nothing
  await peer.writeAll(Buffer.from('kept'))
  assertAbort(t, await rejection(t, r.read(Buffer.alloc(4), { signal: AbortSignal.abort() }), 'pre-aborted read'), 'pre-aborted read')
  assertAbort(t, await rejection(t, r.fillBuf({ signal: AbortSignal.abort() }), 'pre-aborted fillBuf'), 'pre-aborted fillBuf')
  t.is((await readN(r, 4, 'read after the pre-aborted calls')).toString(), 'kept')
})

test('BufReader: fillBuf is cancel safe: aborted mid-wait, the next fillBuf gets every byte', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner))
  const ac = new AbortController()
  const p = quiet(r.fillBuf({ signal: ac.signal }))
  await assertPending(t, p, 'fillBuf before any data')
  ac.abort()
  assertAbort(t, await rejection(t, p, 'aborted fillBuf'), 'aborted fillBuf')
  await peer.writeAll(Buffer.from('xyz'))
  t.is((await guard(r.fillBuf(), 'fillBuf after the abort')).toString(), 'xyz')
})

test('BufReader: buffer(), consume() and lines() throw ResourceBusy while a call runs, and work once it settled', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner))
  const p = quiet(r.readLine())
  assertBusy(t, () => r.buffer(), 'buffer() during readLine')
  assertBusy(t, () => r.consume(1), 'consume() during readLine')
  assertBusy(t, () => r.lines(), 'lines() during readLine')
  t.is(r.capacity(), 8192, 'capacity() needs no access to the buffer')
  await peer.writeAll(Buffer.from('line\nrest'))
  t.is(await guard(p, 'readLine'), 'line\n')
  t.is(r.buffer().toString(), 'rest')
  r.consume(1)
  t.is(r.buffer().toString(), 'est')
})

test('BufReader: intoInner() throws ResourceBusy while a call runs, and the call goes on undisturbed', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner))
  const p = quiet(r.readLine())
  let back: TcpStream | ReadHalf | OwnedReadHalf | undefined
  const e = syncErr(
    t,
    () => {
      back = r.intoInner()
      return back
    },
    'intoInner() during readLine',
  )
  if (back) track(t, back)
  assertKind(t, e, 'ResourceBusy', 'intoInner() during readLine')
  await peer.writeAll(Buffer.from('line\n'))
  t.is(await guard(p, 'the readLine intoInner must not disturb'), 'line\n')
})

test('BufReader: over a borrowed ReadHalf, it keeps working after the TcpStream object became garbage, and so does the half intoInner gives back', async (t) => {
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const accepted = listener.accept()
  // the stream and the write half are temporaries: only the BufReader stays reachable (the
  // WeakRef does not keep the stream alive; it lets the test close it at the end)
  const stream = new WeakRef(await TcpStream.connect(listener.localAddr()))
  t.teardown(() => stream.deref()?.close())
  const reader = track(t, new BufReader((stream.deref() as TcpStream).split()[0]))
  const [peer] = await guard(accepted, 'accept')
  track(t, peer)
  const control = new WeakRef({})
  await collectGarbage()
  t.is(control.deref(), undefined, 'garbage was collected')
  await peer.writeAll(Buffer.from('still here\n'))
  t.is(await guard(reader.readLine(), 'readLine after gc'), 'still here\n')
  const half = track(t, reader.intoInner())
  t.true(half instanceof ReadHalf)
  await collectGarbage()
  await peer.writeAll(Buffer.from('again'))
  t.is((await readN(half, 5, 'the half after gc')).toString(), 'again')
})

test('BufReader: a read whose Uint8Array is detached while it waits rejects ERR_BUFFER_DETACHED; the bytes go to the next read', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = track(t, new BufReader(inner))
  const ab = new ArrayBuffer(16)
  const p = quiet(r.read(new Uint8Array(ab)))
  await assertPending(t, p, 'read before any data')
  structuredClone(ab, { transfer: [ab] })
  await peer.writeAll(Buffer.from('data'))
  assertCode(t, await rejection(t, p, 'read into a detached buffer'), 'ERR_BUFFER_DETACHED', 'read into a detached buffer')
  t.is((await readN(r, 4, 'the next read')).toString(), 'data')
})

test('BufReader: a 1 MiB line through a 16-byte buffer comes out whole, from readLine and from Lines', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const r = new BufReader(inner, 16)
  const long = 'x'.repeat(LONG_LINE) + 'y'
  const sent = quiet(
    (async () => {
      await peer.writeAll(Buffer.from(`${long}\n${long}\r\nshort\n`))
      await peer.shutdown()
    })(),
  )
  const first = await guard(r.readLine(), 'readLine of 1 MiB')
  t.is(first.length, long.length + 1)
  t.true(first === `${long}\n`)
  const lines = track(t, r.lines())
  const rest = await collect(lines)
  await guard(sent, 'peer')
  t.is(rest.length, 2)
  t.true(rest[0] === long, `line of ${rest[0]?.length} characters`)
  t.is(rest[1], 'short')
})

for (const split of ['split', 'intoSplit'] as const) {
  test(`BufReader and BufWriter over the two halves of one stream (${split}()) work at once: 100 requests and responses, then back to the halves`, async (t) => {
    const [client, server] = await pair(t)
    const [rh, wh] = split === 'split' ? client.split() : client.intoSplit()
    track(t, rh)
    track(t, wh)
    const reader = track(t, new BufReader(rh))
    const writer = track(t, new BufWriter(wh))
    const [srh, swh] = server.split()
    track(t, srh)
    track(t, swh)
    const serverLines = track(t, new BufReader(srh).lines())
    for (let i = 0; i < 100; i++) {
      await guard(writer.writeAll(Buffer.from(`request ${i}\n`)), `request ${i}`)
      await guard(writer.flush(), `flush ${i}`)
      t.is(await guard(serverLines.nextLine(), `server reads request ${i}`), `request ${i}`)
      await swh.writeAll(Buffer.from(`response ${i}\n`))
      const got = await guard(reader.readLine(), `client reads response ${i}`)
      if (got !== `response ${i}\n`) {
        t.is(got, `response ${i}\n`)
        return
      }
    }
    const r2 = reader.intoInner()
    const w2 = writer.intoInner()
    track(t, r2)
    track(t, w2)
    if (split === 'intoSplit') {
      // the owned halves handed back reunite into the stream
      const stream = track(t, (r2 as OwnedReadHalf).reunite(w2 as OwnedWriteHalf))
      t.true(stream instanceof TcpStream)
      await guard(stream.writeAll(Buffer.from('reunited\n')), 'write through the reunited stream')
    } else {
      t.true(r2 instanceof ReadHalf && w2 instanceof WriteHalf)
      await guard(w2.writeAll(Buffer.from('reunited\n')), 'write through the WriteHalf handed back')
    }
    t.is(await guard(serverLines.nextLine(), 'server reads'), 'reunited')
  })
}

// =============================================================================================
// Lines

/** Collects a Lines' lines with for await, until it ends. */
async function collect(lines: Lines, label = 'for await'): Promise<string[]> {
  const got: string[] = []
  await guard(
    (async () => {
      for await (const line of lines) got.push(line)
    })(),
    label,
    60_000,
  )
  return got
}

for (const kind of READER_KINDS) {
  test(`Lines(${kind}): for await gives each line without \\n or \\r\\n, empty lines, and a last line without a newline`, async (t) => {
    const { inner, peer } = await readSetup(t, kind)
    const lines = track(t, new BufReader(inner).lines())
    t.true(lines instanceof Lines)
    const got = collect(lines)
    for (const piece of ['alpha\n', 'beta\r', '\n\n', '\r\n', 'gam', 'ma']) {
      await peer.writeAll(Buffer.from(piece))
      await turns(2)
    }
    await peer.shutdown()
    t.deepEqual(await got, ['alpha', 'beta', '', '', 'gamma'])
    t.is(await guard(lines.nextLine(), 'nextLine after the loop ended'), null)
  })
}

test('Lines: 100,000 lines all arrive, in order', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const N = 100_000
  const text = Array.from({ length: N }, (_, i) => `line ${i} ${'.'.repeat(i % 13)}`)
  const writer = quiet(
    (async () => {
      await peer.writeAll(Buffer.from(text.join('\n') + '\n'))
      await peer.shutdown()
    })(),
  )
  const got = await collect(track(t, new BufReader(inner).lines()))
  await guard(writer, 'peer writes')
  t.is(got.length, N)
  const firstWrong = got.findIndex((line, i) => line !== text[i])
  t.is(firstWrong, -1, firstWrong >= 0 ? `line ${firstWrong}: ${JSON.stringify(got[firstWrong])}` : '')
})

test('Lines: for await over many buffer fills gives each line exactly: LF and CRLF mixed, characters split across buffer fills, a lone \\r kept', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  // A small odd buffer, so lines and multi-byte characters straddle every fill.
  const r = new BufReader(inner, 61)
  const N = 20_000
  const text = Array.from({ length: N }, (_, i) => (i % 7 === 3 ? `crlf ${i} é€😀` : i % 11 === 5 ? `cr\r${i}` : `lf ${i} ${'ü'.repeat(i % 5)}`))
  const wire = text.map((line, i) => line + (i % 7 === 3 ? '\r\n' : '\n')).join('')
  const writer = quiet(
    (async () => {
      await peer.writeAll(Buffer.from(wire))
      await peer.shutdown()
    })(),
  )
  const got = await collect(track(t, r.lines()))
  await guard(writer, 'peer writes')
  t.is(got.length, N)
  const firstWrong = got.findIndex((line, i) => line !== text[i])
  t.is(firstWrong, -1, firstWrong >= 0 ? `line ${firstWrong}: ${JSON.stringify(got[firstWrong])}` : '')
})

test('Lines: for await yields every line before one that is not UTF-8 in the same buffer, then rejects InvalidData; the lines after it read', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const lines = track(t, new BufReader(inner, 64 * 1024).lines())
  const before = Array.from({ length: 500 }, (_, i) => `good ${i}`)
  const payload = Buffer.concat([Buffer.from(before.join('\n') + '\n'), Buffer.from([0x61, 0xc3, 0x28, 0x0a]), Buffer.from('after\n')])
  await peer.writeAll(payload)
  // All of it in the socket before the first step: one buffer fill holds the good and bad lines.
  await arrived(addrs, payload.length)
  const seen: string[] = []
  const e = await rejection(
    t,
    (async () => {
      for await (const line of lines) seen.push(line)
    })(),
    'for await into the invalid line',
  )
  assertKind(t, e, 'InvalidData', 'the invalid line')
  t.deepEqual(seen, before)
  t.is(await guard(lines.nextLine(), 'the line after'), 'after')
})

test('Lines: nextLine resolves null at EOF, and again after', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const lines = track(t, new BufReader(inner).lines())
  const p = lines.nextLine()
  await assertPending(t, p, 'nextLine before any data')
  await peer.writeAll(Buffer.from('only\n'))
  t.is(await guard(p, 'nextLine'), 'only')
  await peer.shutdown()
  t.is(await guard(lines.nextLine(), 'EOF'), null)
  t.is(await guard(lines.nextLine(), 'EOF again'), null)
})

test('Lines: nextLine is cancel safe: aborted with half a line taken from the socket, the next call returns the whole line', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const lines = track(t, new BufReader(inner).lines())
  const ac = new AbortController()
  const p = quiet(lines.nextLine({ signal: ac.signal }))
  await peer.writeAll(Buffer.from('hel'))
  // the Lines has taken 'hel' from the socket: it is in its buffer, nowhere else
  await drained(addrs, 'Lines takes the first part')
  await assertPending(t, p, 'nextLine with half a line')
  ac.abort()
  assertAbort(t, await rejection(t, p, 'aborted nextLine'), 'aborted nextLine')
  await peer.writeAll(Buffer.from('lo\nworld\n'))
  t.is(await guard(lines.nextLine(), 'nextLine after the abort'), 'hello')
  t.is(await guard(lines.nextLine(), 'the line after'), 'world')
})

test('Lines: lines() consumes the BufReader (ERR_HANDLE_CLOSED after); bytes it had buffered are the first lines', async (t) => {
  const { inner, peer, addrs } = await readSetup(t, 'TcpStream')
  const r = new BufReader(inner)
  await peer.writeAll(Buffer.from('first\nsecond\nthi'))
  await arrived(addrs, 16)
  t.is(await guard(r.readLine(), 'readLine'), 'first\n')
  t.is(r.buffer().toString(), 'second\nthi')
  const lines = track(t, r.lines())
  assertClosed(t, await asyncErr(t, () => r.read(Buffer.alloc(1)), 'read on the consumed BufReader'), 'read on the consumed BufReader')
  assertClosed(t, syncErr(t, () => r.buffer(), 'buffer() on the consumed BufReader'), 'buffer() on the consumed BufReader')
  assertClosed(t, syncErr(t, () => r.lines(), 'lines() twice'), 'lines() twice')
  assertClosed(t, syncErr(t, () => r.intoInner(), 'intoInner() on the consumed BufReader'), 'intoInner() on the consumed BufReader')
  t.notThrows(() => r.close(), 'closing the consumed BufReader is a no-op')
  await peer.writeAll(Buffer.from('rd\n'))
  await peer.shutdown()
  t.deepEqual(await collect(lines), ['second', 'third'])
})

test('Lines: breaking out of for await leaves the Lines usable: the next lines still come', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const lines = track(t, new BufReader(inner).lines())
  await peer.writeAll(Buffer.from('1\n2\n3\n4\n'))
  await peer.shutdown()
  let first: string | undefined
  for await (const line of lines) {
    first = line
    break
  }
  t.is(first, '1')
  t.is(await guard(lines.nextLine(), 'nextLine after break'), '2')
  t.deepEqual(await collect(lines), ['3', '4'])
})

test('Lines: close() rejects a pending nextLine with ERR_HANDLE_CLOSED and ends a pending for await; the socket is closed', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const lines = new BufReader(inner).lines()
  const next = quiet(lines.nextLine())
  const loop = quiet(collect(lines))
  await peer.writeAll(Buffer.from('partial'))
  await turns(5)
  lines.close()
  assertClosed(t, await rejection(t, next, 'pending nextLine'), 'pending nextLine')
  t.deepEqual(await guard(loop, 'for await'), [], 'the loop ended without a line')
  assertClosed(t, await asyncErr(t, () => lines.nextLine(), 'nextLine after close'), 'nextLine after close')
  t.notThrows(() => lines.close())
  t.is(await guard(peer.read(Buffer.alloc(4)), 'peer read'), 0)
})

test('Lines: a line that is not UTF-8 rejects InvalidData (and ends a for await with it); the next line reads', async (t) => {
  const { inner, peer } = await readSetup(t, 'TcpStream')
  const lines = track(t, new BufReader(inner).lines())
  await peer.writeAll(Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xfe, 0xff]), Buffer.from('\nfine\nlast\n')]))
  t.is(await guard(lines.nextLine(), 'line 1'), 'ok')
  const e = await rejection(t, lines.nextLine(), 'invalid line')
  assertKind(t, e, 'InvalidData', 'invalid line')
  t.is(await guard(lines.nextLine(), 'the line after'), 'fine')
  await peer.writeAll(Buffer.from([0x80, 0x0a]))
  const loop = collect(lines)
  const e2 = await rejection(t, loop, 'for await over an invalid line')
  assertKind(t, e2, 'InvalidData', 'for await over an invalid line')
})

// =============================================================================================
// BufWriter over each kind of writer

for (const kind of WRITER_KINDS) {
  test(`BufWriter(${kind}): small writes stay in the buffer, nothing reaches the peer until flush()`, async (t) => {
    const { inner, peer, peerAddrs } = await writeSetup(t, kind)
    const w = track(t, new BufWriter(inner))
    t.is(await guard(w.write(Buffer.from('hello ')), 'write'), 6)
    await guard(w.writeAll(Buffer.from('world')), 'writeAll')
    t.is(w.buffer().toString(), 'hello world')
    t.is(queued(peerAddrs), 0, 'nothing reached the peer')
    const e = syncErr(t, () => peer.tryRead(Buffer.alloc(16)), 'peer tryRead before flush')
    t.true(isWouldBlock(e), `peer tryRead before flush: ${describeError(e)}`)
    await guard(w.flush(), 'flush')
    t.is(w.buffer().length, 0)
    t.is((await readN(peer, 11)).toString(), 'hello world')
  })

  test(`BufWriter(${kind}): a write at least as large as the buffer goes straight out, after what was buffered`, async (t) => {
    const { inner, peer, peerAddrs } = await writeSetup(t, kind)
    const w = track(t, new BufWriter(inner, 16))
    t.is(w.capacity(), 16)
    await guard(w.write(Buffer.from('abc')), 'write abc')
    t.is(w.buffer().toString(), 'abc')
    const big = pattern(64, 1)
    t.is(await guard(w.write(big), 'write 64'), 64)
    t.is(w.buffer().length, 0)
    // no flush: both went out
    await arrived(peerAddrs, 67)
    const got = await readN(peer, 67)
    t.true(got.equals(Buffer.concat([Buffer.from('abc'), big])))
    // exactly the capacity goes straight out too
    t.is(await guard(w.write(pattern(16, 2)), 'write 16'), 16)
    t.is(w.buffer().length, 0)
    t.true((await readN(peer, 16)).equals(pattern(16, 2)))
  })

  test(`BufWriter(${kind}): writeAll of many sizes then shutdown(): the peer gets every byte in order, then EOF`, async (t) => {
    const { inner, peer } = await writeSetup(t, kind)
    const w = track(t, new BufWriter(inner, 1024))
    const data = pattern(300_000, 3)
    const got = quiet(readAll(peer, 'peer'))
    let off = 0
    for (let i = 0; off < data.length; i++) {
      const n = Math.min(data.length - off, [1, 7, 1023, 1024, 1025, 5000, 100][i % 7])
      await guard(w.writeAll(data.subarray(off, off + n)), `writeAll at ${off}`)
      off += n
    }
    await guard(w.shutdown(), 'shutdown')
    t.is(w.buffer().length, 0)
    const all = await guard(got, 'peer reads to EOF')
    t.is(all.length, data.length)
    t.true(all.equals(data))
    // the write direction is shut: bytes written now cannot go out
    await guard(w.writeAll(Buffer.from('late')), 'writeAll into the buffer after shutdown')
    const e = await rejection(t, w.flush(), 'flush after shutdown')
    assertKind(t, e, 'BrokenPipe', 'flush after shutdown')
  })

  test(`BufWriter(${kind}): intoInner() gives back a working ${kind}; the BufWriter is closed; what was still buffered is gone, as in tokio`, async (t) => {
    const { inner, peer } = await writeSetup(t, kind)
    const w = track(t, new BufWriter(inner))
    assertClosed(t, await asyncErr(t, () => inner.write(Buffer.from('x')), `${kind}.write after wrapping`), `${kind}.write after wrapping`)
    await guard(w.write(Buffer.from('abc')), 'write')
    await guard(w.flush(), 'flush')
    await guard(w.write(Buffer.from('never')), 'write left in the buffer')
    const back = track(t, w.intoInner())
    t.true(back instanceof (CLASS_OF[kind] as new () => object), `intoInner() gave a ${back.constructor.name}`)
    await guard(back.writeAll(Buffer.from('def')), 'writeAll through what intoInner gave back')
    t.is((await readN(peer, 6)).toString(), 'abcdef')
    assertClosed(t, await asyncErr(t, () => w.write(Buffer.from('x')), 'write on the consumed BufWriter'), 'write on the consumed BufWriter')
    assertClosed(t, syncErr(t, () => w.buffer(), 'buffer() on the consumed BufWriter'), 'buffer() on the consumed BufWriter')
  })

  test(`BufWriter(${kind}): close() drops what is buffered, as dropping a tokio BufWriter does; the peer never gets it`, async (t) => {
    const { inner, peer, closeSide } = await writeSetup(t, kind)
    const w = new BufWriter(inner)
    await guard(w.writeAll(Buffer.from('flushed')), 'writeAll')
    await guard(w.flush(), 'flush')
    await guard(w.writeAll(Buffer.from('unflushed')), 'writeAll left in the buffer')
    w.close()
    assertClosed(t, await asyncErr(t, () => w.flush(), 'flush after close'), 'flush after close')
    t.notThrows(() => w.close())
    closeSide()
    t.is((await readAll(peer, 'peer')).toString(), 'flushed')
  })
}

// =============================================================================================
// BufWriter: construction, call order, copies, busy, cancellation

test('BufWriter: capacity() is 8192 by default; 0 is a RangeError; a writer that is not a TcpStream, WriteHalf or OwnedWriteHalf is a TypeError and is not taken', async (t) => {
  const [a] = await pair(t)
  t.is(track(t, new BufWriter(a)).capacity(), 8192)
  const [c, d] = await pair(t)
  t.is(track(t, new BufWriter(c, 3)).capacity(), 3)
  const e0 = syncErr(t, () => new BufWriter(d, 0), 'capacity 0')
  t.true(e0 instanceof RangeError, describeError(e0))
  t.is(shape(e0).code, 'ERR_OUT_OF_RANGE')
  const [rh, wh] = d.intoSplit()
  track(t, rh)
  track(t, wh)
  const reader = track(t, new BufReader(rh))
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  for (const [label, value] of [
    ['a TcpListener', listener],
    ['a BufReader', reader],
    ['a plain object', {}],
  ] as const) {
    assertTypeError(t, syncErr(t, () => new BufWriter(value as unknown as TcpStream), `new BufWriter(${label})`), `new BufWriter(${label})`)
  }
  const [e, f] = await pair(t)
  const [erh] = e.intoSplit()
  track(t, erh)
  assertTypeError(t, syncErr(t, () => new BufWriter(erh as unknown as TcpStream), 'new BufWriter(OwnedReadHalf)'), 'new BufWriter(OwnedReadHalf)')
  // the refused read half still reads
  await f.writeAll(Buffer.from('ok'))
  t.is((await readN(erh, 2)).toString(), 'ok')
})

test('BufWriter: 10,000 writeAll calls of varied sizes, none awaited, then flush: the peer gets every message, in call order', async (t) => {
  const { inner, peer } = await writeSetup(t, 'TcpStream')
  // a small buffer, so that many writes do not fit and go out while later (smaller) ones would
  const w = track(t, new BufWriter(inner, 1024))
  const messages = Array.from({ length: 10_000 }, (_, i) => `${i}:${'x'.repeat((i * 37) % 101)}\n`)
  const got = quiet(readAll(peer, 'peer'))
  const writes = messages.map((m) => quiet(w.writeAll(Buffer.from(m))))
  const flushed = w.flush()
  const shut = w.shutdown()
  await guard(Promise.all(writes), 'the writes', 60_000)
  await guard(flushed, 'flush')
  await guard(shut, 'shutdown')
  const lines = (await guard(got, 'peer reads to EOF')).toString().split('\n')
  t.is(lines.pop(), '')
  t.is(lines.length, messages.length)
  const firstWrong = lines.findIndex((line, i) => `${line}\n` !== messages[i])
  t.is(firstWrong, -1, firstWrong >= 0 ? `message ${firstWrong}: ${lines[firstWrong].slice(0, 40)}` : '')
})

test('BufWriter: write resolves with the count it took, which may be less than asked; a loop on that count sends every byte exactly once', async (t) => {
  const { inner, peer } = await writeSetup(t, 'TcpStream')
  const w = track(t, new BufWriter(inner, 16))
  const data = pattern(8 * 1024 * 1024, 5)
  const got = quiet(readAll(peer, 'peer'))
  let off = 0
  let calls = 0
  let short = 0
  while (off < data.length) {
    const want = Math.min(data.length - off, 1024 * 1024)
    const n = await guard(w.write(data.subarray(off, off + want)), `write at ${off}`)
    t.true(n > 0 && n <= want, `write at ${off} took ${n} of ${want}`)
    if (n < want) short++
    off += n
    calls++
  }
  await guard(w.shutdown(), 'shutdown')
  const all = await guard(got, 'peer reads to EOF', 60_000)
  t.is(all.length, data.length)
  t.true(all.equals(data))
  t.log(`${calls} writes, ${short} took less than asked`)
})

test('BufWriter: the bytes are copied when write/writeAll is called: changing the Uint8Array right after changes nothing sent', async (t) => {
  const { inner, peer } = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(inner)
  const w = track(t, new BufWriter(inner, 16))
  // fits in the buffer: copied into it at once
  const small = Buffer.from('AAAA')
  const p1 = w.write(small)
  small.fill(0x61)
  // larger than the buffer, to a full socket: the call waits, holding its own copy
  const big = Buffer.alloc(20_000, 0x43)
  const p2 = w.writeAll(big)
  const u8 = new Uint8Array(Buffer.from('DDDD'))
  const p3 = w.write(u8)
  await assertPending(t, p2, 'writeAll to a full socket')
  big.fill(0x63)
  u8.fill(0x64)
  t.is((await readN(peer, filler, 'peer drains the filler')).length, filler)
  t.is(await guard(p1, 'write small'), 4)
  await guard(p2, 'writeAll big')
  t.is(await guard(p3, 'write u8'), 4)
  await guard(w.flush(), 'flush')
  const got = await readN(peer, 4 + 20_000 + 4)
  t.is(got.subarray(0, 4).toString(), 'AAAA')
  t.true(got.subarray(4, 20_004).equals(Buffer.alloc(20_000, 0x43)))
  t.is(got.subarray(20_004).toString(), 'DDDD')
})

test('BufWriter: buffer() throws ResourceBusy while a call runs; capacity() does not', async (t) => {
  const { inner, peer } = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(inner)
  const w = track(t, new BufWriter(inner))
  await guard(w.write(Buffer.from('abc')), 'write into the buffer')
  t.is(w.buffer().toString(), 'abc')
  const f = w.flush()
  await assertPending(t, f, 'flush to a full socket')
  assertBusy(t, () => w.buffer(), 'buffer() during flush')
  t.is(w.capacity(), 8192)
  await readN(peer, filler, 'peer drains the filler')
  await guard(f, 'flush')
  t.is(w.buffer().length, 0)
  t.is((await readN(peer, 3)).toString(), 'abc')
})

test('BufWriter: write is cancel safe: aborted while waiting for a full socket, it took nothing', async (t) => {
  const { inner, peer, peerAddrs } = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(inner)
  const w = track(t, new BufWriter(inner, 16))
  const ac = new AbortController()
  const p = quiet(w.write(Buffer.alloc(32, 0x58), { signal: ac.signal }))
  await assertPending(t, p, 'write of 32 to a full socket')
  ac.abort()
  assertAbort(t, await rejection(t, p, 'aborted write'), 'aborted write')
  t.is(w.buffer().length, 0, 'nothing of the aborted write was buffered')
  await readN(peer, filler, 'peer drains the filler')
  await guard(w.writeAll(Buffer.from('ok')), 'writeAll after the abort')
  await guard(w.flush(), 'flush')
  t.is((await readN(peer, 2)).toString(), 'ok', 'the aborted bytes never went out')
  t.is(queued(peerAddrs), 0)
})

test('BufWriter: flush is cancel safe: aborted while the socket is full, what was not written stays buffered and a later flush writes it', async (t) => {
  const { inner, peer } = await writeSetup(t, 'TcpStream')
  const filler = await fillSendBuffer(inner)
  const w = track(t, new BufWriter(inner))
  await guard(w.write(Buffer.from('abc')), 'write into the buffer')
  const ac = new AbortController()
  const f = quiet(w.flush({ signal: ac.signal }))
  await assertPending(t, f, 'flush to a full socket')
  ac.abort()
  assertAbort(t, await rejection(t, f, 'aborted flush'), 'aborted flush')
  t.is(w.buffer().toString(), 'abc')
  await readN(peer, filler, 'peer drains the filler')
  await guard(w.flush(), 'flush after the abort')
  t.is((await readN(peer, 3)).toString(), 'abc')
})

test('BufWriter: close() rejects pending calls with ERR_HANDLE_CLOSED', async (t) => {
  const { inner } = await writeSetup(t, 'TcpStream')
  await fillSendBuffer(inner)
  const w = new BufWriter(inner)
  await guard(w.write(Buffer.from('abc')), 'write into the buffer')
  const f = quiet(w.flush())
  const wa = quiet(w.writeAll(Buffer.alloc(100_000)))
  const sd = quiet(w.shutdown())
  await assertPending(t, f, 'flush to a full socket')
  w.close()
  for (const [label, p] of [
    ['flush', f],
    ['writeAll', wa],
    ['shutdown', sd],
  ] as const) {
    assertClosed(t, await rejection(t, p, `pending ${label}`), `pending ${label}`)
  }
})

// =============================================================================================

test.after.always('every handle this file opened was closed', (t) => {
  t.deepEqual(activeHandles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
})

