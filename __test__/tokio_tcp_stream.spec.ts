// Port of tokio/tests/tcp_stream.rs, as shipped in the tokio crate the addon links (1.54.1): accepted
// sockets start out assumed readable there (`TcpStream::new_accepted` -> `assume_ready`), and the
// tests check that first.

import test from 'ava'

import { BytesMut, Interest, TcpListener, TcpStream } from '../index.js'

import { type AddrParts, assertPending, assertPendingThenDrop, describeError, errorKind, guard, isWouldBlock, pair, queuedBytes, readUntilPending, track, writeUntilPending, yieldNow } from './helpers/index.js'

/** `f().unwrap_err().kind()`: the error kind `f` throws (the test fails if it does not throw). */
function errorKindOf(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return errorKind(e)
  }
  return 'no error (Ok)'
}

test('set_linger', async (t) => {
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))

  const stream = track(t, await TcpStream.connect(listener.localAddr()))

  stream.setLinger(1000)
  const linger1 = stream.linger()
  t.not(linger1, null)
  t.is(Math.floor((linger1 as number) / 1000), 1)

  stream.setZeroLinger()
  const linger0 = stream.linger()
  t.not(linger0, null)
  t.is(Math.floor((linger0 as number) / 1000), 0)

  stream.setLinger(null)
  t.is(stream.linger(), null)
})

test('try_read_write', async (t) => {
  const DATA = Buffer.alloc(4000, 2)

  // Create listener
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))

  // Create socket pair
  const client = track(t, await TcpStream.connect(listener.localAddr()))
  const [server] = await listener.accept()
  track(t, server)
  let written: Buffer[] = [DATA]

  // An accepted socket starts out assumed readable; a read that finds
  // nothing clears that.
  t.is(
    errorKindOf(() => server.tryRead(Buffer.alloc(1))),
    'WouldBlock',
  )

  // Track the server receiving data
  const readable = server.readable()
  await assertPending(t, readable, 'server.readable() before any data')

  // Write data.
  await guard(client.writable(), 'client.writable()')
  t.is(client.tryWrite(DATA), DATA.length)

  // The task should be notified
  await guard(readable, 'server.readable() after the client wrote')

  // Fill the write buffer using non-vectored I/O
  for (;;) {
    // Still ready
    await guard(client.writable(), 'client.writable() (assert_ready_ok) while filling')

    try {
      const n = client.tryWrite(DATA)
      written.push(DATA.subarray(0, n))
    } catch (e) {
      if (isWouldBlock(e)) {
        if (await stillFull(server, () => client.tryWrite(DATA), DATA, written)) break
        continue
      }
      t.fail(`error = ${describeError(e)}`)
      return
    }
  }

  {
    // Write buffer full
    await assertPendingThenDrop(t, (o) => client.writable(o), 'client.writable() with the write buffer full')

    // Drain the socket from the server end using non-vectored I/O
    const expected = Buffer.concat(written)
    const read = Buffer.alloc(expected.length)
    let i = 0

    while (i < read.length) {
      await guard(server.readable(), 'server.readable() while draining')

      try {
        i += server.tryRead(read.subarray(i))
      } catch (e) {
        if (isWouldBlock(e)) continue
        t.fail(`error = ${describeError(e)}`)
        return
      }
    }

    t.is(read.length, expected.length)
    t.true(read.equals(expected), 'read == written (non-vectored)')
  }

  written = []
  await guard(client.writable(), 'client.writable()')

  // Fill the write buffer using vectored I/O
  const dataBufs: Buffer[] = []
  for (let off = 0; off < DATA.length; off += 10) dataBufs.push(DATA.subarray(off, off + 10))
  for (;;) {
    // Still ready
    await guard(client.writable(), 'client.writable() (assert_ready_ok) while filling (vectored)')

    try {
      const n = client.tryWriteVectored(dataBufs)
      written.push(DATA.subarray(0, n))
    } catch (e) {
      if (isWouldBlock(e)) {
        if (await stillFull(server, () => client.tryWriteVectored(dataBufs), DATA, written)) break
        continue
      }
      t.fail(`error = ${describeError(e)}`)
      return
    }
  }

  {
    // Write buffer full
    await assertPendingThenDrop(
      t,
      (o) => client.writable(o),
      'client.writable() with the write buffer full (vectored)',
    )

    // Drain the socket from the server end using vectored I/O
    const expected = Buffer.concat(written)
    const read = Buffer.alloc(expected.length)
    let i = 0

    while (i < read.length) {
      await guard(server.readable(), 'server.readable() while draining (vectored)')

      const bufs: Buffer[] = []
      for (let off = i; off < read.length; off += 0x10000) {
        bufs.push(read.subarray(off, Math.min(off + 0x10000, read.length)))
      }
      try {
        i += server.tryReadVectored(bufs)
      } catch (e) {
        if (isWouldBlock(e)) continue
        t.fail(`error = ${describeError(e)}`)
        return
      }
    }

    t.is(read.length, expected.length)
    t.true(read.equals(expected), 'read == written (vectored)')
  }

  // Now, we listen for shutdown
  client.close()

  for (;;) {
    const ready = await guard(server.ready(Interest.READABLE), 'server.ready(READABLE)')

    if (ready.isReadClosed()) {
      t.pass()
      return
    } else {
      await yieldNow()
    }
  }
})

// skipped: buffer_not_included_in_future — checks `mem::size_of_val` of a Rust future (a compile-time
// layout property of Rust async state machines); nothing in JS corresponds to it.

test('poll_read_ready', async (t) => {
  const [client, server] = await pair(t)

  // Initial state - an accepted socket is assumed readable until a read
  // finds nothing.
  await guard(server.pollReadReady(), 'server.pollReadReady() initially')
  readUntilPending(t, server)
  await assertPending(t, server.pollReadReady(), 'server.pollReadReady() after the initial read_until_pending')

  // There is data in the buffer - readable.
  await client.writeAll(Buffer.from('ping'))
  await guard(server.pollReadReady(), 'server.pollReadReady() with data buffered')

  // Readable until calls to `poll_read` return `Poll::Pending`.
  const buf = Buffer.alloc(4)
  await server.readExact(buf)
  await guard(server.pollReadReady(), 'server.pollReadReady() after read_exact')
  readUntilPending(t, server)
  await assertPending(t, server.pollReadReady(), 'server.pollReadReady() after read_until_pending')

  // Detect the client disconnect.
  client.close()
  await guard(server.pollReadReady(), 'server.pollReadReady() after the client closed')
  t.pass()
})

test('poll_write_ready', async (t) => {
  const [client, server] = await pair(t)

  // Initial state - writable.
  await guard(client.pollWriteReady(), 'client.pollWriteReady() initially')

  // No space to write - not writable.
  writeUntilPending(t, client)
  await assertPending(t, client.pollWriteReady(), 'client.pollWriteReady() with the write buffer full')

  // Detect the server disconnect.
  server.close()
  await guard(client.pollWriteReady(), 'client.pollWriteReady() after the server closed')
  t.pass()
})

test('try_read_buf', async (t) => {
  const DATA = Buffer.alloc(4000, 2)

  // Create listener
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))

  // Create socket pair
  const client = track(t, await TcpStream.connect(listener.localAddr()))
  const [server] = await listener.accept()
  track(t, server)
  const written: Buffer[] = [DATA]

  // An accepted socket starts out assumed readable; a read that finds
  // nothing clears that.
  t.is(
    errorKindOf(() => server.tryRead(Buffer.alloc(1))),
    'WouldBlock',
  )

  // Track the server receiving data
  const readable = server.readable()
  await assertPending(t, readable, 'server.readable() before any data')

  // Write data.
  await guard(client.writable(), 'client.writable()')
  t.is(client.tryWrite(DATA), DATA.length)

  // The task should be notified
  await guard(readable, 'server.readable() after the client wrote')

  // Fill the write buffer
  for (;;) {
    // Still ready
    await guard(client.writable(), 'client.writable() (assert_ready_ok) while filling')

    try {
      const n = client.tryWrite(DATA)
      written.push(DATA.subarray(0, n))
    } catch (e) {
      if (isWouldBlock(e)) break
      t.fail(`error = ${describeError(e)}`)
      return
    }
  }

  {
    // Write buffer full
    await assertPendingThenDrop(t, (o) => client.writable(o), 'client.writable() with the write buffer full')

    // Drain the socket from the server end
    const expected = Buffer.concat(written)
    const read = new BytesMut(expected.length)
    let i = 0

    while (i < read.capacity) {
      await guard(server.readable(), 'server.readable() while draining')

      try {
        i += server.tryReadBuf(read)
      } catch (e) {
        if (isWouldBlock(e)) continue
        t.fail(`error = ${describeError(e)}`)
        return
      }
    }

    const got = read.toBuffer()
    t.is(got.length, expected.length)
    t.true(got.equals(expected), 'read == written')
  }

  // Now, we listen for shutdown
  client.close()

  for (;;) {
    const ready = await guard(server.ready(Interest.READABLE), 'server.ready(READABLE)')

    if (ready.isReadClosed()) {
      t.pass()
      return
    } else {
      await yieldNow()
    }
  }
})

// read_closed is a best effort event, so test only for no false positives.
test('read_closed', async (t) => {
  const [client, server] = await pair(t)

  const readyFut = client.ready(Interest.READABLE)
  await assertPending(t, readyFut, 'client.ready(READABLE) before the server wrote')

  await server.writeAll(Buffer.from('ping'))

  const readyEvent = await guard(readyFut, 'client.ready(READABLE)')

  t.false(readyEvent.isReadClosed())
})

// write_closed is a best effort event, so test only for no false positives.
test('write_closed', async (t) => {
  const [client, server] = await pair(t)

  // Fill the write buffer.
  const writeSize = writeUntilPending(t, client)
  const readyFut = client.ready(Interest.WRITABLE)
  await assertPending(t, readyFut, 'client.ready(WRITABLE) with the write buffer full')

  // Drain the socket to make client writable.
  let readSize = 0
  while (readSize < writeSize) {
    await guard(server.readable(), 'server.readable() while draining')
    readSize += readUntilPending(t, server)
  }

  const readyEvent = await guard(readyFut, 'client.ready(WRITABLE)')

  t.false(readyEvent.isWriteClosed())
})

/**
 * After a write found the send buffer full: whether it stays full. On loopback the kernel may
 * still move queued bytes into the peer's receive buffer (and free send buffer) a moment after the
 * WouldBlock; tokio's test runs where that race is rare, here a loaded machine hits it. So wait
 * until the peer's receive queue stops growing, then try once more: WouldBlock again means full
 * for good; a write that went through (recorded in `written`) means fill on.
 */
async function stillFull(
  peer: { localAddr(): AddrParts; peerAddr(): AddrParts },
  write: () => number,
  data: Buffer,
  written: Buffer[],
): Promise<boolean> {
  const local = peer.localAddr()
  const remote = peer.peerAddr()
  let last = queuedBytes(local, remote)
  for (let same = 0; same < 3; ) {
    await new Promise((r) => setTimeout(r, 5))
    const now = queuedBytes(local, remote)
    same = now === last ? same + 1 : 0
    last = now
  }
  try {
    written.push(data.subarray(0, write()))
    return false
  } catch (e) {
    if (isWouldBlock(e)) return true
    throw e
  }
}
