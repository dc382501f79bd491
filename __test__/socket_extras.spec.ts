// Members beyond tokio's own that Node's and Deno's sockets have and `tokio-net/net` needs:
// `TcpSocket.ref()/unref()` (a pending connect), `TcpSocket.onlyV6/setOnlyV6` (IPV6_V6ONLY),
// `TcpStream.keepalive/setKeepalive/setTcpKeepalive` (socket2's keepalive on a connected socket).

import path from 'node:path'

import test, { type ExecutionContext } from 'ava'

import { TcpListener, TcpSocket, TcpStream, activeHandles } from '../index.js'

import { runScript } from './helpers/index.js'

const INDEX = path.resolve(__dirname, '..', 'index.js')

/** Runs `src` (CommonJS) in a child process and resolves with what it printed. */
// A connect that stays pending on loopback: the listener's accept queue (backlog 1) is filled
// by connects nobody accepts (unref()ed, so they hold nothing), and the kernel drops the SYNs
// after them; those clients retransmit. Only the connect under test can keep the child alive.
// It prints 'still alive' if it was kept alive for 1.5 s, and 'connected' if the connect did not
// stay pending (then the case proves nothing and fails).
const PENDING_CONNECT = (unref: boolean, refAgain = false) => `
const m = require(${JSON.stringify(INDEX)})
const ls = m.TcpSocket.newV4()
ls.bind('127.0.0.1:0')
const listener = ls.listen(1)
const addr = listener.localAddr()
for (let i = 0; i < 4; i++) {
  const filler = m.TcpSocket.newV4()
  filler.unref()
  filler.connect(addr).catch(() => {})
}
const s = m.TcpSocket.newV4()
${unref ? 's.unref()' : ''}
${refAgain ? 's.ref()' : ''}
s.connect(addr).then(() => console.log('connected'), (e) => console.log(e.code))
setTimeout(() => { console.log('still alive'); process.exit(0) }, 1500).unref()
`

test('TcpSocket.unref(): a pending connect does not keep the process alive', async (t) => {
  const r = await runScript(PENDING_CONNECT(true))
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '')
})

test('a pending TcpSocket connect keeps the process alive by default, and again after ref()', async (t) => {
  for (const refAgain of [false, true]) {
    const r = await runScript(PENDING_CONNECT(refAgain, refAgain))
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout.trim(), 'still alive')
  }
})

test('the TcpStream a connect of an unref()ed TcpSocket makes starts unref()ed: its pending read lets the process exit', async (t) => {
  const r = await runScript(`
const m = require(${JSON.stringify(INDEX)})
;(async () => {
  const listener = await m.TcpListener.bind('127.0.0.1:0')
  const s = m.TcpSocket.newV4()
  s.unref()
  const [stream, [peer]] = await Promise.all([s.connect(listener.localAddr()), listener.accept()])
  stream.read(new Uint8Array(16)).then(() => console.log('read settled'), () => {})
  setTimeout(() => { console.log('still alive'); process.exit(0) }, 1500).unref()
})()`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '')
})

test.serial('close() during a TcpSocket connect cancels it: the promise rejects with ERR_HANDLE_CLOSED and nothing is left', async (t) => {
  const baseline = activeHandles().sockets
  // A full accept queue keeps the connect pending (see PENDING_CONNECT): on loopback it could
  // otherwise complete within the call.
  const ls = TcpSocket.newV4()
  ls.bind('127.0.0.1:0')
  const listener = ls.listen(1)
  const fillers = Array.from({ length: 4 }, () => TcpSocket.newV4())
  const filling = fillers.map((f) => f.connect(listener.localAddr()).then((s) => s.close(), () => {}))
  const s = TcpSocket.newV4()
  const before = activeHandles().sockets
  const connecting = s.connect(listener.localAddr())
  t.is(activeHandles().sockets, before, 'the socket stays an entry while it connects')
  t.throws(() => s.localAddr(), { code: 'ERR_HANDLE_CLOSED' }, 'connect consumed the socket')
  s.close()
  await t.throwsAsync(connecting, { code: 'ERR_HANDLE_CLOSED' })
  for (const f of fillers) f.close()
  listener.close()
  await Promise.all(filling)
  t.is(activeHandles().sockets, baseline, 'closed while connecting, nothing of it is left')
})

/** A connected stream, closed with its peer and listener at the end of the test. */
async function connected(t: ExecutionContext): Promise<TcpStream> {
  const listener = await TcpListener.bind('127.0.0.1:0')
  const [stream, [peer]] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()])
  t.teardown(() => {
    stream.close()
    peer.close()
    listener.close()
  })
  return stream
}

test('TcpStream keepalive: setKeepalive and setTcpKeepalive turn SO_KEEPALIVE on and off', async (t) => {
  const stream = await connected(t)
  t.false(stream.keepalive())
  stream.setKeepalive(true)
  t.true(stream.keepalive())
  stream.setKeepalive(false)
  t.false(stream.keepalive())
  stream.setTcpKeepalive({ time: 10_000, interval: 1_000, retries: 3 })
  t.true(stream.keepalive(), 'setTcpKeepalive turns keepalive on, as socket2 does')
  stream.setTcpKeepalive({})
  t.true(stream.keepalive())
})

test.serial('setTcpKeepalive checks its argument as Node would', async (t) => {
  const stream = await connected(t)
  const bad = (v: unknown) => stream.setTcpKeepalive(v as Parameters<TcpStream['setTcpKeepalive']>[0])
  t.throws(() => bad(5), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => bad({ time: -1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => bad({ retries: 256 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => bad({ interval: '1' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  const s = TcpSocket.newV4()
  s.setTcpKeepalive({ time: 1_000 })
  t.true(s.keepalive())
  s.close()
})

test('TcpSocket.setOnlyV6(true): an IPv6 listener on [::] then takes no IPv4 connection', async (t) => {
  const probe = TcpSocket.newV6()
  t.teardown(() => probe.close())
  t.false(probe.onlyV6(), "Linux's default (net.ipv6.bindv6only = 0)")
  const only6 = TcpSocket.newV6()
  only6.setOnlyV6(true)
  t.true(only6.onlyV6())
  only6.bind('[::]:0')
  const listener = only6.listen(16)
  t.teardown(() => listener.close())
  const port = listener.localAddr().port()
  const v6 = await TcpStream.connect(`[::1]:${port}`)
  const [accepted] = await listener.accept()
  v6.close()
  accepted.close()
  await t.throwsAsync(TcpStream.connect(`127.0.0.1:${port}`), { code: 'ECONNREFUSED' })
  const v4 = TcpSocket.newV4()
  t.teardown(() => v4.close())
  const err = t.throws(() => v4.setOnlyV6(true))
  t.is((err as Error & { syscall?: string }).syscall, 'setsockopt')
})
