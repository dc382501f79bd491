// Port of tokio/tests/tcp_shutdown.rs.

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { copy, deferred, describeError, errorKind, guard, spawn, track } from './helpers/index.js'

test('shutdown', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()

  const handle = spawn(async () => {
    const stream = track(t, await TcpStream.connect(addr))

    await stream.shutdown()

    const buf = Buffer.alloc(1)
    const n = await stream.read(buf)
    t.is(n, 0)
    stream.close()
  })

  const [stream] = await srv.accept()
  track(t, stream)
  const [rd, wr] = stream.split()
  track(t, rd)
  track(t, wr)

  const n = await guard(copy(rd, wr), 'io::copy(rd, wr)')
  t.is(n, 0)
  await stream.shutdown()
  await guard(handle, 'handle.await')
})

test('shutdown_after_tcp_reset', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()

  const connected = deferred<void>()
  const dropped = deferred<void>()

  const handle = spawn(async () => {
    const stream = track(t, await TcpStream.connect(addr))
    connected.resolve()

    await dropped.promise

    // After the peer's RST (linger = 0), `shutdown` returns `Ok(())` on most
    // platforms, but FreeBSD can surface the reset as `ConnectionReset` when
    // the kernel processed it before `shutdown` ran. Both are valid for an
    // already-reset connection.
    try {
      await stream.shutdown()
    } catch (e) {
      if (errorKind(e) !== 'ConnectionReset') t.fail(`unexpected error after reset: ${describeError(e)}`)
    }
    stream.close()
  })

  const [stream] = await srv.accept()
  track(t, stream)
  // By setting linger to 0 we will trigger a TCP reset
  stream.setZeroLinger()
  await guard(connected.promise, 'connected_rx')

  stream.close()
  dropped.resolve()

  await guard(handle, 'handle.await')
  t.pass()
})

test('shutdown_multiple_calls', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()

  const connected = deferred<void>()

  const handle = spawn(async () => {
    const stream = track(t, await TcpStream.connect(addr))
    connected.resolve()
    await stream.shutdown()
    await stream.shutdown()
    await stream.shutdown()
    stream.close()
  })

  const [stream] = await srv.accept()
  track(t, stream)
  await guard(connected.promise, 'connected_rx')

  await stream.shutdown()
  await guard(handle, 'handle.await')
  t.pass()
})
