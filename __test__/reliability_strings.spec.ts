// Reliability 3, items 6 and 7d. A line longer than a JS string can be (V8's limit, Node's
// `buffer.constants.MAX_STRING_LENGTH`) rejects with Node's `ERR_STRING_TOO_LONG` and is consumed,
// through each road a line takes to JS: `BufReader.readLine`, `Lines.nextLine` and the `Lines`
// async iterator (whose chunks hold many lines). And a sync method whose argument's getter closes
// or consumes its handle throws `ERR_HANDLE_CLOSED` instead of acting on it.
//
// The long lines are real: just over 512 MiB each over loopback (under a second each on a 2-core
// machine, written in 4 MiB pieces). The tests that send them run one at a time, so no two hold
// their gigabytes at once.

import { constants } from 'node:buffer'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { BufReader, TcpSocket } from '../index.js'

import { assertClosed, asyncErr, describeError, guard, pair, shape, syncErr, track } from './helpers/index.js'

const MAX = constants.MAX_STRING_LENGTH
/** A reader buffer large enough that half a gigabyte crosses in few reads. */
const CAPACITY = 4 * 1024 * 1024
/** A guard for the sends of half a gigabyte (hang guard only, not a timing assertion). */
const BIG_MS = 60_000

let body: Buffer | undefined
/** `MAX + 1` bytes of `'a'`, allocated once for every test: one more than a string can hold. */
function tooLong(): Buffer {
  body ??= Buffer.alloc(MAX + 1, 0x61)
  return body
}

/** Writes `bytes` a piece at a time, so no write holds a copy of half a gigabyte. */
async function writeLong(stream: { writeAll(buf: Uint8Array): Promise<void> }, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; at += CAPACITY) await stream.writeAll(bytes.subarray(at, at + CAPACITY))
}

function assertTooLong(t: ExecutionContext, e: unknown, len: number, label: string): void {
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  // A plain Error, as Node's own ERR_STRING_TOO_LONG.
  t.is(Object.getPrototypeOf(e), Error.prototype, `${label}: ${describeError(e)}`)
  t.is(shape(e).code, 'ERR_STRING_TOO_LONG', `${label}: ${describeError(e)}`)
  t.is(shape(e).kind, 'InvalidData', `${label}: ${describeError(e)}`)
  const message = String(shape(e).message)
  t.true(message.includes(`0x${MAX.toString(16)}`), `${label}: the limit is in the message: ${message}`)
  t.true(message.includes(String(len)), `${label}: the line's length (${len}) is in the message: ${message}`)
}

test.serial('readLine: a line longer than a string can be rejects ERR_STRING_TOO_LONG (not ERR_INTERNAL); it is consumed and the next readLine gets the line after it', async (t) => {
  const [client, server] = await pair(t)
  const reader = track(t, new BufReader(server, CAPACITY))
  const written = (async () => {
    await writeLong(client, tooLong())
    await client.writeAll(Buffer.from('\nnext\n'))
  })()
  written.catch(() => {})
  const e = await asyncErr(t, () => guard(reader.readLine(), 'readLine of the long line', BIG_MS), 'readLine of the long line')
  // readLine keeps the line feed: the string would have been MAX + 2 characters.
  assertTooLong(t, e, MAX + 2, 'readLine')
  t.is(await guard(reader.readLine(), 'readLine after it'), 'next\n')
  await guard(written, 'writer', BIG_MS)
})

test.serial('Lines.nextLine: the lines before a too-long line come first, the long one rejects ERR_STRING_TOO_LONG, and nextLine goes on after it', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server, CAPACITY).lines())
  const written = (async () => {
    await client.writeAll(Buffer.from('first\r\n'))
    await writeLong(client, tooLong())
    // A CR before the LF is not part of the line: the line is still MAX + 1 bytes.
    await client.writeAll(Buffer.from('\r\nafter\n'))
    await client.shutdown()
  })()
  written.catch(() => {})
  t.is(await guard(lines.nextLine(), 'nextLine before the long line'), 'first')
  const e = await asyncErr(t, () => guard(lines.nextLine(), 'nextLine of the long line', BIG_MS), 'nextLine of the long line')
  assertTooLong(t, e, MAX + 1, 'nextLine')
  t.is(await guard(lines.nextLine(), 'nextLine after it'), 'after')
  t.is(await guard(lines.nextLine(), 'nextLine at end of stream'), null)
  await guard(written, 'writer', BIG_MS)
})

test.serial('Lines async iterator: a line of exactly the longest string length is yielded; one byte longer rejects the step with ERR_STRING_TOO_LONG, after the lines before it, and iteration goes on after it', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server, CAPACITY).lines())
  const written = (async () => {
    await client.writeAll(Buffer.from('a\nb\n'))
    await writeLong(client, tooLong().subarray(0, MAX))
    await client.writeAll(Buffer.from('\n'))
    await writeLong(client, tooLong())
    await client.writeAll(Buffer.from('\nc\nd'))
    await client.shutdown()
  })()
  written.catch(() => {})
  const it = lines[Symbol.asyncIterator]()
  t.deepEqual(await guard(it.next(), 'step a'), { value: 'a', done: false })
  t.deepEqual(await guard(it.next(), 'step b'), { value: 'b', done: false })
  const longest = await guard(it.next(), 'step of the longest line', BIG_MS)
  t.false(longest.done)
  const line = longest.value as string
  t.is(line.length, MAX)
  t.true(line.startsWith('aaaa') && line.endsWith('aaaa') && !line.includes('\n'))
  const e = await asyncErr(t, () => guard(it.next(), 'step of the too-long line', BIG_MS), 'step of the too-long line')
  assertTooLong(t, e, MAX + 1, 'iterator step')
  const rest: string[] = []
  for await (const l of lines) rest.push(l)
  t.deepEqual(rest, ['c', 'd'])
  await guard(written, 'writer', BIG_MS)
})

// 7d: a getter run while a sync method reads its argument may close or consume the handle.

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
