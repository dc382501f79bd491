// Backpressure through tokio-net/net: a paused Socket stops pulling from tokio (so the sender is
// held back by TCP), and a writer that ignores write()'s return value is told to wait by 'drain'.

import test from 'ava'

import net from '../lib/net/index.js'
import { TcpListener, TcpStream } from '../index.js'

import { guard, pollUntil, track } from './helpers/index.js'
import { own, socketPair, waitFor } from './helpers/net.js'

const MiB = 1024 * 1024
/** One read's size in the adapter (libuv's): what may be in flight besides the buffered data. */
const READ_SIZE = 64 * 1024

test('a paused socket buffers at most about one highWaterMark while a 256 MiB sender pushes; resuming gets every byte', async (t) => {
  const total = 256 * MiB
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const [raw, [senderSide]] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()])
  track(t, senderSide)
  const socket = own(t, net.Socket.from(raw))
  const chunk = Buffer.alloc(MiB, 0x5a)
  const sending = (async () => {
    for (let sent = 0; sent < total; sent += chunk.length) await senderSide.writeAll(chunk)
    await senderSide.shutdown()
  })()
  sending.catch(() => {})

  // Read a little, then pause.
  await waitFor(socket, 'data')
  socket.pause()
  // Let what was in flight land, then watch for growth.
  let last = -1
  await pollUntil(() => {
    const settled = socket.bytesRead === last
    last = socket.bytesRead
    return settled
  }, 100, 50)
  const atPause = socket.bytesRead
  await new Promise((r) => setTimeout(r, 500))
  const growth = socket.bytesRead - atPause
  const hwm = socket.readableHighWaterMark
  t.log(`paused: bytesRead ${atPause} then +${growth} over 500 ms; readableLength ${socket.readableLength}, highWaterMark ${hwm}`)
  t.true(atPause < total / 4, `the sender was held back: ${atPause} of ${total} bytes read before pausing settled`)
  t.is(growth, 0, 'no read is issued while paused and the buffer is full')
  t.true(socket.readableLength <= hwm + READ_SIZE, `buffered ${socket.readableLength} > highWaterMark ${hwm} + one read`)

  // Resume: every byte arrives.
  let received = socket.readableLength
  socket.on('data', (c: Buffer) => (received += c.length))
  socket.resume()
  await guard(waitFor(socket, 'end'), 'reading 256 MiB after resume', 60_000)
  t.is(socket.bytesRead, total)
  t.is(received, total)
  await sending
})

test('write() returns false past the writable highWaterMark and drain follows once the peer reads', async (t) => {
  const [client, peer] = await socketPair(t)
  peer.pause()
  const chunk = Buffer.alloc(64 * 1024)
  let writes = 0
  while (client.write(chunk)) {
    writes++
    if (writes > 100_000) break
  }
  t.true(client.writableLength >= client.writableHighWaterMark, 'write() said stop only once the queue reached the highWaterMark')
  t.true(client.writableNeedDrain)
  const drained = waitFor(client, 'drain')
  peer.resume()
  await drained
  t.false(client.writableNeedDrain)
})
