// Ports of Node's test/parallel/test-net-*.js socket cases (half-open, timeouts, byte counts,
// write after end, destroy, pause/resume), run against tokio-net/net. Each test is named after
// the Node file it ports.

import { inspect } from 'node:util'

import test from 'ava'

import net from '../lib/net/index.js'
import type { Socket } from '../lib/net/index.js'

import { guard, refusedPort, shape } from './helpers/index.js'
import { listen, own, receiveAll, socketPair, waitFor } from './helpers/net.js'

function closeOf(s: Socket): Promise<boolean> {
  return guard(new Promise<boolean>((r) => s.once('close', r)), 'close')
}

function errorOf(s: Socket): Promise<unknown> {
  return guard(new Promise((r) => s.once('error', r)), 'error')
}

test('test-net-after-close: methods and properties of a closed socket do not throw; remote* stay known', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  const c = net.createConnection(port, '127.0.0.1')
  c.resume()
  await waitFor(c, 'connect')
  // read while connected, so remembered after closing (node:net looks them up lazily too)
  t.is(c.remoteAddress, '127.0.0.1')
  await closeOf(c)
  t.is(c.tcpStream, null)
  t.notThrows(() => {
    c.setNoDelay()
    c.setKeepAlive()
    void c.bufferSize
    c.pause()
    c.resume()
    c.address()
  })
  t.is(c.remoteAddress, '127.0.0.1')
  t.is(c.remotePort, port)
})

test('test-net-allow-half-open: allowHalfOpen client: after the server ends, the client can still write', async (t) => {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.resume()
    s.end('server ends first')
    s.on('end', () => s.destroy())
  })
  const port = await listen(t, server)
  const c = own(t, net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }))
  const got = await receiveAll(c)
  t.is(got.toString(), 'server ends first')
  t.false(c.writableEnded, 'the client write side stays open')
  t.true(c.write('still writable'))
  c.end()
  await closeOf(c)
})

test('test-net-bytes-written-large: bytesWritten after large Buffer and string writes', async (t) => {
  const N = 2 * 1024 * 1024
  const server = net.createServer((s) => s.resume())
  const port = await listen(t, server)
  const c = own(t, net.connect(port, '127.0.0.1'))
  await waitFor(c, 'connect')
  c.write(Buffer.alloc(N))
  t.is(c.bytesWritten, N)
  c.write('a'.repeat(N))
  t.is(c.bytesWritten, 2 * N)
  c.end(Buffer.alloc(N))
  t.is(c.bytesWritten, 3 * N)
  await waitFor(c, 'finish')
  t.is(c.bytesWritten, 3 * N)
})

test('test-net-end-without-connect: end() on a socket that never connected calls back and is not writable', async (t) => {
  const sock = new net.Socket()
  await guard(new Promise<void>((r) => sock.end(() => r())), 'end callback')
  t.false(sock.writable)
})

test('test-net-write-after-close: the server writing after the client ended and closed gets an error in the callback', async (t) => {
  let serverSocket: Socket | undefined
  const server = net.createServer((socket) => {
    serverSocket = socket
    socket.resume()
    socket.on('error', () => t.fail('error event on the server socket'))
  })
  const port = await listen(t, server)
  const client = own(t, net.connect(port, '127.0.0.1'))
  await waitFor(client, 'connect')
  client.resume()
  const ended = waitFor(client, 'end')
  client.end()
  await ended
  const err = await guard(new Promise<Error | null | undefined>((r) => serverSocket?.write('test', r)), 'write callback')
  t.truthy(err)
})

test('test-net-write-after-end-nt: write after end errors in a later tick, with ERR_STREAM_WRITE_AFTER_END', async (t) => {
  const [client] = await socketPair(t)
  client.end()
  let sync = true
  const err = new Promise<unknown>((r) => client.once('error', (e) => r([e, sync])))
  client.write('x')
  sync = false
  const [e, wasSync] = (await err) as [unknown, boolean]
  t.is(shape(e).code, 'ERR_STREAM_WRITE_AFTER_END')
  t.false(wasSync)
})

test('test-net-write-arguments: invalid chunks throw ERR_INVALID_ARG_TYPE / ERR_STREAM_NULL_VALUES', (t) => {
  const socket = new net.Socket()
  socket.on('error', () => {})
  const nullErr = t.throws(() => socket.write(null))
  t.is(shape(nullErr).code, 'ERR_STREAM_NULL_VALUES')
  for (const value of [true, false, 0, 1, Infinity, -Infinity, [], {}]) {
    const err = t.throws(() => new net.Socket().write(value as unknown as string))
    t.is(shape(err).code, 'ERR_INVALID_ARG_TYPE', inspect(value))
  }
})

test('test-net-write-cb-on-destroy-before-connect: the pending write callback gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const socket = net.connect(port, '127.0.0.1')
  socket.on('connect', () => t.fail('connected'))
  const closing = closeOf(socket)
  const err = new Promise<Error | null | undefined>((r) => socket.write('hello', r))
  socket.destroy()
  const e = await err
  t.is(shape(e).code, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION')
  t.is(e?.message, 'Socket closed before the connection was established')
  await closing
})

test('test-net-write-connect-write: write before connect, then again in the write callback', async (t) => {
  const server = net.createServer((s) => s.pipe(s))
  const port = await listen(t, server)
  const conn = own(t, net.connect(port, '127.0.0.1'))
  conn.setEncoding('utf8')
  conn.write('before')
  conn.on('connect', () => conn.write(' after'))
  let received = ''
  conn.on('data', (d: string) => {
    received += d
    if (received === 'before after') conn.end()
  })
  await waitFor(conn, 'end')
  t.is(received, 'before after')
})

test('test-net-write-slow: many writes to a slow reader all arrive', async (t) => {
  const SIZE = 2e5
  const N = 10
  const buf = Buffer.alloc(SIZE, 'a')
  const server = net.createServer((s) => {
    s.setNoDelay()
    for (let i = 0; i < N; i++) s.write(buf)
    s.end()
  })
  const port = await listen(t, server)
  const conn = own(t, net.connect(port, '127.0.0.1'))
  let received = 0
  conn.on('data', (d: Buffer) => {
    received += d.length
    conn.pause()
    setTimeout(() => conn.resume(), 2)
  })
  await guard(waitFor(conn, 'end'), 'slow reader', 60_000)
  t.is(received, SIZE * N)
})

test('test-net-socket-destroy-twice: destroying twice emits close once', async (t) => {
  const port = await refusedPort(t)
  const conn = net.createConnection(port, '127.0.0.1')
  conn.on('error', () => {
    conn.destroy()
  })
  let closes = 0
  conn.on('close', () => closes++)
  await closeOf(conn)
  await new Promise((r) => setTimeout(r, 50))
  t.is(closes, 1)
})

test('test-net-socket-destroy-send: write after destroy calls back with ERR_STREAM_DESTROYED', async (t) => {
  const [client] = await socketPair(t)
  client.destroy()
  const err = await new Promise<Error | null | undefined>((r) => client.write(Buffer.from('hello world'), r))
  t.is(shape(err).code, 'ERR_STREAM_DESTROYED')
})

test('test-net-socket-timeout: invalid timeouts throw; a valid one emits timeout', async (t) => {
  const s = new net.Socket()
  for (const bad of [-1, -Infinity, Infinity, NaN]) {
    const e = t.throws(() => s.setTimeout(bad))
    t.is(shape(e).code, 'ERR_OUT_OF_RANGE', String(bad))
  }
  for (const bad of ['100', null, {}, [], true]) {
    const e = t.throws(() => s.setTimeout(bad as unknown as number))
    t.is(shape(e).code, 'ERR_INVALID_ARG_TYPE', inspect(bad))
  }
  const e = t.throws(() => s.setTimeout(1, 'x' as unknown as () => void))
  t.is(shape(e).code, 'ERR_INVALID_ARG_TYPE')
  const [client] = await socketPair(t)
  let called = false
  client.setTimeout(50, () => (called = true))
  await waitFor(client, 'timeout')
  t.true(called)
})

test('test-net-settimeout: setTimeout(0) before it fires removes the listener and never fires', async (t) => {
  const [client] = await socketPair(t)
  const listener = () => t.fail('timeout fired')
  client.setTimeout(50, listener)
  client.setTimeout(0, listener)
  t.is(client.listenerCount('timeout'), 0)
  await new Promise((r) => setTimeout(r, 150))
  t.pass()
})

test('test-net-timeout-no-handle: setTimeout on a socket with no connection still emits timeout', async (t) => {
  const socket = new net.Socket()
  socket.setTimeout(30)
  await waitFor(socket, 'timeout')
  socket.destroy()
  t.pass()
})

test('test-net-pause-resume-connecting: data is not delivered while paused across the connect', async (t) => {
  const server = net.createServer((s) => s.end('hello'))
  const port = await listen(t, server)
  const c = own(t, net.connect(port, '127.0.0.1'))
  c.pause()
  let got = ''
  c.on('data', (d: Buffer) => (got += d.toString()))
  await waitFor(c, 'connect')
  await new Promise((r) => setTimeout(r, 100))
  t.is(got, '', 'paused before connect: nothing flows')
  c.resume()
  await waitFor(c, 'end')
  t.is(got, 'hello')
})

test('test-net-remote-address-port: both sides agree on addresses; they stay readable after close', async (t) => {
  const [client, peer] = await socketPair(t)
  t.is(peer.remoteAddress, '127.0.0.1')
  t.is(peer.remotePort, client.localPort)
  t.is(peer.remoteFamily, 'IPv4')
  const serverPort = peer.localPort
  t.is(client.remotePort, serverPort)
  client.destroy()
  await closeOf(client)
  t.is(client.remoteAddress, '127.0.0.1')
  t.is(client.remotePort, serverPort)
})

test('test-net-local-address-port: localAddress and localPort of an accepted socket', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const accepted = waitFor<[Socket]>(server, 'connection')
  own(t, net.connect(port, '127.0.0.1'))
  const [s] = await accepted
  own(t, s)
  t.is(s.localAddress, '127.0.0.1')
  t.is(s.localPort, port)
})

test('test-net-large-string: a 1 MB string written with an encoding arrives whole', async (t) => {
  const size = 40 * 1024
  const data = 'あ'.repeat(size)
  const server = net.createServer((s) => {
    s.setEncoding('utf8')
    let received = ''
    s.on('data', (d: string) => (received += d))
    s.on('end', () => s.end(String(received === data)))
  })
  const port = await listen(t, server)
  const c = own(t, net.createConnection(port, '127.0.0.1'))
  c.end(data, 'utf8')
  t.is((await receiveAll(c)).toString(), 'true')
})

test('test-net-binary: every byte value, written as a latin1 string, comes back as the same bytes', async (t) => {
  let binaryString = ''
  for (let i = 255; i >= 0; i--) binaryString += String.fromCharCode(i)
  const server = net.createServer((s) => s.pipe(s))
  const port = await listen(t, server)
  const c = own(t, net.createConnection(port, '127.0.0.1'))
  c.setEncoding('latin1')
  let recv = ''
  c.on('data', (d: string) => (recv += d))
  c.write(binaryString, 'latin1')
  c.end()
  await waitFor(c, 'end')
  t.is(recv, binaryString)
})

test('test-net-error-twice: writing 10 MiB to a peer that went away emits one error, not the same one twice', async (t) => {
  const buf = Buffer.alloc(10 * 1024 * 1024, 0x62)
  const errs: unknown[] = []
  const server = net.createServer()
  const port = await listen(t, server)
  const accepted = waitFor<[Socket]>(server, 'connection')
  const client = net.connect({ port, host: '127.0.0.1' })
  await waitFor(client, 'connect')
  const [conn] = await accepted
  conn.on('error', (err) => errs.push(err))
  const closed = closeOf(conn)
  client.destroy()
  conn.write(buf)
  await closed
  await new Promise((r) => setTimeout(r, 50))
  t.is(errs.length, 1, String(errs.map((e) => shape(e).code)))
})

test('test-net-stream: net.Stream is Socket; a socket can be destroyed with a pending write', async (t) => {
  t.is(net.Stream, net.Socket)
  const s = new net.Stream()
  s.on('error', () => {})
  s.destroy()
  await closeOf(s)
  t.true(s.destroyed)
})

test('test-net-sync-cork: corked writes are sent as one, in order, and finish', async (t) => {
  const N = 100
  const server = net.createServer((s) => s.pipe(s))
  const port = await listen(t, server)
  const c = own(t, net.connect(port, '127.0.0.1'))
  await waitFor(c, 'connect')
  const buf = Buffer.alloc(N, 'x')
  let interval = 0
  c.cork()
  while (c.write(buf)) interval++
  c.uncork()
  c.end()
  const got = await receiveAll(c)
  t.is(got.length, (interval + 1) * N)
})

test('test-net-socket-write-after-close: writing after close calls back with an error and emits none twice', async (t) => {
  const [client] = await socketPair(t)
  client.destroy()
  await closeOf(client)
  const err = await new Promise<Error | null | undefined>((r) => client.write('test', r))
  t.is(shape(err).code, 'ERR_STREAM_DESTROYED')
})

test('test-net-socket-end-before-connect: end() while connecting finishes once connected', async (t) => {
  const server = net.createServer((s) => s.resume())
  const port = await listen(t, server)
  const socket = own(t, net.createConnection(port, '127.0.0.1'))
  socket.end()
  await waitFor(socket, 'finish')
  t.true(socket.writableFinished)
})

test('test-net-socket-close-after-end: close follows end, once', async (t) => {
  const server = net.createServer((s) => s.end('bye'))
  const port = await listen(t, server)
  const c = net.connect(port, '127.0.0.1')
  const order: string[] = []
  c.on('end', () => order.push('end'))
  c.on('close', () => order.push('close'))
  c.resume()
  await closeOf(c)
  await new Promise((r) => setTimeout(r, 20))
  t.deepEqual(order, ['end', 'close'])
})

test('test-net-throttle: a paused client keeps data in the kernel; resume delivers all of it', async (t) => {
  const N = 16 * 1024 * 1024
  const body = Buffer.alloc(N, 'C')
  const server = net.createServer((s) => s.end(body))
  const port = await listen(t, server)
  const c = own(t, net.connect(port, '127.0.0.1'))
  let received = 0
  let pauses = 0
  c.on('data', (d: Buffer) => {
    received += d.length
    if (pauses < 5 && received > (pauses + 1) * 2 * 1024 * 1024) {
      pauses++
      c.pause()
      setTimeout(() => c.resume(), 20)
    }
  })
  await guard(waitFor(c, 'end'), 'throttled read', 60_000)
  t.is(received, N)
  t.is(pauses, 5)
})

test('test-net-buffersize: bufferSize counts queued bytes, 0 once flushed', async (t) => {
  const server = net.createServer((s) => s.resume())
  const port = await listen(t, server)
  const client = own(t, net.connect(port, '127.0.0.1'))
  client.cork()
  client.write('foo')
  t.is(client.bufferSize, 3)
  client.uncork()
  await new Promise<void>((r) => client.end(() => r()))
  t.is(client.bufferSize, 0)
})

test('test-net-onread-static-buffer: every chunk arrives in the one static buffer', async (t) => {
  const message = Buffer.alloc(64 * 1024, 'x')
  const server = net.createServer((s) => s.end(message))
  const port = await listen(t, server)
  const buffer = Buffer.alloc(1024)
  const sockets: Socket[] = []
  let total = 0
  let otherBuffer = false
  const c = net.connect({
    port,
    host: '127.0.0.1',
    onread: {
      buffer,
      callback(n, buf) {
        if (buf !== buffer) otherBuffer = true
        t.true(n <= buffer.length)
        total += n
      },
    },
  })
  sockets.push(c)
  c.resume()
  await waitFor(c, 'end')
  t.is(total, message.length)
  t.false(otherBuffer)
})

test('test-net-socket-byteswritten: bytesWritten counts corked writes before they leave', async (t) => {
  const server = net.createServer((s) => s.resume())
  const port = await listen(t, server)
  const socket = own(t, net.connect(port, '127.0.0.1'))
  await waitFor(socket, 'connect')
  socket.cork()
  socket.write('one')
  socket.write(Buffer.from('twø', 'utf8'))
  socket.uncork()
  t.is(socket.bytesWritten, 3 + 4)
  await new Promise<void>((r) => socket.end(() => r()))
  t.is(socket.bytesWritten, 7)
})

test('test-net-socket-end-callback: end(cb) calls back once the write side has finished', async (t) => {
  const server = net.createServer((s) => s.resume())
  const port = await listen(t, server)
  const socket = own(t, net.connect(port, '127.0.0.1'))
  let finished = false
  socket.on('finish', () => (finished = true))
  await new Promise<void>((r) => socket.end('data', () => r()))
  t.true(finished)
})

test('test-net-server-reset: the server closes and resets both connections: each client gets ECONNRESET', async (t) => {
  const sockets: Socket[] = []
  // As in Node's test, each close must come; the server's may come before them (node:net counts
  // a connection gone when it is destroyed, before its 'close').
  const socketsClosed: Array<Promise<unknown>> = []
  const server = net.createServer((c) => {
    socketsClosed.push(new Promise((resolve) => c.on('close', resolve)))
    sockets.push(c)
    if (sockets.length === 2) {
      t.is(server.close(), server)
      for (const s of sockets) s.resetAndDestroy()
    }
  })
  const serverClosed = guard(new Promise((r) => server.once('close', r)), 'server close')
  t.is(server.listen(0, '127.0.0.1'), server)
  await waitFor(server, 'listening')
  const port = server.address()?.port as number
  const codes = await Promise.all(
    [0, 1].map(async () => {
      const c = net.createConnection(port, '127.0.0.1')
      return shape(await errorOf(c)).code
    }),
  )
  t.deepEqual(codes, ['ECONNRESET', 'ECONNRESET'])
  await serverClosed
  await guard(Promise.all(socketsClosed), 'accepted sockets close')
  t.is(socketsClosed.length, 2)
})

test('test-net-socket-reset-send: resetAndDestroy().destroy() on connect; the write after it fails; the server reads ECONNRESET', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const serverError = new Promise<unknown>((resolve) =>
    server.on('connection', (socket: Socket) => {
      socket.on('error', resolve)
      socket.resume()
    }),
  )
  const conn = net.createConnection(port, '127.0.0.1')
  await waitFor(conn, 'connect')
  t.is(conn.resetAndDestroy().destroy(), conn)
  conn.on('error', () => t.fail('error event on the reset socket'))
  const writeErr = await new Promise<Error | null | undefined>((r) => conn.write(Buffer.from('fzfzfzfzfz'), r))
  t.is(shape(writeErr).code, 'ERR_STREAM_DESTROYED')
  const e = shape(await guard(serverError, 'server socket error')) as Record<string, unknown>
  t.is(e.code, 'ECONNRESET')
  t.is(e.message, 'read ECONNRESET')
})

test('test-net-pingpong: 100 ping/pong round trips over one connection', async (t) => {
  const N = 100
  const server = net.createServer((s) => {
    s.setEncoding('utf8')
    s.on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) s.write(line === 'PING' ? 'PONG\n' : 'ERR\n')
    })
    s.on('end', () => s.end())
  })
  const port = await listen(t, server)
  const c = own(t, net.connect(port, '127.0.0.1'))
  c.setEncoding('utf8')
  let pongs = 0
  let buffered = ''
  const done = new Promise<void>((resolve) => {
    c.on('data', (d: string) => {
      buffered += d
      let i
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i)
        buffered = buffered.slice(i + 1)
        if (line === 'PONG') pongs++
        if (pongs < N) c.write('PING\n')
        else resolve()
      }
    })
  })
  c.write('PING\n')
  await guard(done, 'ping-pong')
  c.end()
  await waitFor(c, 'end')
  t.is(pongs, N)
})

test('test-net-reconnect-error: a socket that fails to connect can try again, several times', async (t) => {
  const port = await refusedPort(t)
  const c = net.createConnection(port, '127.0.0.1')
  let errors = 0
  for (let i = 0; i < 3; i++) {
    if (i > 0) c.connect(port, '127.0.0.1')
    const e = await errorOf(c)
    t.is(shape(e).code, 'ECONNREFUSED')
    errors++
    await closeOf(c)
  }
  t.is(errors, 3)
})

test('test-net-socket-setnodelay: setNoDelay() defaults to true and reaches the socket', async (t) => {
  const [client] = await socketPair(t)
  client.setNoDelay()
  t.true(client.tcpStream?.nodelay())
  client.setNoDelay(false)
  t.false(client.tcpStream?.nodelay())
  client.setNoDelay(1 as unknown as boolean)
  t.true(client.tcpStream?.nodelay())
})
