// tokio-net/net Server: listen forms, address(), EADDRINUSE in node:net's shape, close() waiting
// for connections, getConnections, maxConnections, pauseOnConnect, signal.

import type { AddressInfo } from 'node:net'
import os from 'node:os'

import test from 'ava'

import net, { Server } from '../lib/net/index.js'
import type { Socket } from '../lib/net/index.js'

import { guard, shape } from './helpers/index.js'
import { listen, own, receiveAll, socketPair, waitFor } from './helpers/net.js'

async function listening(server: Server): Promise<void> {
  if (!server.listening) await waitFor(server, 'listening')
}

test('listen forms: (port, host, cb), (port, host, backlog, cb), (options, cb), (port, cb), (cb)', async (t) => {
  const forms: Array<[string, (s: Server, cb: () => void) => void, string]> = [
    ['(0, host, cb)', (s, cb) => s.listen(0, '127.0.0.1', cb), '127.0.0.1'],
    ['(0, host, backlog, cb)', (s, cb) => s.listen(0, '127.0.0.1', 10, cb), '127.0.0.1'],
    ['({ port, host, backlog }, cb)', (s, cb) => s.listen({ port: 0, host: '127.0.0.1', backlog: 5 }, cb), '127.0.0.1'],
    ['({ port: "0", host: "localhost" }, cb)', (s, cb) => s.listen({ port: '0', host: 'localhost' }, cb), ''],
    ['(0, cb): any address, dual-stack', (s, cb) => s.listen(0, cb), '::'],
    ['(cb)', (s, cb) => s.listen(cb), '::'],
  ]
  for (const [label, call, address] of forms) {
    const server = net.createServer((c) => c.end('hi'))
    t.teardown(() => server.close())
    let called = false
    call(server, () => (called = true))
    await listening(server)
    await new Promise((r) => setImmediate(r))
    t.true(called, `${label}: callback`)
    t.true(server.listening, label)
    const a = server.address()
    t.truthy(a, label)
    if (!a) continue
    t.true(a.port > 0, label)
    if (address) t.is(a.address, address, label)
    const c = net.connect(a.port, '127.0.0.1')
    t.is((await receiveAll(c, label)).toString(), 'hi', label)
    server.close()
  }
})

test('EADDRINUSE: an error event with node:net shape, and the server is not listening', async (t) => {
  const first = net.createServer()
  const port = await listen(t, first)
  const second = net.createServer()
  second.listen(port, '127.0.0.1')
  const err = shape(await guard(new Promise((r) => second.once('error', r)), 'EADDRINUSE')) as Record<string, unknown>
  t.is(err.code, 'EADDRINUSE')
  t.is(err.errno, -os.constants.errno.EADDRINUSE)
  t.is(err.syscall, 'listen')
  t.is(err.address, '127.0.0.1')
  t.is(err.port, port)
  t.is(err.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
  t.false(second.listening)
  t.is(second.address(), null)
})

test('listen twice throws ERR_SERVER_ALREADY_LISTEN', async (t) => {
  const server = net.createServer()
  await listen(t, server)
  const err = t.throws(() => server.listen(0))
  t.is(shape(err).code, 'ERR_SERVER_ALREADY_LISTEN')
})

test('close() stops accepting at once, and close fires only after the last connection ends', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const accepted = waitFor<[Socket]>(server, 'connection')
  const client = own(t, net.connect(port, '127.0.0.1'))
  const [peer] = await accepted
  let closed = false
  const closedP = new Promise<void>((r) =>
    server.close(() => {
      closed = true
      r()
    }),
  )
  t.false(server.listening)
  t.is(server.address(), null)
  let lateConnection = false
  server.on('connection', () => (lateConnection = true))
  await new Promise((r) => setTimeout(r, 50))
  t.false(closed, 'close waits for the open connection')
  peer.end()
  client.end()
  await guard(closedP, 'server close after the last connection')
  t.true(closed)
  t.false(lateConnection)
})

// TcpListener.close() with an accept pending stops listening at once, so a connection attempted
// right after close() is refused, as node:net refuses it (it used to be queued, then reset).
test('a connection attempted right after close() is refused, as on node:net', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  server.close()
  const s = net.connect(port, '127.0.0.1')
  own(t, s)
  const outcome = await guard(
    new Promise<string>((resolve) => {
      s.once('error', (e) => resolve(String(shape(e).code)))
      s.once('connect', () => resolve('connected'))
    }),
    'connect after close',
  )
  t.is(outcome, 'ECONNREFUSED')
})

test('close(cb) on a server that is not listening calls back with ERR_SERVER_NOT_RUNNING', async (t) => {
  const server = new Server()
  const err = await new Promise<Error | undefined>((r) => server.close(r))
  t.is(shape(err).code, 'ERR_SERVER_NOT_RUNNING')
})

test('getConnections counts open connections; connection sockets know their server', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const peers: Socket[] = []
  server.on('connection', (s: Socket) => peers.push(s))
  const clients = [0, 1, 2].map(() => own(t, net.connect(port, '127.0.0.1')))
  await Promise.all(clients.map((c) => waitFor(c, 'connect')))
  while (peers.length < 3) await waitFor(server, 'connection')
  const count = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))
  t.is(count, 3)
  t.is(peers[0]?.server, server)
  peers[0]?.destroy()
  await waitFor(peers[0], 'close')
  t.is(await new Promise<number>((r) => server.getConnections((_e, n) => r(n))), 2)
})

test('maxConnections: connections beyond it are closed and reported with a drop event', async (t) => {
  const server = net.createServer()
  server.maxConnections = 1
  const port = await listen(t, server)
  const first = own(t, net.connect(port, '127.0.0.1'))
  await waitFor(server, 'connection')
  const dropped = waitFor<[{ remotePort?: number }]>(server, 'drop')
  const second = own(t, net.connect(port, '127.0.0.1'))
  second.on('error', () => {})
  second.resume()
  const [info] = await dropped
  await waitFor(second, 'close')
  t.is(info.remotePort, second.localPort ?? info.remotePort)
  t.false(first.destroyed)
})

test('pauseOnConnect: the accepted socket reads nothing until resumed', async (t) => {
  const [client, peer] = await socketPair(t, { pauseOnConnect: true })
  client.write('waiting')
  await new Promise((r) => setTimeout(r, 100))
  t.is(peer.bytesRead, 0, 'no read was issued while paused')
  const got = receiveAll(peer)
  peer.resume()
  client.end()
  t.is((await got).toString(), 'waiting')
})

test('server options allowHalfOpen and noDelay reach accepted sockets', async (t) => {
  const [client, peer] = await socketPair(t, { allowHalfOpen: true })
  t.true(peer.allowHalfOpen)
  t.truthy(client)
  const server = net.createServer({ noDelay: true })
  const port = await listen(t, server)
  const accepted = waitFor<[Socket]>(server, 'connection')
  own(t, net.connect(port, '127.0.0.1'))
  const [s] = await accepted
  own(t, s)
  t.true(s.tcpStream?.nodelay())
})

test('listen with an AbortSignal: aborting closes the server', async (t) => {
  const ac = new AbortController()
  const server = net.createServer()
  server.listen({ port: 0, host: '127.0.0.1', signal: ac.signal })
  await waitFor(server, 'listening')
  const closed = waitFor(server, 'close')
  ac.abort()
  await closed
  t.false(server.listening)
})

test('close() while the bind is still in flight: no listening event, close fires, the port is free', async (t) => {
  const server = net.createServer()
  let listened = false
  server.on('listening', () => (listened = true))
  server.listen(0, '127.0.0.1')
  server.close()
  await waitFor(server, 'close')
  await new Promise((r) => setTimeout(r, 50))
  t.false(listened)
  t.false(server.listening)
})

test('await using closes the server', async (t) => {
  let server: Server
  {
    await using s = net.createServer()
    server = s
    await listen(t, s)
    t.true(s.listening)
  }
  t.false(server.listening)
})

test('the port is free once close fires: a close callback can listen on the same port again (20 rounds)', async (t) => {
  for (let i = 0; i < 20; i++) {
    const server = net.createServer()
    const port = await listen(t, server)
    await new Promise<void>((r) => server.close(() => r()))
    const again = net.createServer()
    again.listen(port, '127.0.0.1')
    const outcome = await guard(
      new Promise<string>((resolve) => {
        again.once('listening', () => resolve('listening'))
        again.once('error', (e) => resolve(String(shape(e).code)))
      }),
      `round ${i}: listen again`,
    )
    again.close()
    t.is(outcome, 'listening', `round ${i}`)
  }
})

test('listen({ ipv6Only: true }) on the IPv6 any-address takes IPv6 connections and refuses IPv4 ones', async (t) => {
  const server = net.createServer((s) => s.end())
  await new Promise<void>((resolve) => server.listen({ host: '::', port: 0, ipv6Only: true }, resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '::1', () => {
      c.destroy()
      resolve()
    })
    c.on('error', reject)
  })
  const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => resolve(new Error('connected')))
    c.on('error', resolve)
  })
  t.is(refused.code, 'ECONNREFUSED')
})

test('setKeepAlive(true, initialDelay) on a connected socket turns keepalive on; setKeepAlive(false) off', async (t) => {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const c = net.connect(port, '127.0.0.1')
  t.teardown(() => c.destroy())
  await new Promise<void>((resolve) => c.once('connect', () => resolve()))
  t.false(c.tcpStream!.keepalive())
  c.setKeepAlive(true, 10_000)
  t.true(c.tcpStream!.keepalive())
  c.setKeepAlive(false)
  t.false(c.tcpStream!.keepalive())
  const k = net.connect({ port, host: '127.0.0.1', keepAlive: true, keepAliveInitialDelay: 5_000 })
  t.teardown(() => k.destroy())
  await new Promise<void>((resolve) => k.once('connect', () => resolve()))
  t.true(k.tcpStream!.keepalive(), 'keepAlive option applied before connecting')
})
