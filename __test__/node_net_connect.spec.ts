// Ports of Node's test/parallel/test-net-*.js connect cases, run against tokio-net/net.
// Each test is named after the Node file it ports; the assertions are Node's, adapted to ava
// (common.mustCall becomes an awaited event or a counted callback).

import dns from 'node:dns'

import test from 'ava'

import net from '../lib/net/index.js'
import type { Socket } from '../lib/net/index.js'

import { guard, refusedPort, shape } from './helpers/index.js'
import { listen, own, receiveAll, waitFor } from './helpers/net.js'

type ConnectFn = (...args: unknown[]) => Socket

/** The six ways test-net-connect-options-port opens a connection with the same arguments. */
function doConnect(args: unknown[], cb: () => void): Array<[string, () => Socket]> {
  const call = (f: ConnectFn, a: unknown[]) => f(...a)
  return [
    ['createConnectionWithCb', () => call(net.createConnection as ConnectFn, [...args, cb]).resume()],
    ['createConnectionWithoutCb', () => call(net.createConnection as ConnectFn, args).on('connect', cb).resume()],
    ['connectWithCb', () => call(net.connect as ConnectFn, [...args, cb]).resume()],
    ['connectWithoutCb', () => call(net.connect as ConnectFn, args).on('connect', cb).resume()],
    ['socketConnectWithCb', () => { const s = new net.Socket(); return call(s.connect.bind(s) as ConnectFn, [...args, cb]).resume() }],
    ['socketConnectWithoutCb', () => { const s = new net.Socket(); return call(s.connect.bind(s) as ConnectFn, args).on('connect', cb).resume() }],
  ]
}

test('test-net-connect-options-port: wrong port types and out-of-range ports throw synchronously', (t) => {
  const never = () => t.fail('connected')
  const cases: Array<[unknown, string, string, boolean]> = [
    [true, 'ERR_INVALID_ARG_TYPE', 'TypeError', false],
    [false, 'ERR_INVALID_ARG_TYPE', 'TypeError', false],
    [[], 'ERR_INVALID_ARG_TYPE', 'TypeError', true],
    [{}, 'ERR_INVALID_ARG_TYPE', 'TypeError', true],
    [null, 'ERR_INVALID_ARG_TYPE', 'TypeError', false],
    ['', 'ERR_SOCKET_BAD_PORT', 'RangeError', false],
    [' ', 'ERR_SOCKET_BAD_PORT', 'RangeError', false],
    ['0x', 'ERR_SOCKET_BAD_PORT', 'RangeError', true],
    ['-0x1', 'ERR_SOCKET_BAD_PORT', 'RangeError', true],
    [NaN, 'ERR_SOCKET_BAD_PORT', 'RangeError', false],
    [Infinity, 'ERR_SOCKET_BAD_PORT', 'RangeError', false],
    [-1, 'ERR_SOCKET_BAD_PORT', 'RangeError', false],
    [65536, 'ERR_SOCKET_BAD_PORT', 'RangeError', false],
  ]
  for (const [port, code, name, optOnly] of cases) {
    const argSets: unknown[][] = optOnly ? [] : [[port], [port, 'localhost']]
    argSets.push([{ port }], [{ port, host: 'localhost' }])
    for (const args of argSets) {
      for (const [fname, fn] of doConnect(args, never)) {
        const err = t.throws(fn, undefined, `${fname}(${String(port)})`)
        t.is(shape(err).code, code, `${fname}(${JSON.stringify(args)})`)
        t.is(err?.name, name)
      }
    }
  }
})

test('test-net-connect-options-port: invalid hints throw ERR_INVALID_ARG_VALUE', (t) => {
  const hints = (dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL) + 42
  for (const [, fn] of doConnect([{ port: 42, hints }], () => t.fail('connected'))) {
    const err = t.throws(fn, { instanceOf: TypeError })
    t.is(shape(err).code, 'ERR_INVALID_ARG_VALUE')
    t.regex(String(err?.message), /The argument 'hints' is invalid\. Received \d+/)
  }
})

test('test-net-connect-options-port: 72 valid combinations of port forms connect; port 0 fails asynchronously', async (t) => {
  const expected = 72
  let served = 0
  const server = net.createServer((s) => {
    s.end('ok')
    served++
  })
  const port = await listen(t, server, '127.0.0.1')
  let connected = 0
  const sockets: Socket[] = []
  const onConnect = () => connected++
  for (const p of [port, String(port), `0x${port.toString(16)}`]) {
    for (const args of [[p], [p, '127.0.0.1'], [{ port: p }], [{ port: p, host: '127.0.0.1' }]]) {
      for (const [, fn] of doConnect(args, onConnect)) sockets.push(own(t, fn()))
    }
  }
  await guard(Promise.all(sockets.map((s) => waitFor(s, 'end'))), '72 connections')
  t.is(connected, expected)
  t.is(served, expected)

  // Port 0: connect E... asynchronously, as an error event.
  const errors: string[] = []
  for (const args of [[0], [{ port: 0 }], [{ port: 0, host: 'localhost' }]]) {
    for (const [, fn] of doConnect(args, () => t.fail('connected to port 0'))) {
      const s = fn()
      errors.push(String(await new Promise((r) => s.once('error', r))))
    }
  }
  for (const e of errors) t.regex(e, /^Error: connect E\w+.+$/)
})

test('test-net-connect-no-arg: connect() without a port throws ERR_MISSING_ARGS', (t) => {
  const message = 'The "options" or "port" or "path" argument must be specified'
  for (const fn of [() => (net.connect as ConnectFn)(), () => (net.createConnection as ConnectFn)(), () => (new net.Socket().connect as ConnectFn)(), () => net.connect({}), () => new net.Socket().connect({})]) {
    const err = t.throws(fn)
    t.is(shape(err).code, 'ERR_MISSING_ARGS')
    t.is(err?.message, message)
  }
})

test('test-net-connect-call-socket-connect: Socket.prototype.connect with options and a callback', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  const socket = own(t, new net.Socket())
  let called = 0
  socket.connect({ port, host: '127.0.0.1' }, () => called++)
  await waitFor(socket, 'connect')
  t.is(called, 1)
})

test('test-net-connect-after-destroy: destroy() right after connect: no connect event, close follows', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const c = net.createConnection(port, '127.0.0.1')
  c.on('connect', () => t.fail('connect after destroy'))
  c.destroy()
  await waitFor(c, 'close')
  await new Promise((r) => setTimeout(r, 50))
  t.true(c.destroyed)
})

test('test-net-connect-destroy: a destroyed socket emits close once', async (t) => {
  const socket = new net.Socket()
  let closes = 0
  socket.on('close', () => closes++)
  socket.destroy()
  socket.destroy()
  await new Promise((r) => setTimeout(r, 20))
  t.is(closes, 1)
})

test('test-net-connect-buffer: writes before connect are buffered, counted, and arrive with end()', async (t) => {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    receiveAll(s).then((b) => s.end(b), () => {})
  })
  const port = await listen(t, server)
  const client = own(t, net.createConnection({ port, host: '127.0.0.1' }))
  t.is(client.readyState, 'opening')
  t.true(client.connecting)
  t.true(client.pending)
  const dataToSend = 'L'.repeat(1000)
  for (let i = 0; i < 50; i++) t.is(client.write(dataToSend), client.writableLength < client.writableHighWaterMark)
  t.is(client.bytesWritten, 50 * dataToSend.length, 'queued bytes count as written, as node:net counts them')
  client.end()
  const echoed = await receiveAll(client)
  t.is(echoed.length, 50 * 1000)
  t.is(client.bytesWritten, 50 * 1000)
})

test('test-net-connect-options-allowhalfopen: allowHalfOpen on both sides keeps each write side open after end', async (t) => {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.resume()
    s.on('end', () => {
      t.false(s.writableEnded)
      s.end('server-done')
    })
  })
  const port = await listen(t, server)
  const client = own(t, net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }))
  await waitFor(client, 'connect')
  t.true(client.allowHalfOpen)
  client.end('client-done')
  const got = await receiveAll(client)
  t.is(got.toString(), 'server-done')
  await waitFor(client, 'close')
})

test('test-net-connect-reset-until-connected: resetAndDestroy once both ends are connected: the server reads ECONNRESET', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  const conn = net.createConnection(port, '127.0.0.1')
  const closed = guard(new Promise((r) => conn.once('close', r)), 'client close')
  const serverError = new Promise<unknown>((resolve) =>
    server.on('connection', (socket: Socket) => {
      socket.on('error', resolve)
      socket.resume()
    }),
  )
  await Promise.all([waitFor(conn, 'connect'), waitFor(server, 'connection')])
  conn.resetAndDestroy()
  await closed
  const e = shape(await guard(serverError, 'server socket error')) as Record<string, unknown>
  t.is(e.code, 'ECONNRESET')
  t.is(e.message, 'read ECONNRESET')
  t.is(e.name, 'Error')
})

test('test-net-connect-reset-after-destroy: resetAndDestroy().destroy() returns the socket; later writes fail with ERR_STREAM_DESTROYED', async (t) => {
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
  t.is(writeErr?.message, 'Cannot call write after a stream was destroyed')
  t.is(shape(await guard(serverError, 'server socket error')).code, 'ECONNRESET')
})

test('test-net-connect-immediate-finish: end() before a failing lookup: the lookup error is reported', async (t) => {
  const client = net.connect({ host: 'this.hostname.is.invalid', port: 80, lookup: (_h, _o, cb) => process.nextTick(cb, Object.assign(new Error('getaddrinfo ENOTFOUND this.hostname.is.invalid'), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'this.hostname.is.invalid' }), '', 4) })
  client.end()
  const err = shape(await new Promise((r) => client.once('error', r)))
  t.is(err.code, 'ENOTFOUND')
  t.is(err.syscall, 'getaddrinfo')
  await waitFor(client, 'close')
})

test('test-net-connect-handle-econnrefused: a refused connection is an ECONNREFUSED error event', async (t) => {
  const port = await refusedPort(t)
  const c = net.createConnection(port, '127.0.0.1')
  c.on('connect', () => t.fail('connected'))
  const e = shape(await new Promise((r) => c.once('error', r)))
  t.is(e.code, 'ECONNREFUSED')
})

test('test-net-better-error-messages-port-hostname: the lookup error names the host', async (t) => {
  const c = net.createConnection({ port: 80, host: 'something.invalid', lookup: (host, _o, cb) => cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }), '', 4) })
  c.on('connect', () => t.fail('connected'))
  const e = shape(await new Promise((r) => c.once('error', r))) as Record<string, unknown>
  t.is(e.code, 'ENOTFOUND')
  t.is(e.message, 'getaddrinfo ENOTFOUND something.invalid')
  t.is(e.hostname, 'something.invalid')
})

test('test-net-dns-lookup: lookup event (null, address, family, host) before connect for localhost', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  const c = own(t, net.connect({ port, host: 'localhost', family: 4 }))
  const connected = waitFor(c, 'connect')
  const [err, ip, family, host] = await waitFor<[unknown, string, number, string]>(c, 'lookup')
  t.is(err, null)
  t.is(ip, '127.0.0.1')
  t.is(family, 4)
  t.is(host, 'localhost')
  await connected
})

test('test-net-dns-custom-lookup: a custom lookup function resolves the host', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  let calls = 0
  const c = own(
    t,
    net.connect({
      port,
      host: 'localhost',
      lookup(host, options, cb) {
        calls++
        t.is(host, 'localhost')
        t.is(typeof options, 'object')
        dns.lookup(host, { family: 4, all: true }, cb as never)
      },
    }),
  )
  await waitFor(c, 'connect')
  t.is(calls, 1)
  t.is(c.remoteAddress, '127.0.0.1')
})

test('test-net-dns-lookup-skip: no lookup for an IP literal host', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  for (const host of ['127.0.0.1']) {
    const c = own(t, net.connect({ port, host, lookup: () => t.fail('lookup called for an IP') }))
    c.on('lookup', () => t.fail('lookup event for an IP'))
    await waitFor(c, 'connect')
  }
  t.pass()
})

test('test-net-connect-options-ipv6: connect over ::1 with family 6', async (t) => {
  const server = net.createServer((s) => s.end('v6'))
  const port = await listen(t, server, '::1')
  const c = net.connect({ host: '::1', port, family: 6 })
  t.is((await receiveAll(c)).toString(), 'v6')
  t.is(c.remoteFamily, 'IPv6')
})

test('test-net-connect-abort-controller: an aborted signal destroys the socket with AbortError, before or after connect', async (t) => {
  const server = net.createServer()
  const port = await listen(t, server)
  // already aborted
  {
    const c = net.connect({ port, host: '127.0.0.1', signal: AbortSignal.abort() })
    const closed = guard(new Promise((r) => c.once('close', r)), 'close after abort')
    const e = shape(await new Promise((r) => c.once('error', r)))
    t.is(e.name, 'AbortError')
    await closed
  }
  // aborted after connect
  {
    const ac = new AbortController()
    const c = net.connect({ port, host: '127.0.0.1', signal: ac.signal })
    await waitFor(c, 'connect')
    const errP = new Promise((r) => c.once('error', r))
    ac.abort()
    t.is(shape(await errP).name, 'AbortError')
    await waitFor(c, 'close')
    t.true(c.destroyed)
  }
})

test('test-net-socket-connecting: connecting is true until connect, then false', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  const client = own(t, net.connect(port, '127.0.0.1'))
  t.true(client.connecting)
  await waitFor(client, 'connect')
  t.false(client.connecting)
})

test('test-net-socket-ready-without-cb: ready is emitted after connect without a callback', async (t) => {
  const server = net.createServer((s) => s.end())
  const port = await listen(t, server)
  const client = own(t, new net.Socket())
  client.connect(port, '127.0.0.1')
  await waitFor(client, 'ready')
  t.false(client.connecting)
})

test('test-net-reconnect: a closed socket connects again, several times', async (t) => {
  let connections = 0
  const server = net.createServer((s) => {
    connections++
    s.end('hello')
  })
  const port = await listen(t, server)
  const client = own(t, net.createConnection(port, '127.0.0.1'))
  const received: string[] = []
  for (let i = 0; i < 3; i++) {
    if (i > 0) client.connect(port, '127.0.0.1')
    client.setEncoding('utf8')
    let got = ''
    const onData = (d: string) => (got += d)
    client.on('data', onData)
    await waitFor(client, 'end')
    await waitFor(client, 'close')
    client.off('data', onData)
    received.push(got)
  }
  t.deepEqual(received, ['hello', 'hello', 'hello'])
  t.is(connections, 3)
})

test('test-net-bytes-stats: bytesRead and bytesWritten per connection, across a reconnect', async (t) => {
  let bytesRead = 0
  const server = net.createServer((s) => {
    s.resume()
    s.on('end', () => (bytesRead += s.bytesRead))
  })
  const port = await listen(t, server)
  let bytesWritten = 0
  const socket = own(t, net.createConnection(port, '127.0.0.1'))
  for (let round = 0; round < 2; round++) {
    if (round > 0) socket.connect(port, '127.0.0.1')
    await waitFor(socket, 'connect')
    socket.resume()
    await new Promise<void>((r) => socket.write('foo', () => r()))
    socket.end('bar')
    await waitFor(socket, 'finish')
    bytesWritten += socket.bytesWritten
    await waitFor(socket, 'close')
  }
  await new Promise((r) => setTimeout(r, 20))
  t.is(bytesRead, 12)
  t.is(bytesWritten, 12)
})

test('test-net-isip, test-net-isipv4, test-net-isipv6: node:net answers', (t) => {
  t.is(net.isIP('127.0.0.1'), 4)
  t.is(net.isIP('::1'), 6)
  t.is(net.isIP('x127.0.0.1'), 0)
  t.is(net.isIP('2001:252:0:1::2008:6'), 6)
  t.true(net.isIPv4('255.255.255.255'))
  t.false(net.isIPv4('256.0.0.0'))
  t.true(net.isIPv6('::ffff:127.0.0.1'))
  t.false(net.isIPv6('127.0.0.1'))
})
