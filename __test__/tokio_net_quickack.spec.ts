// Port of tokio/tests/net_quickack.rs (Linux/Android/Fuchsia/Cygwin only, as in tokio).

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { deferred, guard, spawn, track } from './helpers/index.js'

// `#![cfg(any(target_os = "linux", target_os = "android", ...))]`: registered only there.
const registerQuickack = process.platform === 'linux' || process.platform === 'android' ? test : () => {}

registerQuickack('socket_works_with_quickack', async (t) => {
  const MESSAGE = 'Hello, tokio!'

  const { promise: rxPort, resolve: txPort } = deferred<number>()

  const server = spawn(async () => {
    const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
    const addr = listener.localAddr()

    txPort(addr.port())

    const [stream] = await listener.accept()
    track(t, stream)
    stream.setQuickack(true)
    t.true(stream.quickack())

    await stream.writeAll(Buffer.from(MESSAGE))

    const buf = Buffer.alloc(MESSAGE.length)
    await stream.readExact(buf)
    t.deepEqual(buf, Buffer.from(MESSAGE))

    // There is nothing special about setting quickack to false
    // at this point, we just want to test the `false` case.
    stream.setQuickack(false)
    t.false(stream.quickack())

    await stream.shutdown()
    // The task ends: the stream and the listener are dropped.
    stream.close()
    listener.close()
  })

  const port = await guard(rxPort, 'rx_port')
  const client = spawn(async () => {
    const stream = track(t, await TcpStream.connect(`127.0.0.1:${port}`))
    stream.setQuickack(true)
    t.true(stream.quickack())

    const buf = Buffer.alloc(MESSAGE.length)
    await stream.readExact(buf)
    t.deepEqual(buf, Buffer.from(MESSAGE))

    await stream.writeAll(Buffer.from(MESSAGE))

    // There is nothing special about setting quickack to false
    // at this point, we just want to test the `false` case.
    stream.setQuickack(false)
    t.false(stream.quickack())

    await stream.shutdown()
    stream.close()
  })

  await guard(Promise.all([server, client]), 'try_join!(server, client)')
})
