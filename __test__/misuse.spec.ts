// Classes used the wrong way answer with a TypeError carrying Node's code, as Node's own classes
// do, never napi-rs's plain `Error` without a code: found by the stress suite's hostile input.

import test from 'ava'

import * as api from '../index.js'

const MADE_BY_FACTORIES = [
  'TcpStream',
  'ReadHalf',
  'WriteHalf',
  'OwnedReadHalf',
  'OwnedWriteHalf',
  'TcpListener',
  'TcpSocket',
  'StdTcpStream',
  'SocketAddr',
  'Ready',
  'ReuniteError',
] as const

type AnyClass = new (...args: unknown[]) => unknown

function classNamed(name: string): AnyClass {
  return (api as unknown as Record<string, AnyClass>)[name]
}

for (const name of MADE_BY_FACTORIES) {
  test(`new ${name}() is a TypeError ERR_ILLEGAL_CONSTRUCTOR`, (t) => {
    const Class = classNamed(name)
    const error = t.throws(() => new Class(), { instanceOf: TypeError })
    t.is((error as api.NetError).code, 'ERR_ILLEGAL_CONSTRUCTOR')
    t.is((error as api.NetError).kind, 'InvalidInput')
  })
}

test('calling a class without new is a TypeError, as for every JS class', (t) => {
  for (const name of [...MADE_BY_FACTORIES, 'BytesMut']) {
    const Class = classNamed(name) as unknown as (...args: unknown[]) => unknown
    t.throws(() => Class(), { instanceOf: TypeError, message: /without 'new'/ }, name)
  }
})

test("BytesMut's getters read on another object are a TypeError ERR_INVALID_THIS", (t) => {
  for (const name of ['length', 'capacity']) {
    t.is(typeof Object.getOwnPropertyDescriptor(api.BytesMut.prototype, name)?.get, 'function', name)
    // the getter, called with `{}` as `this`
    const error = t.throws(
      () => {
        Reflect.get(api.BytesMut.prototype, name, {})
      },
      { instanceOf: TypeError },
      name,
    )
    t.is((error as api.NetError).code, 'ERR_INVALID_THIS', name)
  }
  const buf = new api.BytesMut(16)
  t.is(buf.length, 0)
  t.true(buf.capacity >= 16)
})

test('a method called on something else is a TypeError ERR_INVALID_THIS, thrown or rejected', async (t) => {
  const onOther = (proto: object, name: string): unknown => Reflect.apply(Reflect.get(proto, name) as () => unknown, {}, [])
  for (const [label, call] of [
    ['TcpStream.nodelay', () => onOther(api.TcpStream.prototype, 'nodelay')],
    ['TcpListener.localAddr', () => onOther(api.TcpListener.prototype, 'localAddr')],
  ] as const) {
    const error = t.throws(call, { instanceOf: TypeError }, label)
    t.is((error as api.NetError).code, 'ERR_INVALID_THIS', label)
  }
  // Another of our classes whose member of the same name is async: refused, no promise left to reject.
  const listener = await api.TcpListener.bind('127.0.0.1:0')
  t.teardown(() => listener.close())
  const stream = await api.TcpStream.connect(listener.localAddr())
  t.teardown(() => stream.close())
  const onStream = (proto: object, name: string): unknown => Reflect.apply(Reflect.get(proto, name) as (b: Buffer) => unknown, stream, [Buffer.from('x')])
  for (const [label, call] of [
    ['StdTcpStream.writeAll on a TcpStream', () => onStream(api.StdTcpStream.prototype, 'writeAll')],
    ['BufWriter.write on a TcpStream', () => onStream(api.BufWriter.prototype, 'write')],
    ['TcpListener.accept on a TcpStream', () => onStream(api.TcpListener.prototype, 'accept')],
  ] as const) {
    const e = t.throws(call, { instanceOf: TypeError }, label)
    t.is((e as api.NetError).code, 'ERR_INVALID_THIS', label)
  }
  const error = await t.throwsAsync(onOther(api.Lines.prototype, 'nextLine') as Promise<unknown>, {
    instanceOf: TypeError,
  })
  t.is((error as api.NetError).code, 'ERR_INVALID_THIS')
})

test('factories, statics and instanceof still work through the guarded classes', async (t) => {
  const socket = api.TcpSocket.newV4()
  t.true(socket instanceof api.TcpSocket)
  socket.bind('127.0.0.1:0')
  const listener = socket.listen(8)
  t.true(listener instanceof api.TcpListener)
  const addr = api.SocketAddr.parse(listener.localAddr().toString())
  t.true(addr instanceof api.SocketAddr)
  const [client, [server]] = await Promise.all([api.TcpStream.connect(addr), listener.accept()])
  t.true(client instanceof api.TcpStream && server instanceof api.TcpStream)
  const std = api.StdTcpStream.connect(addr)
  t.true(std instanceof api.StdTcpStream)
  std.close()
  client.close()
  server.close()
  listener.close()
})

test('a getter that consumes its TcpSocket mid-call is refused with ResourceBusy; the socket stays usable', (t) => {
  const socket = api.TcpSocket.newV4()
  let refused: unknown
  socket.bind({
    get ip() {
      try {
        socket.listen(1)
      } catch (e) {
        refused = e
      }
      return '127.0.0.1'
    },
    port: 0,
  })
  t.is((refused as api.NetError).kind, 'ResourceBusy')
  t.is((refused as api.NetError).code, 'ERR_RESOURCE_BUSY')
  const listener = socket.listen(8)
  t.is(listener.localAddr().ip(), '127.0.0.1')
  listener.close()
})
