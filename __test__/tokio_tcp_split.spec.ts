// Port of tokio/tests/tcp_split.rs.
// std::net::TcpListener + a thread is replaced by our TcpListener and a concurrent async function.

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { guard, spawn, track } from './helpers/index.js'

test('split', async (t) => {
  const MSG = Buffer.from('split')

  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()

  const handle = spawn(async () => {
    const [stream] = await listener.accept()
    track(t, stream)
    await stream.writeAll(MSG)

    const readBuf = Buffer.alloc(32)
    const readLen = await stream.read(readBuf)
    t.deepEqual(readBuf.subarray(0, readLen), MSG)
    // The thread owned the listener and the stream: both are dropped when it ends.
    stream.close()
    listener.close()
  })

  const stream = track(t, await TcpStream.connect(addr))
  const [readHalf, writeHalf] = stream.split()
  track(t, readHalf)
  track(t, writeHalf)

  const readBuf = Buffer.alloc(32)
  const peekLen1 = await readHalf.peek(readBuf)
  const peekLen2 = await readHalf.peek(readBuf)
  t.is(peekLen1, peekLen2)

  const readLen = await readHalf.read(readBuf)
  t.is(peekLen1, readLen)
  t.deepEqual(readBuf.subarray(0, readLen), MSG)

  t.is(await writeHalf.write(MSG), MSG.length)
  await guard(handle, 'handle.join()')
})
