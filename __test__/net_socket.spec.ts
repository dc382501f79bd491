// tokio-net/net Socket: connect forms, addresses, events in node:net's order, errors in
// node:net's shape, half-open, timeouts, cork/_writev, destroy and reset, the TcpStream interop.

import os from 'node:os'

import test from 'ava'

import net, { Socket } from '../lib/net/index.js'
import { TcpListener, TcpStream } from '../index.js'

import { guard, refusedPort, shape } from './helpers/index.js'
import { echoServer, listen, own, receiveAll, recordEvents, socketPair, waitFor } from './helpers/net.js'

test('every connect form reaches the server: (port, host, cb), (options, cb), createConnection, new Socket().connect', async (t) => {
  const [, port] = await echoServer(t)
  const forms: Array<[string, (cb: () => void) => Socket]> = [
    ['connect(port, host, cb)', (cb) => net.connect(port, '127.0.0.1', cb)],
    ['connect(String(port), host, cb)', (cb) => net.connect(String(port), '127.0.0.1', cb)],
    ['connect(options, cb)', (cb) => net.connect({ port, host: '127.0.0.1' }, cb)],
    ['createConnection(options, cb)', (cb) => net.createConnection({ port, host: '127.0.0.1' }, cb)],
    ['new Socket().connect(port, host, cb)', (cb) => new Socket().connect(port, '127.0.0.1', cb)],
    ['new Socket().connect(options, cb)', (cb) => new Socket().connect({ port, host: '127.0.0.1' }, cb)],
  ]
  for (const [label, open] of forms) {
    let called = false
    const s = own(t, open(() => (called = true)))
    await waitFor(s, 'connect', label)
    t.true(called, `${label}: callback ran`)
    s.end(label)
    t.is((await receiveAll(s, label)).toString(), label)
  }
})

test('a host name is looked up: one lookup event per address, then connect and ready, in that order', async (t) => {
  const [, port] = await echoServer(t)
  const s = own(t, net.connect({ port, host: 'localhost', family: 4 }))
  const seen = recordEvents(s, ['lookup', 'connect', 'ready'])
  const lookups: unknown[][] = []
  s.on('lookup', (...a: unknown[]) => lookups.push(a))
  await waitFor(s, 'ready')
  t.deepEqual(seen, ['lookup', 'connect', 'ready'])
  t.deepEqual(lookups[0], [null, '127.0.0.1', 4, 'localhost'])
})

test('a custom lookup function is called as node:net calls it: all: true by default (a list answers), one address when a family is given', async (t) => {
  const [, port] = await echoServer(t)
  const asked: Array<[string, boolean | undefined, number | undefined]> = []
  const s = own(
    t,
    net.connect({
      port,
      host: 'my-service.internal',
      lookup: (host, opts, cb) => {
        asked.push([host, opts.all, opts.family])
        cb(null, [{ address: '127.0.0.1', family: 4 }])
      },
    }),
  )
  await waitFor(s, 'connect')
  t.is(s.remoteAddress, '127.0.0.1')
  const single = own(
    t,
    net.connect({
      port,
      host: 'my-service.internal',
      family: 4,
      lookup: (host, opts, cb) => {
        asked.push([host, opts.all, opts.family])
        cb(null, '127.0.0.1', 4)
      },
    }),
  )
  await waitFor(single, 'connect')
  t.deepEqual(asked, [
    ['my-service.internal', true, undefined],
    ['my-service.internal', undefined, 4],
  ])
})

test('a lookup asked for all addresses that answers a single one fails as on node:net, with ERR_INVALID_IP_ADDRESS', async (t) => {
  const s = net.connect({ port: 1, host: 'my-service.internal', lookup: (_host, _opts, cb) => cb(null, '127.0.0.1', 4) })
  const [err] = await waitFor<[Error & { code?: string }]>(s, 'error').catch((e: unknown) => [e as Error & { code?: string }])
  t.is(err.code, 'ERR_INVALID_IP_ADDRESS')
})

test('a name with several addresses: a refused one is skipped, and autoSelectFamilyAttemptedAddresses lists both tries, connected one last', async (t) => {
  const [, port] = await echoServer(t)
  // The echo server listens on 127.0.0.1 only: 127.0.0.2 (loopback too) refuses the connection.
  const s = own(
    t,
    net.connect({
      port,
      host: 'two-addresses.internal',
      lookup: (_host, _opts, cb) =>
        cb(null, [
          { address: '127.0.0.2', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ]),
    }),
  )
  await waitFor(s, 'connect')
  t.is(s.remoteAddress, '127.0.0.1')
  t.deepEqual(s.autoSelectFamilyAttemptedAddresses, [`127.0.0.2:${port}`, `127.0.0.1:${port}`])
})

test('addresses: remote*/local* and address() as node:net reports them, IPv4 and IPv6', async (t) => {
  const [client, peer] = await socketPair(t)
  t.is(client.remoteAddress, '127.0.0.1')
  t.is(client.remoteFamily, 'IPv4')
  t.is(client.localAddress, '127.0.0.1')
  t.is(client.localFamily, 'IPv4')
  t.is(peer.remotePort, client.localPort)
  t.is(peer.localPort, client.remotePort)
  t.deepEqual(client.address(), { address: '127.0.0.1', family: 'IPv4', port: client.localPort })

  const server6 = net.createServer()
  const port6 = await listen(t, server6, '::1')
  const s6 = own(t, net.connect(port6, '::1'))
  await waitFor(s6, 'connect')
  t.is(s6.remoteAddress, '::1')
  t.is(s6.remoteFamily, 'IPv6')
  t.deepEqual(server6.address(), { address: '::1', family: 'IPv6', port: port6 })
})

test('connecting state: connecting, pending and readyState move as on node:net', async (t) => {
  const [, port] = await echoServer(t)
  const s = new Socket()
  t.true(s.pending)
  // node:net says 'open' for a socket that was never connected, too
  t.is(s.readyState, 'open')
  s.connect(port, '127.0.0.1')
  t.true(s.connecting)
  t.true(s.pending)
  t.is(s.readyState, 'opening')
  await waitFor(s, 'connect')
  t.false(s.connecting)
  t.false(s.pending)
  t.is(s.readyState, 'open')
  s.end()
  t.is(s.readyState, 'readOnly')
  await waitFor(s, 'close')
  t.is(s.readyState, 'closed')
})

test('events in order for a full exchange: connect, ready, data, end, finish, close(false)', async (t) => {
  const server = net.createServer((c) => c.end('bye'))
  const port = await listen(t, server)
  const s = net.connect(port, '127.0.0.1')
  const seen = recordEvents(s, ['connect', 'ready', 'data', 'end', 'finish', 'close', 'error'])
  s.resume()
  const [hadError] = await waitFor<[boolean]>(s, 'close')
  t.false(hadError)
  t.deepEqual(seen, ['connect', 'ready', 'data', 'end', 'finish', 'close'])
})

test('ECONNREFUSED has node:net shape: message, code, negative errno, syscall, address, port; then close(true)', async (t) => {
  const port = await refusedPort(t)
  const s = net.connect(port, '127.0.0.1')
  const seen = recordEvents(s, ['connect', 'error', 'close'])
  const closed = new Promise<boolean>((r) => s.on('close', r))
  const err = await new Promise<unknown>((r) => s.once('error', r))
  const e = shape(err) as Record<string, unknown>
  t.is(e.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
  t.is(e.code, 'ECONNREFUSED')
  t.is(e.errno, -os.constants.errno.ECONNREFUSED)
  t.is(e.syscall, 'connect')
  t.is(e.address, '127.0.0.1')
  t.is(e.port, port)
  t.true(await guard(closed, 'close after ECONNREFUSED'))
  t.deepEqual(seen, ['error', 'close'])
})

test('a failed name lookup reports the lookup error, after a lookup event carrying it', async (t) => {
  const s = net.connect({ port: 80, host: 'no-such-host.invalid' })
  const lookups: unknown[][] = []
  s.on('lookup', (...a: unknown[]) => lookups.push(a))
  const err = await new Promise<unknown>((r) => s.once('error', r))
  t.regex(String(shape(err).code), /^(ENOTFOUND|EAI_AGAIN)$/)
  t.is(lookups.length, 1)
  t.is(lookups[0]?.[0], err)
})

test('Unix domain paths are a TypeError ERR_INVALID_ARG_VALUE that says only TCP is supported', (t) => {
  for (const call of [() => net.connect('/tmp/some.sock'), () => net.connect({ path: '/tmp/some.sock' }), () => new Socket().connect({ path: '/x' }), () => net.createServer().listen('/tmp/x.sock'), () => net.createServer().listen({ path: '/tmp/x.sock' })]) {
    const err = t.throws(call, { instanceOf: TypeError })
    t.is(shape(err).code, 'ERR_INVALID_ARG_VALUE')
    t.regex(String(err?.message), /TCP only/)
  }
})

test('bad ports are a RangeError ERR_SOCKET_BAD_PORT, thrown by connect', (t) => {
  for (const port of [-1, 65536, 1.5, NaN, '', 'abc0']) {
    const err = t.throws(() => net.connect({ port, host: '127.0.0.1' }))
    t.is(shape(err).code, 'ERR_SOCKET_BAD_PORT', `port ${String(port)}`)
  }
})

test('allowHalfOpen false (default): the peer ending ends our write side too, after queued writes', async (t) => {
  const [client, peer] = await socketPair(t)
  peer.resume()
  const peerEnded = waitFor(peer, 'end')
  client.end('x')
  await peerEnded
  // the server side did not ask to stay half-open, so it ended and the client sees 'end'
  client.resume()
  await waitFor(client, 'end')
  await waitFor(client, 'close')
  t.true(peer.writableEnded)
})

test('allowHalfOpen true: after the peer ends, this side can still write, and the peer reads it', async (t) => {
  const [client, peer] = await socketPair(t, { allowHalfOpen: true })
  peer.resume()
  client.end('request')
  await waitFor(peer, 'end')
  t.false(peer.writableEnded)
  peer.end('late reply')
  t.is((await receiveAll(client)).toString(), 'late reply')
})

test('write after end is ERR_STREAM_WRITE_AFTER_END; write after the peer ended (no half-open) is EPIPE', async (t) => {
  const [client, peer] = await socketPair(t)
  const emitted = new Promise<unknown>((r) => client.once('error', r))
  client.end()
  const err = await new Promise<Error | null | undefined>((r) => client.write('x', r))
  t.is(shape(err).code, 'ERR_STREAM_WRITE_AFTER_END')
  t.is(await emitted, err, 'emitted as an error event too, as node:net does')

  const [c2, p2] = await socketPair(t)
  p2.resume()
  c2.resume()
  p2.on('error', () => {})
  c2.end()
  await waitFor(p2, 'end')
  const e2 = await new Promise<Error | null | undefined>((r) => p2.write('y', r))
  t.is(shape(e2).code, 'EPIPE')
  t.is(e2?.message, 'This socket has been ended by the other party')
  t.truthy(peer)
})

test('write on a socket that never connected fails with ERR_SOCKET_CLOSED', async (t) => {
  const s = new Socket()
  s.on('error', () => {})
  const err = await new Promise<Error | null | undefined>((r) => s.write('x', r))
  t.is(shape(err).code, 'ERR_SOCKET_CLOSED')
})

test('writes made while connecting are sent once connected, in order', async (t) => {
  const [, port] = await echoServer(t)
  const s = own(t, net.connect(port, '127.0.0.1'))
  s.write('a')
  s.write('b')
  s.end('c')
  t.is((await receiveAll(s)).toString(), 'abc')
})

test('setTimeout: an idle socket emits timeout; activity restarts the idle time; 0 disarms it', async (t) => {
  const [client, peer] = await socketPair(t)
  const start = Date.now()
  client.setTimeout(150)
  t.is(client.timeout, 150)
  await waitFor(client, 'timeout')
  t.true(Date.now() - start >= 140, 'not before the idle time')
  t.false(client.destroyed, 'timeout alone does not destroy')

  // Activity restarts the idle time: data arriving 150 ms into a 300 ms timeout moves the timeout
  // to 300 ms after that data; unrefreshed it would fire 150 ms after it. Timers never fire early,
  // so the lower bound (with slack for the event loop's cached clock) cannot fail under load.
  client.setTimeout(300)
  client.resume()
  await new Promise((r) => setTimeout(r, 150))
  const dataAt = new Promise<number>((r) => client.once('data', () => r(Date.now())))
  peer.write('.')
  const lastData = await dataAt
  await waitFor(client, 'timeout')
  t.true(Date.now() - lastData >= 250, `timeout ${Date.now() - lastData} ms after the last data`)
  client.setTimeout(0)
  t.is(client.timeout, 0)
})

test('the timeout option of connect arms the idle timer', async (t) => {
  const [, port] = await echoServer(t)
  const s = own(t, net.connect({ port, host: '127.0.0.1', timeout: 100 }))
  await waitFor(s, 'timeout')
  t.is(s.timeout, 100)
})

test('destroy(err): error, then close(true); destroy() without error: close(false) only', async (t) => {
  const [client] = await socketPair(t)
  const seen = recordEvents(client, ['error', 'close'])
  const boom = new Error('boom')
  const gotErr = new Promise<unknown>((r) => client.once('error', r))
  client.destroy(boom)
  t.is(await gotErr, boom)
  const [hadError] = await waitFor<[boolean]>(client, 'close')
  t.true(hadError)
  t.deepEqual(seen, ['error', 'close'])

  const [c2] = await socketPair(t)
  c2.destroy()
  const [had2] = await waitFor<[boolean]>(c2, 'close')
  t.false(had2)
})

test('resetAndDestroy sends an RST: the peer reads ECONNRESET', async (t) => {
  const [client, peer] = await socketPair(t)
  const err = new Promise<unknown>((r) => peer.once('error', r))
  peer.resume()
  client.resetAndDestroy()
  const e = shape(await guard(err, 'peer error after RST'))
  t.is(e.code, 'ECONNRESET')
  t.is(e.syscall, 'read')
  t.is(e.errno, -os.constants.errno.ECONNRESET)
})

test('destroySoon ends the socket and destroys it once the writes are flushed', async (t) => {
  const [client, peer] = await socketPair(t)
  const got = receiveAll(peer)
  client.write('flushed before close')
  client.destroySoon()
  await waitFor(client, 'close')
  t.is((await got).toString(), 'flushed before close')
})

test('cork/uncork hands the batch to _writev in one call, and every byte arrives in order', async (t) => {
  const [client, peer] = await socketPair(t)
  const batches: number[] = []
  const original = client._writev.bind(client)
  client._writev = (chunks, cb) => {
    batches.push(chunks.length)
    original(chunks, cb)
  }
  const got = receiveAll(peer)
  client.cork()
  for (let i = 0; i < 10; i++) client.write(`${i},`)
  client.uncork()
  client.end()
  t.is((await got).toString(), '0,1,2,3,4,5,6,7,8,9,')
  t.deepEqual(batches, [10])
})

test('a corked batch of more chunks than one vectored write takes (5,000 > IOV_MAX) arrives whole and in order', async (t) => {
  const [client, peer] = await socketPair(t)
  const got = receiveAll(peer)
  const expected: string[] = []
  client.cork()
  for (let i = 0; i < 5000; i++) {
    expected.push(`${i},`)
    client.write(`${i},`)
  }
  client.uncork()
  client.end()
  t.is((await got).toString(), expected.join(''))
})

test('many writes in one tick: every callback runs once, in order, without error, and every byte arrives in order', async (t) => {
  const [client, peer] = await socketPair(t)
  const got = receiveAll(peer)
  const calls: Array<[number, unknown]> = []
  const expected: string[] = []
  for (let i = 0; i < 2000; i++) {
    expected.push(`${i},`)
    client.write(`${i},`, (err) => calls.push([i, err ?? null]))
  }
  client.end()
  t.is((await got).toString(), expected.join(''))
  if (!client.writableFinished) await waitFor(client, 'finish')
  t.deepEqual(
    calls,
    expected.map((_, i) => [i, null]),
  )
  t.is(client.bytesWritten, expected.join('').length)
})

test('writes made in one tick and then destroy(): the peer still receives every byte, as on node:net', async (t) => {
  const [client, peer] = await socketPair(t)
  const got = receiveAll(peer)
  client.write('first,')
  client.write('second,')
  client.write('third,')
  client.write('fourth')
  client.destroy()
  t.is((await got).toString(), 'first,second,third,fourth')
})

test('bytesRead and bytesWritten count the payload both ways', async (t) => {
  const [client, peer] = await socketPair(t)
  const payload = Buffer.alloc(300_000, 7)
  const got = receiveAll(peer)
  client.end(payload)
  t.is((await got).length, payload.length)
  t.is(peer.bytesRead, payload.length)
  if (!client.writableFinished) await waitFor(client, 'finish')
  t.is(client.bytesWritten, payload.length)
})

test('setNoDelay reaches the TcpStream; tcpStream hands it back; Socket.from wraps an existing one', async (t) => {
  const [client] = await socketPair(t)
  const stream = client.tcpStream
  t.true(stream instanceof TcpStream)
  client.setNoDelay(true)
  t.true(stream?.nodelay())
  client.setNoDelay(false)
  t.false(stream?.nodelay())

  const listener = await TcpListener.bind('127.0.0.1:0')
  t.teardown(() => listener.close())
  const [raw, [rawPeer]] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()])
  t.teardown(() => rawPeer.close())
  const wrapped = own(t, Socket.from(raw))
  t.is(wrapped.tcpStream, raw)
  t.false(wrapped.connecting)
  await rawPeer.writeAll(Buffer.from('from raw'))
  await rawPeer.shutdown()
  t.is((await receiveAll(wrapped)).toString(), 'from raw')
})

test('the noDelay option applies on connect', async (t) => {
  const [, port] = await echoServer(t)
  const s = own(t, net.connect({ port, host: '127.0.0.1', noDelay: true }))
  await waitFor(s, 'connect')
  t.true(s.tcpStream?.nodelay())
})

test('localAddress and localPort bind the client side before connecting', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server, '0.0.0.0')
  const accepted = waitFor<[Socket]>(server, 'connection')
  const s = own(t, net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }))
  await waitFor(s, 'connect')
  const [peer] = await accepted
  own(t, peer)
  t.is(s.localAddress, '127.0.0.2')
  t.is(peer.remoteAddress, '127.0.0.2')
})

test('an aborted signal destroys a connecting socket with an AbortError', async (t) => {
  const [, port] = await echoServer(t)
  const ac = new AbortController()
  const s = net.connect({ port, host: '127.0.0.1', signal: ac.signal })
  ac.abort()
  const err = await new Promise<unknown>((r) => s.once('error', r))
  t.is(shape(err).name, 'AbortError')
  await waitFor(s, 'close')
  t.true(s.destroyed)
})

test('the onread option reads into the given buffer and pauses when the callback returns false', async (t) => {
  const server = net.createServer((c) => c.end('abcdefghij'))
  const port = await listen(t, server)
  const buffer = Buffer.alloc(4)
  const seen: string[] = []
  let pauses = 0
  const s = own(
    t,
    net.connect({
      port,
      host: '127.0.0.1',
      onread: {
        buffer,
        callback(n, buf) {
          seen.push(Buffer.from(buf.subarray(0, n)).toString())
          if (seen.join('').length < 10 && pauses === 0) {
            pauses++
            setTimeout(() => s.resume(), 20)
            return false
          }
          return true
        },
      },
    }),
  )
  s.resume()
  await waitFor(s, 'end')
  t.is(seen.join(''), 'abcdefghij')
  t.true(seen.every((c) => c.length <= 4))
  t.is(pauses, 1)
})

test('resetAndDestroy on a socket that never connected errors with ERR_SOCKET_CLOSED, as node:net does', async (t) => {
  const socket = new Socket()
  socket.resetAndDestroy()
  const err = await new Promise<unknown>((r) => socket.once('error', r))
  t.is(shape(err).code, 'ERR_SOCKET_CLOSED')
})

test('resetAndDestroy while connecting resets the connection once it is made', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const peerError = new Promise<unknown>((resolve) =>
    server.on('connection', (s: Socket) => {
      s.on('error', resolve)
      s.resume()
    }),
  )
  const socket = net.connect(port, '127.0.0.1')
  socket.resetAndDestroy()
  await waitFor(socket, 'close')
  t.is(shape(await guard(peerError, 'peer sees the reset')).code, 'ECONNRESET')
})
