// ref()/unref() on tokio-net/net sockets and servers: whether they keep the process alive,
// exactly as on node:net. Each case runs in a child process with a time bound.

import test from 'ava'

import { runScript } from './helpers/index.js'

/** Runs `src` (CommonJS) in a child, killed after 20 s. */
const run = (src: string) => runScript(src, 20_000)

// An unref'd timer that reports the process was still alive after 1.5 s. Printing it means
// something kept the event loop running; a clean, silent exit means nothing did.
const WATCH = `setTimeout(() => { console.log('still alive'); process.exit(0) }, 1500).unref()`

const PAIR = `
const net = require('tokio-net/net')
// The accepted side is unref()ed, so only the client socket under test can hold the process.
let accepted = () => {}
const server = net.createServer((s) => { s.unref(); accepted() })
// Calls cb once the client is connected AND the server has accepted it: a client's 'connect' can
// come first, and closing the server then would reset a connection still in its backlog.
function pair(cb) {
  server.listen(0, '127.0.0.1', () => {
    let pending = 2
    const ready = () => { if (--pending === 0) cb(c) }
    accepted = ready
    const c = net.connect(server.address().port, '127.0.0.1', ready)
  })
}
`

test('a connected socket with a pending read keeps the process alive (ref is the default)', async (t) => {
  const r = await run(`${PAIR}
pair((c) => { server.close(); ${WATCH} })`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'still alive')
})

test('a listening server keeps the process alive', async (t) => {
  const r = await run(`const net = require('tokio-net/net'); net.createServer().listen(0, '127.0.0.1', () => { ${WATCH} })`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'still alive')
})

test('an unref()ed socket with a pending read does not keep the process alive', async (t) => {
  const r = await run(`${PAIR}
pair((c) => { c.unref(); server.unref(); ${WATCH} })`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '')
})

test('unref() before connecting applies once connected; ref() again keeps the process alive', async (t) => {
  const r = await run(`${PAIR}
server.listen(0, '127.0.0.1', () => {
  server.unref()
  const c = net.connect(server.address().port, '127.0.0.1')
  c.unref()
  c.on('connect', () => { c.ref(); ${WATCH} })
})`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'still alive')
})

test('an unref()ed listening server does not keep the process alive', async (t) => {
  const r = await run(`const net = require('tokio-net/net'); const s = net.createServer().listen(0, '127.0.0.1', () => { ${WATCH} }); s.unref()`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '')
})

test('http.Agent keep-alive: an idle pooled tokio-net socket (unref()ed by the agent) lets the process exit', async (t) => {
  const r = await run(`
const http = require('node:http')
const net = require('tokio-net/net')
const web = http.createServer((q, s) => s.end('ok'))
// the server's side of the connection is node:net's: unref it, so only the client can hold the process
web.on('connection', (s) => s.unref())
web.listen(0, '127.0.0.1', () => {
  const agent = new http.Agent({ keepAlive: true })
  agent.createConnection = net.createConnection
  http.get({ host: '127.0.0.1', port: web.address().port, agent }, (res) => {
    res.resume()
    res.on('end', () => { web.unref(); ${WATCH} })
  })
})`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '')
})

test('destroy() while a connect hangs drops the connect: nothing keeps the process alive afterwards', async (t) => {
  const r = await run(`
const net = require('tokio-net/net')
const nodeNet = require('node:net')
const { TcpSocket } = require('tokio-net')
// A listener that never accepts, with a queue of one that one connection fills: the kernel drops
// every later SYN, so a connect to it hangs until it is given up.
const sock = TcpSocket.newV4()
sock.bind('127.0.0.1:0')
const listener = sock.listen(0)
listener.unref()
const port = listener.localAddr().port()
const filler = nodeNet.connect(port, '127.0.0.1', () => {
  filler.unref()
  const c = net.connect(port, '127.0.0.1')
  c.on('connect', () => console.log('connected'))
  setTimeout(() => {
    if (!c.connecting) console.log('not connecting')
    c.destroy()
    ${WATCH}
  }, 200)
})`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '')
})

// A listener whose queue one connection fills: the kernel drops later SYNs, so a connect hangs.
const HANGING_LISTENER = `
const net = require('tokio-net/net')
const nodeNet = require('node:net')
const { TcpSocket } = require('tokio-net')
const sock = TcpSocket.newV4()
sock.bind('127.0.0.1:0')
const listener = sock.listen(0)
listener.unref()
const port = listener.localAddr().port()
`

// libuv counts a connect in flight as an active request, whatever the socket's ref state: node:net
// (checked with this very program on Node 20) stays alive until the connect ends.
test('a connect in flight keeps the process alive even on an unref()ed socket, as on node:net', async (t) => {
  const r = await run(`${HANGING_LISTENER}
const filler = nodeNet.connect(port, '127.0.0.1', () => {
  filler.unref()
  const c = net.connect(port, '127.0.0.1')
  c.on('connect', () => console.log('connected'))
  c.on('error', () => {})
  setTimeout(() => {
    c.unref()
    ${WATCH}
  }, 100)
})`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'still alive')
})
