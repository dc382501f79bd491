// Faults a real network throws at a stream: a peer that resets, half-closes, or stops reading; a
// listener closed under pending accepts; a worker terminated, or the process exiting, with
// operations pending. Each ends in a typed error or a clean result, never a hang (every wait is
// bounded by `guard`) and never a crash (what could crash runs in a child process).

import { randomBytes } from 'node:crypto'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import {
  anyErr,
  assertClosed,
  describeError,
  guard,
  pair,
  quiet,
  readN,
  sha256,
  shape,
  track,
  turns,
} from '../__test__/helpers/index.js'

import { describe, describeExit, fixtureArgv, isResetOrPipe, lastJsonLine, runCommand, smallBufferPair, stateAfter } from './_fault_helpers.js'
import { pick } from './_profile.js'

const ROUNDS = pick(4, 40)

interface Reader {
  read(buf: Uint8Array): Promise<number>
}
interface Writer {
  writeAll(buf: Uint8Array): Promise<void>
  shutdown(): Promise<void>
}

/** Settles `p` (bounded) and returns its rejection reason; a resolution is a failure. */
async function rejection(t: ExecutionContext, p: Promise<unknown>, label: string): Promise<unknown> {
  return guard(
    p.then(
      (v) => {
        t.fail(`${label}: resolved with ${String(v)} instead of rejecting`)
        return undefined
      },
      (e: unknown) => e,
    ),
    label,
  )
}

/** The peer closes with zero linger: the kernel sends an RST instead of a FIN. */
function resetBy(peer: TcpStream): void {
  peer.setZeroLinger()
  peer.close()
}

/** Each way of reading and writing one socket: the stream itself, borrowed halves, owned halves. */
const ends: Array<[string, (t: ExecutionContext, s: TcpStream) => [Reader, Writer]]> = [
  ['TcpStream', (_t, s) => [s, s]],
  ['split halves', (_t, s) => s.split()],
  [
    'intoSplit halves',
    (t, s) => {
      const [r, w] = s.intoSplit()
      return [track(t, r), track(t, w)]
    },
  ],
]

test('a peer reset while a writeAll is under way rejects it with ECONNRESET or EPIPE', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, endsOf] of ends) {
      const [client, server] = await smallBufferPair(t)
      const [, writer] = endsOf(t, client)
      // 4 MiB cannot fit in the 64 KiB buffers: the write is still going when the RST comes.
      const writing = quiet(writer.writeAll(Buffer.alloc(4 << 20, 0x5a)))
      await guard(server.readable(), `${name}: first bytes reach the peer`)
      resetBy(server)
      const e = await rejection(t, writing, `${name}.writeAll after the peer's RST`)
      t.true(isResetOrPipe(e), `${name}.writeAll: ${describe(e)}`)
    }
  }
})

test('a peer reset while a read is pending rejects it with ECONNRESET', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, endsOf] of ends) {
      const [client, server] = await pair(t)
      const [reader] = endsOf(t, client)
      const reading = quiet(reader.read(Buffer.alloc(1024)))
      await turns(10)
      resetBy(server)
      const e = await rejection(t, reading, `${name}.read after the peer's RST`)
      t.is(shape(e).code, 'ECONNRESET', `${name}.read: ${describe(e)}`)
      t.is(shape(e).kind, 'ConnectionReset', `${name}.read: ${describe(e)}`)
    }
  }
})

test('a peer reset in the middle of a transfer ends the reader with ECONNRESET, after the bytes that arrived', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    const [client, server] = await pair(t)
    const payload = randomBytes(2 << 20)
    const sending = quiet(server.writeAll(payload))
    const buf = Buffer.alloc(64 * 1024)
    const got: Buffer[] = []
    let total = 0
    let ended: unknown = null
    let reset = false
    for (;;) {
      let n: number
      try {
        n = await guard(client.read(buf), `read at ${total}`)
      } catch (e) {
        ended = e
        break
      }
      if (n === 0) break
      got.push(Buffer.from(buf.subarray(0, n)))
      total += n
      if (!reset && total >= 256 * 1024) {
        // Part-way: reset once; the loop goes on reading what had arrived before the RST.
        reset = true
        resetBy(server)
      }
    }
    await sending.catch(() => {}) // the server's own writeAll ends with its handle closed
    t.truthy(ended, `round ${round}: the reader saw EOF after ${total} bytes instead of the reset`)
    t.is(shape(ended).code, 'ECONNRESET', `round ${round}: ${describe(ended)}`)
    t.true(Buffer.concat(got).equals(payload.subarray(0, total)), `round ${round}: the ${total} bytes read are a prefix of what was sent`)
  }
})

test('a peer half-close: our read gets 0, our writes still reach the peer, then our shutdown ends its reads', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, endsOf] of ends) {
      const [client, server] = await pair(t)
      const [reader, writer] = endsOf(t, client)
      await guard(server.shutdown(), 'peer shutdown')
      t.is(await guard(reader.read(Buffer.alloc(16)), `${name}: read after FIN`), 0, `${name}: EOF after the peer's FIN`)
      t.is(await guard(reader.read(Buffer.alloc(16)), `${name}: read again`), 0, `${name}: EOF stays EOF`)
      // Our direction is still open: a server answering after the request ended relies on it.
      const answer = randomBytes(100_000)
      await guard(writer.writeAll(answer), `${name}: write after the peer's FIN`)
      t.is(sha256(await readN(server, answer.length, `${name}: peer reads the answer`)), sha256(answer))
      await guard(writer.shutdown(), `${name}: our shutdown`)
      t.is(await guard(server.read(Buffer.alloc(16)), `${name}: peer read after our FIN`), 0)
    }
  }
})

test('a peer that stops reading: writeAll waits, then completes when the peer resumes, nothing lost', async (t) => {
  const size = pick(4 << 20, 32 << 20)
  for (let round = 0; round < Math.min(ROUNDS, 4); round++) {
    const [client, server] = await smallBufferPair(t)
    const payload = randomBytes(size)
    const writing = quiet(client.writeAll(payload))
    // The buffers hold a few hundred KiB at most, so this cannot have finished: it waits on us.
    t.is(await stateAfter(writing, 300), 'pending', 'writeAll settled although the peer read nothing')
    const received = await readN(server, size, 'the peer resumes reading')
    await guard(writing, 'writeAll after the peer resumed')
    t.is(received.length, size)
    t.is(sha256(received), sha256(payload), 'every byte arrived, in order')
  }
})

test('closing a listener rejects every pending accept and pollAccept with ERR_HANDLE_CLOSED; queued connections are reset', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
    const accepts = Array.from({ length: 8 }, () => quiet(listener.accept()))
    const polled = quiet(listener.pollAccept())
    await turns(10)
    listener.close()
    for (const [i, p] of accepts.entries()) assertClosed(t, await rejection(t, p, `accept #${i}`), `accept #${i}`)
    assertClosed(t, await rejection(t, polled, 'pollAccept'), 'pollAccept')
    assertClosed(t, await anyErr(t, () => listener.accept(), 'accept after close'), 'accept after close')

    // A connection the kernel completed but nobody accepted is reset when the listener goes.
    const second = await TcpListener.bind('127.0.0.1:0')
    const client = track(t, await guard(TcpStream.connect(second.localAddr()), 'connect into the backlog'))
    second.close()
    const e = await rejection(t, client.read(Buffer.alloc(8)), 'read on a connection its listener dropped')
    t.is(shape(e).code, 'ECONNRESET', describeError(e))
  }
})

test('for-await over a listener closed while it waits, or closed before the loop, ends without throwing', async (t) => {
  const listener = await TcpListener.bind('127.0.0.1:0')
  const client = track(t, await TcpStream.connect(listener.localAddr()))
  const seen: string[] = []
  const loop = (async () => {
    for await (const [stream] of listener) {
      seen.push(stream.peerAddr().toString())
      stream.close()
    }
  })()
  // awaited after the close below; until then a failure must not be an unhandled rejection
  loop.catch(() => {})
  await turns(20)
  await guard(
    (async () => {
      while (seen.length === 0) await turns(1)
    })(),
    'the loop accepts the first connection',
  )
  listener.close()
  const outcome = await guard(
    loop.then(
      () => 'ended',
      (e: unknown) => `threw ${describe(e)}`,
    ),
    'the loop after close',
  )
  t.is(outcome, 'ended')
  t.deepEqual(seen, [client.localAddr().toString()])

  // A listener already closed when the loop starts: zero iterations, no throw.
  const closedFirst = await TcpListener.bind('127.0.0.1:0')
  closedFirst.close()
  const again = await guard(
    (async () => {
      let n = 0
      for await (const [stream] of closedFirst) {
        stream.close()
        n++
      }
      return `ended after ${n}`
    })().catch((e: unknown) => `threw ${describe(e)}`),
    'for-await over an already closed listener',
  )
  t.is(again, 'ended after 0')
})

interface WorkerRounds {
  rounds: number
  echoed: number
  handles: Record<string, number>
}

test('terminating workers with operations pending leaves the main thread working (child process)', async (t) => {
  const r = await runCommand(fixtureArgv('fault_worker_terminate.ts', [String(pick(9, 60))]), { timeoutMs: pick(60_000, 300_000) })
  t.log(`child: ${r.ms}ms`)
  t.is(r.code, 0, describeExit(r))
  t.is(r.signal, null, describeExit(r))
  const res = lastJsonLine<WorkerRounds>(r.stdout, 'RESULT')
  t.truthy(res, describeExit(r))
  if (!res) return
  t.is(res.echoed, res.rounds, 'the main thread echoed once after every termination')
  t.deepEqual(res.handles, { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 }, 'the main thread closed everything it opened')
})

const EXIT_MODES = ['exit-at-once', 'exit-when-pending', 'exit-with-worker-pending', 'exit-from-worker', 'natural-end-unref', 'natural-end-unref-worker'] as const

for (const mode of EXIT_MODES) {
  test(`the process ends with code 0, no crash, no hang, while operations are pending: ${mode} (child process)`, async (t) => {
    for (let i = 0; i < pick(3, 20); i++) {
      const r = await runCommand(fixtureArgv('fault_exit_pending.ts', [mode]), { timeoutMs: 30_000 })
      t.is(r.code, 0, `${mode} #${i}: ${describeExit(r)}`)
      t.is(r.signal, null, `${mode} #${i}: ${describeExit(r)}`)
      t.regex(r.stdout, /^PENDING\b/m, `${mode} #${i}: the fixture reached its exit point: ${describeExit(r)}`)
      t.notRegex(r.stderr, /panic|FATAL|Assertion|Segmentation|abort/i, `${mode} #${i}: ${r.stderr}`)
    }
  })
}
