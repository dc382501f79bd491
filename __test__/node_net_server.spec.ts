// Ports of Node's test/parallel/test-net-*.js server cases, run against tokio-net/net.
// Each test is named after the Node file it ports.

import os from 'node:os'

import test from 'ava'

import net from '../lib/net/index.js'
import type { Server, ServerOptions, Socket } from '../lib/net/index.js'

import { guard, shape } from './helpers/index.js'
import { listen, own, waitFor } from './helpers/net.js'

function closed(server: Server): Promise<void> {
  return guard(new Promise<void>((r) => server.once('close', () => r())), 'server close')
}

test('test-net-server-address: address() for 127.0.0.1, ::1, and the default (::, IPv6)', async (t) => {
  const v4 = net.createServer()
  await listen(t, v4, '127.0.0.1')
  const a4 = v4.address()
  t.is(a4?.address, '127.0.0.1')
  t.is(a4?.family, 'IPv4')

  const v6 = net.createServer()
  await listen(t, v6, '::1')
  const a6 = v6.address()
  t.is(a6?.address, '::1')
  t.is(a6?.family, 'IPv6')

  const any = net.createServer()
  any.listen(0)
  t.teardown(() => any.close())
  await waitFor(any, 'listening')
  t.is(any.address()?.address, '::')
  t.is(any.address()?.family, 'IPv6')
})

// node:net counts a connection gone in its destroy() and emits the server's 'close' on the next
// tick, before the sockets' own 'close' (which waits for the handle to close): Node 20, 22 and 24
// all print ['server', 'client', 'client'] for this program.
test('test-net-server-close: close() with open connections: the server closes once both sockets are destroyed, before their close events', async (t) => {
  const events: string[] = []
  const sockets: Socket[] = []
  const server = net.createServer((c) => {
    c.on('close', () => events.push('client'))
    sockets.push(c)
    if (sockets.length === 2) {
      server.close()
      for (const s of sockets) s.destroy()
    }
  })
  server.on('close', () => events.push('server'))
  const port = await listen(t, server)
  const done = closed(server)
  own(t, net.createConnection(port, '127.0.0.1')).on('error', () => {})
  own(t, net.createConnection(port, '127.0.0.1')).on('error', () => {})
  await done
  await waitFor(sockets[1], 'close')
  t.deepEqual(events, ['server', 'client', 'client'])
})

test('test-net-server-listen-options: listen({port}), listen({port, host}), bad options throw', async (t) => {
  for (const opts of [{ port: 0 }, { port: 0, host: '127.0.0.1' }, { port: 0, host: 'localhost' }]) {
    const s = net.createServer()
    s.listen(opts)
    await waitFor(s, 'listening')
    t.true(s.listening)
    s.close()
  }
  const bad = [{}, { host: undefined as unknown as string, port: undefined }, { fd: 7 } as unknown as object]
  for (const opts of bad) {
    const err = t.throws(() => net.createServer().listen(opts))
    t.is(shape(err).code, 'ERR_INVALID_ARG_VALUE')
  }
  for (const port of [-1, 65536, 'abc0', 1.5]) {
    const err = t.throws(() => net.createServer().listen({ port }))
    t.is(shape(err).code, 'ERR_SOCKET_BAD_PORT', String(port))
  }
})

test('test-net-server-options: createServer with a non-object, non-function argument throws', (t) => {
  for (const bad of ['hello', 42, true]) {
    const err = t.throws(() => net.createServer(bad as unknown as ServerOptions))
    t.is(shape(err).code, 'ERR_INVALID_ARG_TYPE')
  }
})

test('test-net-server-max-connections: connections past maxConnections are closed by the server', async (t) => {
  const N = 5
  const server = net.createServer((c) => c.resume())
  server.maxConnections = 2
  const port = await listen(t, server)
  let accepted = 0
  server.on('connection', () => accepted++)
  const results: Array<'open' | 'closed'> = []
  const clients: Socket[] = []
  for (let i = 0; i < N; i++) {
    const c = own(t, net.connect(port, '127.0.0.1'))
    c.on('error', () => {})
    clients.push(c)
    await waitFor(c, 'connect')
    const state = await Promise.race([
      new Promise<'closed'>((r) => c.once('close', () => r('closed'))),
      new Promise<'open'>((r) => setTimeout(() => r('open'), 200)),
    ])
    c.resume()
    results.push(state)
  }
  t.deepEqual(results, ['open', 'open', 'closed', 'closed', 'closed'])
  t.is(accepted, 2)
})

test('test-net-server-drop-connections: drop event carries the dropped peer', async (t) => {
  const server = net.createServer()
  server.maxConnections = 0
  const port = await listen(t, server)
  const drop = waitFor<[{ localAddress?: string; localPort?: number; remoteAddress?: string; remoteFamily?: string }]>(server, 'drop')
  const c = own(t, net.connect(port, '127.0.0.1'))
  c.on('error', () => {})
  const [info] = await drop
  t.is(info.localAddress, '127.0.0.1')
  t.is(info.localPort, port)
  t.is(info.remoteAddress, '127.0.0.1')
  t.is(info.remoteFamily, 'IPv4')
})

test('test-net-server-pause-on-connect: the paused socket gets no data until resumed; the other one does', async (t) => {
  const msg = 'test'
  let stopped = true
  let pausedGot = ''
  let freeGot = ''
  const paused = net.createServer({ pauseOnConnect: true }, (s) => {
    s.setEncoding('utf8')
    s.on('data', (d: string) => {
      t.false(stopped, 'data while paused')
      pausedGot += d
    })
    setTimeout(() => {
      stopped = false
      s.resume()
    }, 100)
  })
  const free = net.createServer({ pauseOnConnect: false }, (s) => {
    s.setEncoding('utf8')
    s.on('data', (d: string) => (freeGot += d))
  })
  const p1 = await listen(t, paused)
  const p2 = await listen(t, free)
  const c1 = own(t, net.connect(p1, '127.0.0.1'))
  const c2 = own(t, net.connect(p2, '127.0.0.1'))
  c1.end(msg)
  c2.end(msg)
  const ok = await guard(
    (async () => {
      while (pausedGot !== msg || freeGot !== msg) await new Promise((r) => setTimeout(r, 10))
      return true
    })(),
    'both servers got the message',
  )
  t.true(ok)
})

test('test-net-server-try-ports / test-net-eaddrinuse: a second listen on a busy port gets EADDRINUSE', async (t) => {
  const first = net.createServer()
  const port = await listen(t, first)
  const second = net.createServer()
  second.on('listening', () => t.fail('second listen succeeded'))
  second.listen(port, '127.0.0.1')
  const e = shape(await new Promise((r) => second.once('error', r)))
  t.is(e.code, 'EADDRINUSE')
})

test('test-net-better-error-messages-listen: the message names the address and port', async (t) => {
  const first = net.createServer()
  const port = await listen(t, first)
  const second = net.createServer()
  second.listen(port, '127.0.0.1')
  const e = shape(await new Promise((r) => second.once('error', r))) as Record<string, unknown>
  t.is(e.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
  t.is(e.errno, -os.constants.errno.EADDRINUSE)
  t.is(e.syscall, 'listen')
})

test('test-net-server-call-listen-multiple-times: a second listen throws; after close it listens again', async (t) => {
  const server = net.createServer()
  await listen(t, server)
  const err = t.throws(() => server.listen())
  t.is(shape(err).code, 'ERR_SERVER_ALREADY_LISTEN')
  const c = closed(server)
  server.close()
  await c
  server.listen(0, '127.0.0.1')
  await waitFor(server, 'listening')
  t.true(server.listening)
})

test('test-net-listen-close-server: close() right after listen(): no listening event', async (t) => {
  const server = net.createServer()
  server.listen(0, '127.0.0.1', () => t.fail('listening'))
  server.close()
  await closed(server)
  await new Promise((r) => setTimeout(r, 50))
  t.false(server.listening)
})

test('test-net-listen-error: an unbindable address is an error event, not a throw', async (t) => {
  const server = net.createServer()
  server.listen(0, '203.0.113.1')
  const e = shape(await new Promise((r) => server.once('error', r)))
  t.is(e.code, 'EADDRNOTAVAIL')
  t.is(e.syscall, 'listen')
})

test('test-net-listening: server.listening is false, then true once listening', async (t) => {
  const server = net.createServer()
  t.false(server.listening)
  server.listen(0, '127.0.0.1')
  await waitFor(server, 'listening')
  t.true(server.listening)
  server.close()
  t.false(server.listening)
})

test('test-net-server-connections: getConnections counts, and close callbacks see zero after', async (t) => {
  const server = net.createServer((s) => s.resume())
  const port = await listen(t, server)
  const c1 = own(t, net.connect(port, '127.0.0.1'))
  await waitFor(server, 'connection')
  const n = await new Promise<number>((r) => server.getConnections((err, count) => { t.is(err, null); r(count) }))
  t.is(n, 1)
  c1.destroy()
  const done = closed(server)
  server.close()
  await done
  t.is(await new Promise<number>((r) => server.getConnections((_e, count) => r(count))), 0)
})

test('test-net-server-close-before-calling-lookup-callback: close() during the host lookup of listen', async (t) => {
  const server = net.createServer()
  server.on('listening', () => t.fail('listening after close'))
  server.listen({ port: 0, host: 'localhost' })
  server.close()
  await closed(server)
  await new Promise((r) => setTimeout(r, 100))
  t.false(server.listening)
})

test('test-net-server-listen-remove-callback: the listen callback runs once; a later listen gets its own', async (t) => {
  const server = net.createServer()
  let first = 0
  let second = 0
  server.listen(0, '127.0.0.1', () => first++)
  await waitFor(server, 'listening')
  server.close()
  await closed(server)
  server.listen(0, '127.0.0.1', () => second++)
  t.teardown(() => server.close())
  await waitFor(server, 'listening')
  await new Promise((r) => setImmediate(r))
  t.is(first, 1)
  t.is(second, 1)
})

test('test-net-server-listen-options-signal: aborting closes the server; an aborted signal never listens', async (t) => {
  const ac = new AbortController()
  const server = net.createServer()
  server.listen({ port: 0, host: '127.0.0.1', signal: ac.signal })
  await waitFor(server, 'listening')
  const c = closed(server)
  ac.abort()
  await c
  const pre = net.createServer()
  pre.on('listening', () => t.fail('listened with an aborted signal'))
  pre.listen({ port: 0, host: '127.0.0.1', signal: AbortSignal.abort() })
  await closed(pre)
  t.false(pre.listening)
})
