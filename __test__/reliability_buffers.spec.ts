// Regression tests for the reliability defects of issue 8 about buffers and arguments: 5 (a read
// buffer detached or shrunk while the read waits), 9 (more buffers than IOV_MAX; the arrays that
// abort the process are in reliability_process.spec.ts), 14 (async methods that throw
// synchronously) and 15b (aliasing read buffers). Each test is named after its defect's number.

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { Interest, TcpListener, TcpSocket, TcpStream } from '../index.js'
import type { OpOptions } from '../index.js'

import { asyncErr, describeError, describeOutcome, guard, isWouldBlock, pair, readN, shape, syncErr, track, turns, watch } from './helpers/index.js'

// Resizable ArrayBuffers are in Node 20 but not in this project's TypeScript lib (ES2022).
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void
}
const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer

const DATA = Buffer.from('0123456789abcdef')

type ReadOp = 'read' | 'readExact' | 'peek'

/**
 * Starts `op` into a 16-byte buffer, lets it wait, spoils the buffer with `spoil`, then has the
 * peer write DATA. Returns the op's outcome and what a readToEnd gets afterwards.
 */
async function readIntoSpoiledBuffer(
  t: ExecutionContext,
  op: ReadOp,
  make: () => { buffer: ArrayBuffer; view: Uint8Array },
  spoil: (buffer: ArrayBuffer) => void,
) {
  const [client, server] = await pair(t)
  const { buffer, view } = make()
  const pending = watch(client[op](view))
  await turns()
  t.is(pending.outcome().state, 'pending', `precondition: ${op} waits for data`)
  spoil(buffer)
  await guard(server.writeAll(DATA), 'peer write')
  const outcome = await guard(pending.settled, `${op} after its buffer was spoiled`)
  await guard(server.shutdown(), 'peer shutdown')
  const rest = await guard(client.readToEnd(), 'readToEnd afterwards')
  return { outcome, rest, view }
}

const detach = (b: ArrayBuffer) => void structuredClone(b, { transfer: [b] })
const plainBuffer = () => {
  const buffer = new ArrayBuffer(16)
  return { buffer, view: new Uint8Array(buffer) }
}
const resizableBuffer = () => {
  const buffer = new ResizableArrayBuffer(16, { maxByteLength: 64 })
  // No length given: the view tracks the buffer's length as it is resized.
  return { buffer, view: new Uint8Array(buffer) }
}

for (const op of ['read', 'readExact', 'peek'] as const) {
  for (const [how, make, spoil] of [
    ['detached', plainBuffer, detach],
    ['resized to 0', resizableBuffer, (b: ArrayBuffer) => (b as ResizableArrayBuffer).resize(0)],
  ] as const) {
    test(`5 ${op} whose buffer is ${how} while it waits rejects ERR_BUFFER_DETACHED and takes nothing from the socket`, async (t) => {
      const { outcome, rest } = await readIntoSpoiledBuffer(t, op, make, spoil)
      t.is(outcome.state, 'rejected', `${op} ${describeOutcome(outcome)}; the next read got ${rest.length} of ${DATA.length} bytes`)
      if (outcome.state === 'rejected') t.is(shape(outcome.error).code, 'ERR_BUFFER_DETACHED', describeError(outcome.error))
      t.is(rest.toString(), DATA.toString(), 'what the next read got: every byte the peer wrote')
    })
  }
}

test('5 read whose buffer shrinks to 4 bytes while it waits fills at most 4; the next read gets the rest', async (t) => {
  const { outcome, rest, view } = await readIntoSpoiledBuffer(t, 'read', resizableBuffer, (b) => (b as ResizableArrayBuffer).resize(4))
  t.is(outcome.state, 'resolved', `read ${describeOutcome(outcome)}`)
  const n = outcome.state === 'resolved' ? outcome.value : 0
  t.true(n >= 1 && n <= 4, `read resolved with ${n}`)
  t.is(Buffer.concat([view.subarray(0, n), rest]).toString(), DATA.toString(), 'the shrunk read plus the next read: every byte, in order')
})

/** `count` one-byte buffers holding 0, 1, 2, ... (mod 256). */
function oneByteBuffers(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from([i & 0xff]))
}

function assertRangeError(t: ExecutionContext, e: unknown, label: string): void {
  t.true(e instanceof RangeError, `${label}: expected a RangeError, got ${describeError(e)}`)
}

test('9 more than IOV_MAX (1025) buffers is a RangeError for every vectored call; 1024 work', async (t) => {
  const [refused] = await pair(t)
  const over = oneByteBuffers(1025)
  assertRangeError(t, syncErr(t, () => refused.tryWriteVectored(over), 'tryWriteVectored(1025)'), 'tryWriteVectored(1025)')
  assertRangeError(t, syncErr(t, () => refused.tryReadVectored(oneByteBuffers(1025)), 'tryReadVectored(1025)'), 'tryReadVectored(1025)')
  assertRangeError(t, await asyncErr(t, () => refused.writeVectored(over), 'writeVectored(1025)'), 'writeVectored(1025)')
  assertRangeError(t, await asyncErr(t, () => refused.pollWriteVectored(over), 'pollWriteVectored(1025)'), 'pollWriteVectored(1025)')

  const [client, server] = await pair(t)
  const max = oneByteBuffers(1024)
  const expected = Buffer.concat(max)
  await guard(client.writable(), 'writable')
  t.is(client.tryWriteVectored(max), 1024, 'tryWriteVectored(1024)')
  t.is(await guard(client.writeVectored(max), 'writeVectored(1024)'), 1024)
  t.is(await guard(client.pollWriteVectored(max), 'pollWriteVectored(1024)'), 1024)
  t.true((await readN(server, 3 * 1024, 'peer reads the vectored writes')).equals(Buffer.concat([expected, expected, expected])))

  await guard(server.writeAll(expected), 'peer write')
  const into = oneByteBuffers(1024).map((b) => b.fill(0))
  let got = 0
  while (got === 0) {
    await guard(client.readable(), 'readable')
    try {
      got = client.tryReadVectored(into)
    } catch (e) {
      if (!isWouldBlock(e)) throw e
    }
  }
  t.true(Buffer.concat(into).subarray(0, got).equals(expected.subarray(0, got)), `tryReadVectored(1024) read ${got} bytes in order`)
})

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

test('14 every async method returns a promise rejecting with what a throwing options getter or signal getter threw', async (t) => {
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

test('14 connect and bind return a promise rejecting with what a throwing address getter threw', async (t) => {
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

test('15b tryReadVectored refuses overlapping buffers (ERR_INVALID_ARG_VALUE) and reads nothing; tryWriteVectored([b, b]) writes b twice', async (t) => {
  const [client, server] = await pair(t)
  await guard(server.writeAll(Buffer.from('abcdefgh')), 'peer write')
  await guard(client.readable(), 'readable')
  const b = Buffer.alloc(4)
  const shared = new ArrayBuffer(8)
  for (const [label, bufs] of [
    ['the same Uint8Array twice', [b, b]],
    ['two views over overlapping parts of one ArrayBuffer', [new Uint8Array(shared, 0, 6), new Uint8Array(shared, 4, 4)]],
  ] as const) {
    const e = syncErr(t, () => client.tryReadVectored([...bufs]), `tryReadVectored: ${label}`)
    t.is(shape(e).code, 'ERR_INVALID_ARG_VALUE', `tryReadVectored, ${label}: ${describeError(e)}`)
  }
  t.is((await readN(client, 8, 'read after the refused calls')).toString(), 'abcdefgh', 'the refused calls read nothing')

  // Disjoint views over one ArrayBuffer do not overlap: that still works.
  await guard(server.writeAll(Buffer.from('ijklmnop')), 'peer write')
  const halves = [new Uint8Array(shared, 0, 4), new Uint8Array(shared, 4, 4)]
  let n = 0
  while (n < 8) {
    await guard(client.readable(), 'readable')
    try {
      n += client.tryReadVectored(n < 4 ? [halves[0].subarray(n), halves[1]] : [halves[1].subarray(n - 4)])
    } catch (e) {
      if (!isWouldBlock(e)) throw e
    }
  }
  t.is(Buffer.from(shared).toString(), 'ijklmnop', 'adjacent views over one ArrayBuffer')

  const twice = Buffer.from('xy')
  await guard(client.writable(), 'writable')
  t.is(client.tryWriteVectored([twice, twice]), 4)
  t.is((await readN(server, 4, 'peer reads both copies')).toString(), 'xyxy')
})
