// Port of tokio/tests/tcp_into_split.rs.
// std::net::TcpListener + threads are replaced by our TcpListener and concurrent async functions.

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'
import type { ReuniteError } from '../index.js'

import { errorCode, guard, sleep, spawn, track } from './helpers/index.js'

test('split', async (t) => {
  const MSG = Buffer.from('split')

  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()

  const [stream1, [stream2]] = await Promise.all([TcpStream.connect(addr), listener.accept()])
  track(t, stream1)
  track(t, stream2)
  const [readHalf, writeHalf] = stream1.intoSplit()
  track(t, readHalf)
  track(t, writeHalf)

  await guard(
    Promise.all([
      (async () => {
        const len = await stream2.write(MSG)
        t.is(len, MSG.length)

        const readBuf = Buffer.alloc(32)
        const readLen = await stream2.read(readBuf)
        t.deepEqual(readBuf.subarray(0, readLen), MSG)
      })(),
      (async () => {
        const len = await writeHalf.write(MSG)
        t.is(len, MSG.length)
      })(),
      (async () => {
        const readBuf = Buffer.alloc(32)
        const peekLen1 = await readHalf.peek(readBuf)
        const peekLen2 = await readHalf.peek(readBuf)
        t.is(peekLen1, peekLen2)

        const readLen = await readHalf.read(readBuf)
        t.is(peekLen1, readLen)
        t.deepEqual(readBuf.subarray(0, readLen), MSG)
      })(),
    ]),
    'try_join!',
  )
})

test('reunite', async (t) => {
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()

  const handle = spawn(async () => {
    track(t, (await listener.accept())[0]).close()
    track(t, (await listener.accept())[0]).close()
    // The thread owned the listener: it is dropped when the thread ends.
    listener.close()
  })

  const stream1 = track(t, await TcpStream.connect(addr))
  const [read1, write1] = stream1.intoSplit()
  track(t, read1)
  track(t, write1)

  const stream2 = track(t, await TcpStream.connect(addr))
  const [read2, write2] = stream2.intoSplit()
  track(t, write2)
  // `let (_, write2)`: the read half is dropped at once.
  track(t, read2).close()

  let read1Back = read1
  try {
    read1.reunite(write2)
    t.fail('Reunite should not succeed')
    return
  } catch (e) {
    t.is(errorCode(e), 'ERR_REUNITE')
    const err = e as ReuniteError
    read1Back = track(t, err.readHalf)
    track(t, err.writeHalf)
  }

  let reunited
  try {
    reunited = track(t, read1Back.reunite(write1))
  } catch (e) {
    t.fail(`Reunite should succeed: ${String(e)}`)
    return
  }
  t.truthy(reunited)

  await guard(handle, 'handle.join()')
})

/// Test that dropping the write half actually closes the stream.
test('drop_write', async (t) => {
  const MSG = Buffer.from('split')

  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()

  const handle = spawn(async (): Promise<Error | null> => {
    const [stream] = await listener.accept()
    track(t, stream)
    listener.close()
    await stream.writeAll(MSG)

    const readBuf = Buffer.alloc(32)
    let res: Error | null
    try {
      const len = await stream.read(readBuf)
      res = len === 0 ? null : new Error(`Unexpected read: ${len} bytes.`)
    } catch (err) {
      res = err as Error
    }

    stream.close()

    return res
  })

  const stream = track(t, await TcpStream.connect(addr))
  const [readHalf, writeHalf] = stream.intoSplit()
  track(t, readHalf)
  track(t, writeHalf)

  const readBuf = Buffer.alloc(32)
  const readLen = await readHalf.read(readBuf)
  t.deepEqual(readBuf.subarray(0, readLen), MSG)

  // drop it while the read is in progress
  const dropper = spawn(async () => {
    await sleep(10)
    writeHalf.close()
  })

  let len: number
  try {
    len = await guard(readHalf.read(readBuf), 'read_half.read() after dropping the write half')
  } catch (err) {
    t.fail(`Unexpected error: ${String(err)}.`)
    return
  }
  t.is(len, 0, `Unexpected read: ${len} bytes.`)

  await dropper
  const res = await guard(handle, 'handle.join()')
  t.is(res, null, res ? res.message : undefined)
})
