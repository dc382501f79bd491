// Port of tokio/tests/tcp_echo.rs.

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { copy, deferred, guard, spawn, track } from './helpers/index.js'

test('echo_server', async (t) => {
  const ITER = 1024

  const { promise: rx, resolve: tx } = deferred<void>()

  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()

  const msg = Buffer.from('foo bar baz')
  const client = spawn(async () => {
    const stream = track(t, await TcpStream.connect(addr))

    for (let i = 0; i < ITER; i++) {
      // write
      await stream.writeAll(msg)

      // read
      const buf = Buffer.alloc(11)
      await stream.readExact(buf)
      t.deepEqual(buf, msg)
    }

    tx()
    // The task ends: its stream is dropped.
    stream.close()
  })

  const [stream] = await srv.accept()
  track(t, stream)
  const [rd, wr] = stream.split()
  track(t, rd)
  track(t, wr)

  const n = await guard(copy(rd, wr), 'io::copy(rd, wr)')
  t.is(n, ITER * msg.length)

  await guard(rx, 'rx')
  await client
})
