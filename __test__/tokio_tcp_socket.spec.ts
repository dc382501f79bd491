// Port of tokio/tests/tcp_socket.rs.

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { SocketAddr, TcpSocket } from '../index.js'

import { track } from './helpers/index.js'

test('basic_usage_v4', async (t) => {
  // Create server
  const addr = SocketAddr.parse('127.0.0.1:0')
  const srvSocket = track(t, TcpSocket.newV4())
  srvSocket.bind(addr)

  const srv = track(t, srvSocket.listen(128))

  // Create client & connect
  const srvAddr = srv.localAddr()
  const cli = track(t, TcpSocket.newV4())
  track(t, await cli.connect(srvAddr))

  // Accept
  const [accepted] = await srv.accept()
  track(t, accepted)
  t.pass()
})

test('basic_usage_v6', async (t) => {
  // Create server
  const addr = SocketAddr.parse('[::1]:0')
  const srvSocket = track(t, TcpSocket.newV6())
  srvSocket.bind(addr)

  const srv = track(t, srvSocket.listen(128))

  // Create client & connect
  const srvAddr = srv.localAddr()
  const cli = track(t, TcpSocket.newV6())
  track(t, await cli.connect(srvAddr))

  // Accept
  const [accepted] = await srv.accept()
  track(t, accepted)
  t.pass()
})

test('bind_before_connect', async (t) => {
  // Create server
  const anyAddr = SocketAddr.parse('127.0.0.1:0')
  const srvSocket = track(t, TcpSocket.newV4())
  srvSocket.bind(anyAddr)

  const srv = track(t, srvSocket.listen(128))

  // Create client & connect
  const addr = srv.localAddr()
  const cli = track(t, TcpSocket.newV4())
  cli.bind(anyAddr)
  track(t, await cli.connect(addr))

  // Accept
  const [accepted] = await srv.accept()
  track(t, accepted)
  t.pass()
})

test('basic_linger', (t) => {
  // Create server
  const addr = SocketAddr.parse('127.0.0.1:0')
  const srv = track(t, TcpSocket.newV4())
  srv.bind(addr)

  t.is(srv.linger(), null)

  srv.setZeroLinger()
  t.is(srv.linger(), 0)
})

/** The body of tokio's `test!` macro: create, read the initial value, set, read back. */
function optionCase<T>(
  t: ExecutionContext,
  constructor: 'newV4' | 'newV6',
  get: (s: TcpSocket) => T,
  set: (s: TcpSocket, v: T) => void,
  arg: T,
  expected: T,
): void {
  const socket = track(t, TcpSocket[constructor]())

  const initial = get(socket)
  t.notDeepEqual(initial, arg, `${constructor}: initial value and argument are the same`)

  set(socket, arg)
  const got = get(socket)
  t.deepEqual(got, expected, `${constructor}: set and get values differ`)
}

const SET_BUF_SIZE = 4096
// Linux doubles the buffer size for kernel usage, and exposes that when
// retrieving the buffer size.
const GET_BUF_SIZE = process.platform === 'linux' || process.platform === 'android' ? 2 * SET_BUF_SIZE : SET_BUF_SIZE

test('keepalive', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    optionCase(t, c, (s) => s.keepalive(), (s, v) => s.setKeepalive(v), true, true)
  }
})

test('reuseaddr', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    optionCase(t, c, (s) => s.reuseaddr(), (s, v) => s.setReuseaddr(v), true, true)
  }
})

test('reuseport', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    optionCase(t, c, (s) => s.reuseport(), (s, v) => s.setReuseport(v), true, true)
  }
})

test('send_buffer_size', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    optionCase(t, c, (s) => s.sendBufferSize(), (s, v) => s.setSendBufferSize(v), SET_BUF_SIZE, GET_BUF_SIZE)
  }
})

test('recv_buffer_size', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    optionCase(t, c, (s) => s.recvBufferSize(), (s, v) => s.setRecvBufferSize(v), SET_BUF_SIZE, GET_BUF_SIZE)
  }
})

test('linger', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    // Duration::from_secs(10) is 10000 ms.
    optionCase<number | null>(t, c, (s) => s.linger(), (s, v) => s.setLinger(v), 10_000, 10_000)
  }
})

test('nodelay', (t) => {
  for (const c of ['newV4', 'newV6'] as const) {
    optionCase(t, c, (s) => s.nodelay(), (s, v) => s.setNodelay(v), true, true)
  }
})

// skipped: tclass_v6 — the API has no `tclassV6`/`setTclassV6` on TcpSocket.

// tokio's `tos_v4` / `set_tos_v4` are `tos` / `setTos` in the API contract (IPv4 only).
test('tos_v4', (t) => {
  optionCase(t, 'newV4', (s) => s.tos(), (s, v) => s.setTos(v), 96, 96)
})
