// How long a handle lives, and what closing or consuming it does to calls on it: halves and views
// outlive a collected parent, a read pending when intoStd() or intoSplit() consumes its stream
// rejects and leaves the bytes to the new owner, a listener closed from inside its for-await loop
// or with an accept pending, close() with a linger and unsent data.

import { performance } from 'node:perf_hooks'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { TcpListener, TcpStream } from '../index.js'

import { assertClosed, collectGarbage, describeError, describeOutcome, fillSendBuffer, guard, pair, readN, track, watch } from './helpers/index.js'

/** Awaits `p`, turning a rejection into a failure that names `label` and the error. */
async function mustResolve<T>(t: ExecutionContext, p: Promise<T>, label: string): Promise<T | undefined> {
  try {
    return await guard(p, label)
  } catch (e) {
    t.fail(`${label}: ${describeError(e)}`)
    return undefined
  }
}

/** Runs `fn`, turning a throw into a failure that names `label` and the error. */
function mustReturn<T>(t: ExecutionContext, fn: () => T, label: string): T | undefined {
  try {
    return fn()
  } catch (e) {
    t.fail(`${label}: ${describeError(e)}`)
    return undefined
  }
}

test('halves outlive a collected parent: split() halves and a half\'s asRef() view work after the TcpStream is garbage', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const firstPeer = l.accept()
  // The TcpStream is a temporary: only its halves (and, below, a view of a half) stay reachable.
  const [r, w] = (await TcpStream.connect(l.localAddr())).split()
  track(t, r)
  track(t, w)
  const [peer] = await guard(firstPeer, 'accept for the split stream')
  track(t, peer)
  const secondPeer = l.accept()
  const view = (await TcpStream.connect(l.localAddr())).split()[0].asRef()
  track(t, view)
  track(t, (await guard(secondPeer, 'accept for the viewed stream'))[0])

  await collectGarbage()

  await mustResolve(t, w.writeAll(Buffer.from('through the write half')), 'WriteHalf.writeAll after the parent was collected')
  t.is((await readN(peer, 22, 'peer reads what the write half wrote')).toString(), 'through the write half')
  await mustResolve(t, peer.writeAll(Buffer.from('to the read half')), 'peer writes to the read half')
  const got = await mustResolve(t, readN(r, 16, 'ReadHalf.read after the parent was collected'), 'ReadHalf.read after the parent was collected')
  t.is(got?.toString(), 'to the read half')

  mustReturn(t, () => view.setNodelay(true), 'view.setNodelay(true) after its half and stream were collected')
  t.true(mustReturn(t, () => view.nodelay(), 'view.nodelay() after its half and stream were collected'))
})

test('a for-await loop over a listener ends quietly when its body closes the listener', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const client = track(t, await TcpStream.connect(l.localAddr()))
  let bodies = 0
  let peer = ''
  const loop = (async () => {
    for await (const [s, addr] of l) {
      bodies++
      peer = addr.toString()
      s.close()
      l.close()
    }
  })()
  const e = await guard(loop.then(() => undefined, (err: unknown) => err), 'the for-await loop')
  t.is(e, undefined, `the loop threw: ${describeError(e)}`)
  t.is(bodies, 1)
  t.is(peer, client.localAddr().toString())
})

const CONSUMED_DATA = Buffer.from('bytes for the new owner')

/**
 * Runs `fn` in a check-phase callback, then blocks the JS thread a moment: whatever `fn` has the
 * peer write is in the kernel, and seen by the I/O driver, before the JS thread polls anything.
 */
function beforeNextPoll<T>(fn: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(fn())
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
      } catch (e) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- hands on what fn threw, unchanged, as a rethrow would
        reject(e)
      }
    }),
  )
}

/**
 * Has a fresh pair's peer write CONSUMED_DATA and shut down while a read is pending on the client,
 * and consumes the client with `consume` before that read could take the bytes: the read must
 * reject ERR_HANDLE_CLOSED, leaving every byte to what `consume` returned (handed back).
 */
async function consumeWithReadPending<T>(t: ExecutionContext, consume: (s: TcpStream) => T): Promise<T> {
  const [client, server] = await pair(t)
  await guard(server.writable(), 'peer writable')
  const [pending, owner, written] = await beforeNextPoll(() => {
    const pending = watch(client.read(Buffer.alloc(64)))
    const written = server.tryWrite(CONSUMED_DATA)
    // The bytes are in the kernel, but the read has not taken them: it is still pending when its
    // stream is consumed, and must not take them afterwards.
    return [pending, consume(client), written] as const
  })
  t.is(written, CONSUMED_DATA.length)
  await guard(server.shutdown(), 'peer shutdown')
  const o = await guard(pending.settled, 'the pending read')
  t.is(o.state, 'rejected', `the pending read ${describeOutcome(o)}`)
  if (o.state === 'rejected') assertClosed(t, o.error, 'the pending read')
  return owner
}

test('a read pending when intoStd() consumes the stream rejects ERR_HANDLE_CLOSED; the StdTcpStream reads every byte', async (t) => {
  const std = await consumeWithReadPending(t, (s) => track(t, s.intoStd()))
  std.setNonblocking(false)
  const got: Buffer[] = []
  const buf = Buffer.alloc(64)
  // Blocking reads: the peer's bytes and FIN are already in the kernel, so these return at once.
  for (let n = std.read(buf); n > 0; n = std.read(buf)) got.push(Buffer.from(buf.subarray(0, n)))
  t.is(Buffer.concat(got).toString(), CONSUMED_DATA.toString(), 'what the StdTcpStream read')
})

test('a read pending when intoSplit() consumes the stream rejects ERR_HANDLE_CLOSED; the OwnedReadHalf reads every byte', async (t) => {
  const [r] = await consumeWithReadPending(t, (s) => {
    const [r, w] = s.intoSplit()
    return [track(t, r), track(t, w)] as const
  })
  t.is((await guard(r.readToEnd(), 'OwnedReadHalf.readToEnd')).toString(), CONSUMED_DATA.toString(), 'what the OwnedReadHalf read')
})

// Serial: it measures how long close() holds the JS thread, so no other test of this file runs meanwhile.
test.serial('close() with setLinger(3000) and unsent data returns promptly; the peer still receives every byte', async (t) => {
  const [client, server] = await pair(t)
  client.setLinger(3000)
  // The peer does not read yet, so the data stays queued in the send buffer past close().
  const sent = await fillSendBuffer(client)
  t.true(sent > 0)
  const start = performance.now()
  client.close()
  const ms = performance.now() - start
  t.log(`close() with ${sent} bytes unsent and a 3 s linger took ${ms.toFixed(0)} ms`)
  t.true(ms < 1000, `close() held the event loop for ${ms.toFixed(0)} ms`)
  const got = await guard(server.readToEnd(), 'peer readToEnd after the lingering close')
  t.is(got.length, sent, 'bytes the peer received')
  t.true(got.every((b) => b === 0x61), 'the bytes are the ones written')
})

test('a listener closed with an accept pending stops listening at once: the next connect is refused', async (t) => {
  for (let round = 0; round < 10; round++) {
    const listener = await TcpListener.bind('127.0.0.1:0')
    const addr = listener.localAddr()
    const accepting = listener.accept()
    accepting.catch(() => {})
    await new Promise((r) => setImmediate(r))
    listener.close()
    const outcome = await guard(
      TcpStream.connect(addr).then(
        (s) => {
          s.close()
          return 'connected'
        },
        (e: unknown) => String((e as { code?: unknown }).code),
      ),
      `connect after close, round ${round}`,
    )
    t.is(outcome, 'ECONNREFUSED', `round ${round}`)
    assertClosed(t, await accepting.then(() => undefined, (e: unknown) => e), 'the pending accept')
  }
})
