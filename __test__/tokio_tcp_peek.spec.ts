// Port of tokio/tests/tcp_peek.rs.
// std::net::TcpListener + a thread is replaced by our TcpListener; `left` stays a real
// std::net::TcpStream (StdTcpStream) handed to tokio with `TcpStream.fromStd` (Rust's `try_into`).

import test from 'ava'

import { StdTcpStream, TcpListener, TcpStream } from '../index.js'

import { guard, spawn, track } from './helpers/index.js'

test('peek', async (t) => {
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))

  const addr = listener.localAddr()
  const th = spawn(async () => {
    const [s] = await listener.accept()
    // The thread owned the listener: it is dropped when the thread ends.
    listener.close()
    return track(t, s)
  })

  const leftStd = track(t, StdTcpStream.connect(addr))

  leftStd.setNonblocking(true)

  const right = await guard(th, 't.join()')

  // `right.set_nonblocking(true)`: a tokio TcpStream is always non-blocking already.

  // `right.write(&[1, 2, 3, 4])`: one write, its count ignored (`let _ =`).
  await right.write(Buffer.from([1, 2, 3, 4]))

  const left = track(t, TcpStream.fromStd(leftStd))
  const buf = Buffer.alloc(16)
  let n = await left.peek(buf)
  t.deepEqual([...buf.subarray(0, n)], [1, 2, 3, 4])

  n = await left.read(buf)
  t.deepEqual([...buf.subarray(0, n)], [1, 2, 3, 4])
})
