// Port of tokio/tests/tcp_into_std.rs.

import test from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { spawn, track } from './helpers/index.js'

test('tcp_into_std', async (t) => {
  const data = Buffer.alloc(12)
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr().toString()

  const handle = spawn(async () => {
    const stream = track(t, await TcpStream.connect(addr))
    return stream
  })

  const [tokioTcpStream] = await listener.accept()
  track(t, tokioTcpStream)
  const stdTcpStream = track(t, tokioTcpStream.intoStd())
  stdTcpStream.setNonblocking(false)

  const client = await handle
  await client.writeAll(Buffer.from('Hello world!'))

  stdTcpStream.readExact(data)
  t.deepEqual(data, Buffer.from('Hello world!'))

  // test back to tokio stream
  stdTcpStream.setNonblocking(true)
  const tokioTcpStream2 = track(t, TcpStream.fromStd(stdTcpStream))
  await client.writeAll(Buffer.from('Hello tokio!'))
  await tokioTcpStream2.readExact(data)
  t.deepEqual(data, Buffer.from('Hello tokio!'))
})
