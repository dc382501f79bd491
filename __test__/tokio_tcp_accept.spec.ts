// Port of tokio/tests/tcp_accept.rs.

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { SocketAddr, TcpListener, TcpStream } from '../index.js'

import { assertAddrEq, Channel, describeError, describeProbe, errorCode, guard, probe, spawn, track, yieldNow } from './helpers/index.js'

type BindTarget = Parameters<typeof TcpListener.bind>[0]

// The `test_accept!` macro.
async function testAccept(t: ExecutionContext, target: BindTarget): Promise<void> {
  const listener = track(t, await TcpListener.bind(target))
  const addr = listener.localAddr()

  const rx = spawn(async () => {
    const [socket] = await listener.accept()
    track(t, socket)
    // The spawned task owned the listener: it is dropped when the task ends.
    listener.close()
    return socket
  })

  const cli = track(t, await TcpStream.connect(addr))
  const srv = await guard(rx, 'accept')

  assertAddrEq(t, cli.localAddr(), srv.peerAddr(), 'cli.local_addr() == srv.peer_addr()')
}

test('ip_str', (t) => testAccept(t, '127.0.0.1:0'))
test('host_str', (t) => testAccept(t, 'localhost:0'))
test('socket_addr', (t) => testAccept(t, SocketAddr.parse('127.0.0.1:0')))
test('str_port_tuple', (t) => testAccept(t, ['127.0.0.1', 0]))
// Rust's `(IpAddr, u16)`: JS has no IpAddr type, so the typed `{ ip, port }` form stands in for it.
test('ip_port_tuple', (t) => testAccept(t, { ip: '127.0.0.1', port: 0 }))

// Rust counts calls of `poll_accept` made by a `Stream` wrapper (`TrackPolls`). Each JS
// `pollAccept()` call is one `poll_fn(|cx| listener.poll_accept(cx)).await`, so here the stream's
// `next()` is one `pollAccept()` call and `npolls` counts those calls.
test('no_extra_poll', async (t) => {
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()

  let npolls = 0
  let current: Promise<unknown> = Promise.resolve()
  const acceptedTx = new Channel<unknown>()

  // Runs until the listener is closed (below), then is joined.
  const task = spawn(async () => {
    for (;;) {
      npolls += 1
      const next = listener.pollAccept()
      current = next
      next.catch(() => {})
      let item
      try {
        item = await next
      } catch (e) {
        // The listener is closed when the test ends; anything else is reported.
        if (errorCode(e) !== 'ERR_HANDLE_CLOSED') acceptedTx.send(e)
        return
      }
      track(t, item[0])
      acceptedTx.send(null)
    }
  })

  await yieldNow()

  // should have been polled exactly once: the initial poll
  t.is(npolls, 1)

  const sock = await TcpStream.connect(addr)
  sock.close()
  const err = await guard(acceptedTx.recv(), 'accepted_rx.recv()')
  if (err) t.fail(`poll_accept failed: ${describeError(err)}`)

  // Rust expects 1 + 2 polls: once to yield Some(), then once to yield Pending. The wake-up re-poll
  // of the Rust future is internal to one JS promise, so in JS that is 1 + 1 calls: the call that
  // returned the connection and the next call, which must be pending (no extra, spurious result).
  t.is(npolls, 1 + 1)
  const st = await probe(current)
  t.true(st.pending, `next pollAccept() after the only connection: expected Pending, got ${describeProbe(st)}`)

  listener.close()
  await guard(task, 'the accept task, after the listener closed')
})

// Rust spawns N tasks that each poll `listener.accept()` once (Pending), then checks every task is
// woken when a connection arrives. A wake-up that does not complete the accept is not observable in
// JS, so each of the N pending accepts is given its own connection and all N must complete: no
// waiter may be lost while N accepts wait on one listener.
test('accept_many', async (t) => {
  const N = 50

  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()
  let connected = false

  const pendingRx = new Channel<void>()
  const notifiedRx = new Channel<void>()

  const tasks: Array<Promise<void>> = []
  for (let i = 0; i < N; i++) {
    const task = spawn(async () => {
      const accept = listener.accept()
      accept.catch(() => {})

      const st = await probe(accept)
      t.true(st.pending, `accept() before any connection: expected Pending, got ${describeProbe(st)}`)
      pendingRx.send()

      const [sock] = await accept
      track(t, sock)
      t.true(connected)
      notifiedRx.send()

      pendingRx.send()
    })
    tasks.push(task)
  }

  // Wait for all tasks to have polled at least once
  for (let i = 0; i < N; i++) {
    await guard(pendingRx.recv(), 'pending_rx.recv()')
  }

  // Establish the TCP connections
  connected = true
  for (let i = 0; i < N; i++) {
    track(t, await TcpStream.connect(addr))
  }

  // Wait for all notifications
  for (let i = 0; i < N; i++) {
    await guard(notifiedRx.recv(), `notified_rx.recv() #${i + 1} of ${N}`)
  }
  // and every task ended without throwing
  await guard(Promise.all(tasks), 'the accept tasks')
})
