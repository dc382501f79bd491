// The buffers a TcpStream call reads into or writes from: a read buffer detached or resized while
// the read waits, more buffers than IOV_MAX in one vectored call, and a vectored read into
// overlapping buffers. (Arrays of length 2**32 - 1, which could abort the process, are in
// process_safety.spec.ts.)

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { asyncErr, describeError, describeOutcome, guard, isWouldBlock, pair, readN, shape, syncErr, turns, watch } from './helpers/index.js'

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
    test(`${op} whose buffer is ${how} while it waits rejects ERR_BUFFER_DETACHED and takes nothing from the socket`, async (t) => {
      const { outcome, rest } = await readIntoSpoiledBuffer(t, op, make, spoil)
      t.is(outcome.state, 'rejected', `${op} ${describeOutcome(outcome)}; the next read got ${rest.length} of ${DATA.length} bytes`)
      if (outcome.state === 'rejected') t.is(shape(outcome.error).code, 'ERR_BUFFER_DETACHED', describeError(outcome.error))
      t.is(rest.toString(), DATA.toString(), 'what the next read got: every byte the peer wrote')
    })
  }
}

test('read whose buffer shrinks to 4 bytes while it waits fills at most 4; the next read gets the rest', async (t) => {
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

test('more than IOV_MAX (1025) buffers is a RangeError for every vectored call; 1024 work', async (t) => {
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

test('tryReadVectored refuses overlapping buffers (ERR_INVALID_ARG_VALUE) and reads nothing; tryWriteVectored([b, b]) writes b twice', async (t) => {
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
