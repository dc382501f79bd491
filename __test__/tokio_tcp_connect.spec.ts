// Port of tokio/tests/tcp_connect.rs.
// (Its commented-out `poll_hup` test is disabled in tokio itself and is not ported.)

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { assertAddrEq, guard, spawn, track } from './helpers/index.js'

type ConnectTarget = Parameters<typeof TcpStream.connect>[0]

async function connectAndCompare(t: ExecutionContext, bindAddr: string, ipv6: boolean): Promise<void> {
  const srv = track(t, await TcpListener.bind(bindAddr))
  const addr = srv.localAddr()
  if (ipv6) t.true(addr.isIpv6())
  else t.true(addr.isIpv4())

  const rx = spawn(async () => {
    const [socket, peer] = await srv.accept()
    track(t, socket)
    assertAddrEq(t, peer, socket.peerAddr(), 'accepted addr == socket.peer_addr()')
    // The spawned task owned the listener: it is dropped when the task ends.
    srv.close()
    return socket
  })

  const mine = track(t, await TcpStream.connect(addr))
  const theirs = await guard(rx, 'accept')

  assertAddrEq(t, mine.localAddr(), theirs.peerAddr(), 'mine.local_addr() == theirs.peer_addr()')
  assertAddrEq(t, theirs.localAddr(), mine.peerAddr(), 'theirs.local_addr() == mine.peer_addr()')
}

test('connect_v4', (t) => connectAndCompare(t, '127.0.0.1:0', false))

test('connect_v6', (t) => connectAndCompare(t, '[::1]:0', true))

/** The `join!(server, client)` body shared by the `connect_addr_*` tests. */
async function joinServerClient(
  t: ExecutionContext,
  srv: TcpListener,
  target: ConnectTarget,
): Promise<void> {
  const server = async () => {
    const [s] = await srv.accept()
    track(t, s).close()
  }

  const client = async () => {
    const c = await TcpStream.connect(target)
    track(t, c).close()
  }

  await guard(Promise.all([server(), client()]), 'join!(server, client)')
  t.pass()
}

test('connect_addr_ip_string', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()
  const target = `127.0.0.1:${addr.port()}`

  await joinServerClient(t, srv, target)
})

test('connect_addr_ip_str_slice', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()
  const owned = `127.0.0.1:${addr.port()}`
  // `&addr[..]`: a borrowed str of the formatted String; in JS, the same characters.
  const target = owned.slice(0)

  await joinServerClient(t, srv, target)
})

test('connect_addr_host_string', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()
  const target = `localhost:${addr.port()}`

  await joinServerClient(t, srv, target)
})

test('connect_addr_ip_port_tuple', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()
  const target: ConnectTarget = [addr.ip(), addr.port()]

  await joinServerClient(t, srv, target)
})

test('connect_addr_ip_str_port_tuple', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()
  const target: ConnectTarget = ['127.0.0.1', addr.port()]

  await joinServerClient(t, srv, target)
})

test('connect_addr_host_str_port_tuple', async (t) => {
  const srv = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = srv.localAddr()
  const target: ConnectTarget = ['localhost', addr.port()]

  await joinServerClient(t, srv, target)
})
