// One test per example in `examples/` (the ports of tokio's `# Examples` doc sections): each
// runs the example's `main` against its own local server and checks what it did, from both
// sides: the lines the example printed, and what the server saw on the wire.
//
// The tests run one after the other: the examples that bind a fixed address take a port that was
// free a moment before, and the final check counts the addon's live handles.

import { readFileSync } from 'node:fs'

import test, { type ExecutionContext } from 'ava'

import { activeHandles } from '../index.js'

import { examples } from '../examples/_all.js'
import { type Example, Servers, withTimeout } from '../examples/_example.js'
import { type ExampleServer, GREETING, type ServerConnection } from '../examples/_server.js'

const EXAMPLE_TIMEOUT_MS = 15_000

interface Run {
  lines: string[]
  addr: string
  /**
   * The server the example talked to (for the examples that need one); a plain function, so the
   * checks can destructure it.
   */
  server: () => Promise<ExampleServer>
}

type Check = (t: ExecutionContext, run: Run) => void | Promise<void>

/** The one line matching `re`, its capture groups. */
function line(t: ExecutionContext, lines: string[], re: RegExp): string[] {
  const found = lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null)
  t.is(found.length, 1, `exactly one line matches ${re}`)
  const m = found[0]
  if (m === undefined) throw new Error(`no line matches ${re} in:\n${lines.join('\n')}`)
  return m.slice(1)
}

/** Every line matching `re`, their first capture group. */
function all(lines: string[], re: RegExp): string[] {
  return lines
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1] ?? '')
}

function quoted(s: string): string {
  return JSON.stringify(s)
}

/** The connection the server accepted from `from`, and everything it received until it ended. */
async function serverSide(server: ExampleServer, from: string): Promise<[ServerConnection, Buffer]> {
  const conn = await withTimeout(server.connectionFrom(from), 5_000, `connection from ${from}`)
  const received = await withTimeout(conn.done, 5_000, `the end of the connection from ${from}`)
  return [conn, received]
}

/** The server's only connection, and everything it received until it ended. */
async function onlyConnection(t: ExecutionContext, server: ExampleServer): Promise<[ServerConnection, Buffer]> {
  const conn = await withTimeout(server.connection(0), 5_000, 'a connection')
  const received = await withTimeout(conn.done, 5_000, 'the end of the connection')
  t.is(server.connections.length, 1, 'the example opened one connection')
  return [conn, received]
}

const greeting = GREETING.toString()

/** A peek (or read) of up to 10 bytes returned a non-empty prefix of the greeting. */
function checkPeekedPrefix(t: ExecutionContext, n: string | undefined, text: string | undefined): void {
  const count = Number(n)
  t.true(count >= 1 && count <= 10, `1..=10 bytes, got ${count}`)
  t.is(text, quoted(greeting.slice(0, count)))
}

const checkPollPeek: Check = (t, { lines }) => {
  const [n, text] = line(t, lines, /^peeked (\d+) bytes: (".*")$/)
  checkPeekedPrefix(t, n, text)
}

const checkPeekThenRead: Check = (t, { lines }) => {
  const [n, peeked] = line(t, lines, /^peeked (\d+) bytes: (".*")$/)
  const [m, read] = line(t, lines, /^read (\d+) bytes: (".*")$/)
  checkPeekedPrefix(t, n, peeked)
  t.is(m, n, 'read returned what peek did')
  t.is(read, peeked)
}

const checkReadUntilEof: Check = async (t, { lines, server }) => {
  const counts = all(lines, /^read (\d+) bytes$/).map(Number)
  t.true(counts.length >= 1)
  t.true(counts.every((n) => n > 0))
  t.is(
    counts.reduce((a, b) => a + b, 0),
    GREETING.length,
  )
  line(t, lines, new RegExp(`^until EOF: ${escape(quoted(greeting))}$`))
  const [, received] = await onlyConnection(t, await server())
  t.is(received.length, 0, 'the example wrote nothing')
}

const checkWroteHelloWorld: Check = async (t, { lines, server }) => {
  t.deepEqual(lines, ['wrote 11 bytes'])
  const [, received] = await onlyConnection(t, await server())
  t.is(received.toString(), 'hello world')
}

// Synchronous (a `Check` may return a promise, this one does not): the checks that call it
// directly do not await it.
function checkListeningOnAddr(t: ExecutionContext, { lines, addr }: Run): void {
  line(t, lines, new RegExp(`^listening on ${escape(addr)}( with .*)?$`))
}

const checkConnectedFromTo: Check = async (t, { lines, server }) => {
  const s = await server()
  const [from, to] = line(t, lines, /^connected from (\S+) to (\S+)$/)
  t.is(to, s.addr)
  await serverSide(s, from ?? '')
  t.pass()
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function defaultTtl(): number | null {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8').trim())
  } catch {
    return null
  }
}

const checks: Record<string, Check> = {
  async tcp_stream(t, { lines, server }) {
    t.deepEqual(lines, [
      'wrote 12 bytes: "hello world!"',
      'shut down the write direction',
      'read back 12 bytes until EOF: "hello world!"',
    ])
    const [conn, received] = await onlyConnection(t, await server())
    t.is(received.toString(), 'hello world!')
    t.true(conn.sawEnd(), 'shutdown() sent a FIN')
  },

  async connect(t, { lines, server }) {
    const s = await server()
    t.deepEqual(lines, [`connected to ${s.addr}`, 'wrote 12 bytes: "hello world!"'])
    const [, received] = await onlyConnection(t, s)
    t.is(received.toString(), 'hello world!')
  },

  async from_std(t, { lines, server }) {
    const s = await server()
    const [stdFrom, stdTo] = line(t, lines, /^std stream connected from (\S+) to (\S+)$/)
    const [from, to] = line(t, lines, /^tokio stream from (\S+) to (\S+)$/)
    t.is(stdTo, s.addr)
    t.is(from, stdFrom, 'the tokio stream is the std stream')
    t.is(to, stdTo)
    await serverSide(s, from ?? '')
  },

  into_std(t, { lines, addr }) {
    const [local] = line(t, lines, /^into_std: std stream from (\S+) to \S+$/)
    t.is(local, addr, 'the accepted stream is on the bound address')
    t.is(lines.at(-1), 'read_exact: "Hello world!"')
  },

  async local_addr(t, { lines, server }) {
    t.is(lines.length, 1)
    t.regex(lines[0] ?? '', /^127\.0\.0\.1:\d+$/)
    // The server saw a connection from exactly that address.
    await serverSide(await server(), lines[0] ?? '')
    t.pass()
  },

  async peer_addr(t, { lines, server }) {
    t.deepEqual(lines, [(await server()).addr])
  },

  poll_peek: checkPollPeek,

  async ready(t, { lines, server }) {
    t.deepEqual(all(lines, /^write (\d+) bytes$/), ['11', '11', '11'])
    const reads = all(lines, /^read (\d+) bytes$/).map(Number)
    t.is(
      reads.reduce((a, b) => a + b, 0),
      33,
    )
    t.is(lines.at(-1), `echoed back: ${quoted('hello world'.repeat(3))}`)
    const [, received] = await onlyConnection(t, await server())
    t.is(received.toString(), 'hello world'.repeat(3))
  },

  readable(t, { lines }) {
    const [bytes] = line(t, lines, /^GOT = \[(.*)\]$/)
    const got = Buffer.from((bytes ?? '').split(', ').map(Number))
    t.true(got.length > 0)
    t.deepEqual(got, GREETING.subarray(0, got.length))
  },

  try_read: checkReadUntilEof,
  try_read_vectored: checkReadUntilEof,
  try_read_buf: checkReadUntilEof,
  writable: checkWroteHelloWorld,
  try_write: checkWroteHelloWorld,
  try_write_vectored: checkWroteHelloWorld,
  peek: checkPeekThenRead,

  nodelay(t, { lines }) {
    t.deepEqual(lines, ['false'])
  },
  set_nodelay(t, { lines }) {
    t.deepEqual(lines, ['set_nodelay(true)', 'nodelay() = true'])
  },
  quickack(t, { lines }) {
    t.is(lines.length, 1)
    t.regex(lines[0] ?? '', /^quickack\(\) = (true|false)$/)
  },
  set_quickack(t, { lines }) {
    t.deepEqual(lines, ['set_quickack(true)', 'quickack() = true'])
  },
  linger(t, { lines }) {
    t.deepEqual(lines, ['null'])
  },
  set_linger(t, { lines }) {
    t.deepEqual(lines, ['set_linger(None)', 'linger() = null'])
  },
  async set_zero_linger(t, { lines, server }) {
    t.deepEqual(lines, ['set_zero_linger()', 'linger() = 0'])
    // Dropping a zero-linger socket aborts the connection: the peer sees a reset.
    const [conn] = await onlyConnection(t, await server())
    t.is(conn.errorCode(), 'ECONNRESET')
    t.false(conn.sawEnd())
  },
  ttl(t, { lines }) {
    t.is(lines.length, 1)
    const ttl = Number(lines[0])
    t.true(Number.isInteger(ttl) && ttl > 0 && ttl <= 255)
    const expected = defaultTtl()
    if (expected !== null) t.is(ttl, expected, 'the system default IP_TTL')
  },
  set_ttl(t, { lines }) {
    t.deepEqual(lines, ['set_ttl(123)', 'ttl() = 123'])
  },

  read_half_poll_peek: checkPollPeek,
  read_half_peek: checkPeekThenRead,
  async owned_read_half_poll_peek(t, run) {
    await checkPollPeek(t, run)
    // `_` dropped the owned write half: that shut the write direction down.
    const [conn] = await onlyConnection(t, await run.server())
    t.true(conn.sawEnd(), 'dropping the OwnedWriteHalf sent a FIN')
  },
  async owned_read_half_peek(t, run) {
    await checkPeekThenRead(t, run)
    const [conn] = await onlyConnection(t, await run.server())
    t.true(conn.sawEnd(), 'dropping the OwnedWriteHalf sent a FIN')
  },

  tcp_listener(t, { lines }) {
    const clients = all(lines, /^client \d connected from (\S+)$/)
    const accepted = all(lines, /^accepted (\S+)$/)
    t.is(clients.length, 3)
    t.deepEqual([...accepted].sort(), [...clients].sort())
  },
  listener_bind: checkListeningOnAddr,
  listener_accept(t, { lines }) {
    const [client] = line(t, lines, /^client connected from (\S+)$/)
    const [peer] = line(t, lines, /^new client: (\S+)$/)
    t.is(peer, client)
  },
  listener_local_addr(t, { lines, addr }) {
    t.deepEqual(lines, [`local_addr() = ${addr}`])
  },
  listener_ttl(t, { lines }) {
    t.deepEqual(lines, ['ttl() = 100'])
  },
  listener_set_ttl(t, { lines }) {
    t.deepEqual(lines, ['set_ttl(100)', 'ttl() = 100'])
  },

  tcp_socket_connect_equivalent: checkConnectedFromTo,
  tcp_socket_bind_equivalent: checkListeningOnAddr,
  socket_new_v4: checkListeningOnAddr,
  socket_new_v6(t, run) {
    t.regex(run.addr, /^\[::1\]:\d+$/)
    checkListeningOnAddr(t, run)
  },
  socket_set_reuseaddr: checkListeningOnAddr,
  socket_reuseaddr(t, run) {
    t.is(run.lines[0], 'reuseaddr() = true')
    checkListeningOnAddr(t, run)
  },
  socket_set_reuseport: checkListeningOnAddr,
  socket_reuseport(t, run) {
    t.is(run.lines[0], 'reuseport() = true')
    checkListeningOnAddr(t, run)
  },
  socket_set_nodelay(t, { lines }) {
    t.deepEqual(lines, ['set_nodelay(true)', 'nodelay() = true'])
  },
  socket_nodelay(t, { lines }) {
    t.deepEqual(lines, ['false'])
  },
  socket_local_addr(t, { lines, addr }) {
    t.deepEqual(lines, [`local_addr() = ${addr}`])
  },
  socket_bind(t, { lines, addr }) {
    t.deepEqual(lines, [`bound to ${addr}`, `listening on ${addr}`])
  },
  socket_connect: checkConnectedFromTo,
  socket_listen: checkListeningOnAddr,

  async buf_reader_lines(t, { lines, server }) {
    t.deepEqual(lines, ['received "line 1"', 'received "line 2"', 'received "line 3"'])
    const [conn, received] = await onlyConnection(t, await server())
    t.is(received.toString(), 'line 1\r\nline 2\r\nline 3\r\n', 'the echo server got the lines, flushed')
    t.true(conn.sawEnd(), 'shutdown() sent a FIN after flushing')
  },

  async copy_bidirectional(t, { lines, server }) {
    t.deepEqual(lines, ['echoed: hello through the proxy', 'proxied 23 bytes up, 23 bytes down'])
    const [conn, received] = await onlyConnection(t, await server())
    t.is(received.toString(), 'hello through the proxy', 'the upstream got the bytes through the proxy')
    t.true(conn.sawEnd(), "the client's FIN was passed on")
  },
}

function exampleTest(example: Example): void {
  const check = checks[example.name]
  test.serial(`${example.name} (${example.tokio})`, async (t) => {
    if (check === undefined) {
      t.fail(`no check for the example ${example.name}`)
      return
    }
    const servers = new Servers()
    t.teardown(() => servers.close())
    const addr = await servers.addrFor(example.needs)
    const lines = await withTimeout(example.main(addr), EXAMPLE_TIMEOUT_MS, example.name)
    t.log(lines.join('\n'))
    const server = (): Promise<ExampleServer> => {
      if (example.needs === 'echo' || example.needs === 'greet' || example.needs === 'greet-close') {
        return servers.server(example.needs)
      }
      throw new Error(`${example.name} talks to no server`)
    }
    await check(t, { lines, addr, server })
  })
}

for (const example of examples) exampleTest(example)

test.serial('every example has a check, and every check an example', (t) => {
  t.deepEqual(Object.keys(checks).sort(), examples.map((e) => e.name).sort())
})

test.after('every handle the examples opened was closed', (t) => {
  t.deepEqual(activeHandles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
})
