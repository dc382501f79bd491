// Arguments whose getters run code while a method reads them. A getter that throws makes an
// async method reject with what it threw (never throw synchronously); a getter that closes or
// consumes the handle the call is on makes a sync method throw ERR_HANDLE_CLOSED instead of acting
// on it, and a getter that leaves it alone changes nothing. (A getter that closes other handles is
// in process_safety.spec.ts: it could deadlock the process.)

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { Interest, TcpListener, TcpSocket, TcpStream } from '../index.js'
import type { OpOptions } from '../index.js'

import { assertClosed, asyncErr, describeError, guard, pair, syncErr, track } from './helpers/index.js'

/** Every async method that takes `{ signal }`, on a live stream, its halves, a listener and a socket. */
async function asyncMethods(t: ExecutionContext): Promise<Array<[string, (o: OpOptions) => Promise<unknown>]>> {
  const [a, b] = await pair(t)
  const [c, d] = await pair(t)
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const [r, w] = a.split()
  const [or, ow] = c.intoSplit()
  track(t, or)
  track(t, ow)
  const buf = () => Buffer.alloc(4)
  const out: Array<[string, (o: OpOptions) => Promise<unknown>]> = [
    ['TcpStream.connect', (o) => TcpStream.connect(l.localAddr(), o)],
    ['TcpListener.bind', (o) => TcpListener.bind('127.0.0.1:0', o)],
    ['TcpListener.accept', (o) => l.accept(o)],
    ['TcpSocket.connect', (o) => track(t, TcpSocket.newV4()).connect(l.localAddr(), o)],
    ['TcpStream.asyncIo', (o) => b.asyncIo(Interest.WRITABLE, () => 1, o)],
  ]
  const readers = { TcpStream: b, ReadHalf: r, OwnedReadHalf: or }
  for (const [cls, x] of Object.entries(readers)) {
    out.push(
      [`${cls}.ready`, (o) => x.ready(Interest.READABLE, o)],
      [`${cls}.readable`, (o) => x.readable(o)],
      [`${cls}.peek`, (o) => x.peek(buf(), o)],
      [`${cls}.read`, (o) => x.read(buf(), o)],
      [`${cls}.readExact`, (o) => x.readExact(buf(), o)],
      [`${cls}.readToEnd`, (o) => x.readToEnd(o)],
    )
  }
  const writers = { TcpStream: d, WriteHalf: w, OwnedWriteHalf: ow }
  for (const [cls, x] of Object.entries(writers)) {
    out.push(
      [`${cls}.writable`, (o) => x.writable(o)],
      [`${cls}.write`, (o) => x.write(buf(), o)],
      [`${cls}.writeAll`, (o) => x.writeAll(buf(), o)],
      [`${cls}.writeVectored`, (o) => x.writeVectored([buf()], o)],
      [`${cls}.flush`, (o) => x.flush(o)],
      [`${cls}.shutdown`, (o) => x.shutdown(o)],
    )
  }
  return out
}

test('every async method returns a promise rejecting with what a throwing options getter or signal getter threw', async (t) => {
  const thrown = new Error('thrown by a getter')
  const badOptions: Array<[string, () => OpOptions]> = [
    ['options.signal getter throws', () => ({
      get signal(): AbortSignal {
        throw thrown
      },
    })],
    ['signal.aborted getter throws', () => ({
      signal: {
        addEventListener() {},
        removeEventListener() {},
        get aborted(): boolean {
          throw thrown
        },
      } as unknown as AbortSignal,
    })],
    ['signal.addEventListener getter throws', () => ({
      signal: {
        get addEventListener(): never {
          throw thrown
        },
        removeEventListener() {},
        aborted: false,
      } as unknown as AbortSignal,
    })],
  ]
  for (const [what, options] of badOptions) {
    for (const [method, call] of await asyncMethods(t)) {
      const label = `${method}, ${what}`
      const e = await asyncErr(t, () => call(options()), label)
      t.is(e, thrown, `${label}: rejected with ${describeError(e)}`)
    }
  }
})

test('connect and bind return a promise rejecting with what a throwing address getter threw', async (t) => {
  const thrown = new Error('thrown by the ip getter')
  const addr = () => ({
    get ip(): string {
      throw thrown
    },
    port: 1,
  })
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['TcpStream.connect', () => TcpStream.connect(addr())],
    ['TcpStream.connect([addr])', () => TcpStream.connect([addr()])],
    ['TcpListener.bind', () => TcpListener.bind(addr())],
    ['TcpSocket.connect', () => track(t, TcpSocket.newV4()).connect(addr())],
  ]
  for (const [label, call] of calls) {
    const e = await asyncErr(t, call, label)
    t.is(e, thrown, `${label}: rejected with ${describeError(e)}`)
  }
})

test('an address array whose element is a throwing getter: connect and bind reject with what it threw, reading it once', async (t) => {
  const thrown = new Error('thrown by the element getter')
  let reads = 0
  const addrs = (): unknown[] => {
    const list: unknown[] = ['127.0.0.1:1']
    Object.defineProperty(list, 1, {
      enumerable: true,
      get() {
        reads++
        throw thrown
      },
    })
    return list
  }
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['TcpStream.connect', () => TcpStream.connect(addrs() as string[])],
    ['TcpListener.bind', () => TcpListener.bind(addrs() as string[])],
  ]
  for (const [label, call] of calls) {
    reads = 0
    const e = await asyncErr(t, call, label)
    t.is(e, thrown, `${label}: rejected with ${describeError(e)}`)
    t.is(reads, 1, `${label}: the getter ran once`)
  }
})

test('TcpSocket.setTcpKeepalive whose params getter closes the socket throws ERR_HANDLE_CLOSED', (t) => {
  const socket = TcpSocket.newV4()
  t.teardown(() => socket.close())
  const e = syncErr(t, () => socket.setTcpKeepalive({
    get time() {
      socket.close()
      return 1000
    },
  }), 'setTcpKeepalive')
  assertClosed(t, e, 'TcpSocket.setTcpKeepalive, socket closed by the time getter')
})

test('TcpSocket.bind whose address getter closes the socket throws ERR_HANDLE_CLOSED', (t) => {
  const socket = TcpSocket.newV4()
  t.teardown(() => socket.close())
  const e = syncErr(t, () => socket.bind({
    get ip() {
      socket.close()
      return '127.0.0.1'
    },
    port: 0,
  }), 'bind')
  assertClosed(t, e, 'TcpSocket.bind, socket closed by the ip getter')
})

test('TcpSocket.setTcpKeepalive and bind with getters that leave the socket alone still work', (t) => {
  const socket = TcpSocket.newV4()
  t.teardown(() => socket.close())
  let read = 0
  socket.setTcpKeepalive({
    get time() {
      read++
      return 10_000
    },
  })
  t.is(read, 1)
  t.true(socket.keepalive())
  socket.bind({
    get ip() {
      read++
      return '127.0.0.1'
    },
    port: 0,
  })
  t.is(read, 2)
  t.is(socket.localAddr().ip(), '127.0.0.1')
})

test('TcpStream.setTcpKeepalive whose params getter closes the stream throws ERR_HANDLE_CLOSED', async (t) => {
  const [client] = await pair(t)
  const e = syncErr(t, () => client.setTcpKeepalive({
    get interval() {
      client.close()
      return 1000
    },
  }), 'setTcpKeepalive')
  assertClosed(t, e, 'TcpStream.setTcpKeepalive, stream closed by the interval getter')
})

test('TcpStream.setTcpKeepalive whose params getter consumes the stream (intoSplit) throws ERR_HANDLE_CLOSED; the halves work', async (t) => {
  const [client, server] = await pair(t)
  let halves: ReturnType<typeof client.intoSplit> | undefined
  const e = syncErr(t, () => client.setTcpKeepalive({
    get retries() {
      halves = client.intoSplit()
      return 3
    },
  }), 'setTcpKeepalive')
  assertClosed(t, e, 'TcpStream.setTcpKeepalive, stream consumed by the retries getter')
  t.truthy(halves)
  const [readHalf, writeHalf] = halves!
  track(t, readHalf)
  track(t, writeHalf)
  await guard(writeHalf.writeAll(Buffer.from('ping')), 'write through the half')
  const buf = Buffer.alloc(4)
  t.is(await guard(server.readExact(buf), 'peer read'), 4)
  t.is(buf.toString(), 'ping')
})

test('TcpStream.setTcpKeepalive with a getter that leaves the stream alone sets keepalive', async (t) => {
  const [client] = await pair(t)
  client.setTcpKeepalive({
    get time() {
      return 10_000
    },
  })
  t.true(client.keepalive())
})
