// Data integrity through every read path and every write path, for any payload size: the unit
// suite registers it with 64 MiB (__test__/integrity.spec.ts), the stress suite with up to
// 1 GiB (stress/integrity.spec.ts). The payload is generated from a seed while it is sent and
// hashed on the way; the other end is node:net, except in the last test where both are ours.

import type { ExecutionContext, TestFn } from 'ava'

import { BytesMut, TcpListener, TcpStream } from '../index.js'

import { guard, HashSink, isWouldBlock, MiB, nodeReceiver, nodeSender, Payload, readLoop, runSeed, track } from './_helpers.js'
import type { Digest } from './_helpers.js'

export interface IntegrityOptions {
  /** Bytes through each path; a multiple of 1 MiB. */
  size: number
  /** Hang guard for one whole transfer (not a timing assertion). */
  hangMs: number
  /** Called with each path's wall time, for the stress suite's figures. */
  onDone?: (t: ExecutionContext, id: string, size: number, ms: number) => void
}

interface Path {
  id: string
  title: string
}

interface ReadPath extends Path {
  /** Reads `s` to its end, checking what it can on the way; returns the digest of what it read. */
  read(t: ExecutionContext, s: TcpStream, payload: Payload): Promise<Digest>
}

interface WritePath extends Path {
  /** Writes every chunk, in order and whole, then ends the write direction (FIN). */
  write(t: ExecutionContext, s: TcpStream, chunks: Iterable<Buffer>): Promise<void>
}

const CHUNK = MiB
const WRITE_ALL_MAX = 64 * MiB

/** Runs `tryOnce` after `readable()` until it returns 0 (EOF), retrying on WouldBlock. */
async function readableLoop(s: TcpStream, tryOnce: () => number): Promise<void> {
  for (;;) {
    await s.readable()
    let n: number
    try {
      n = tryOnce()
    } catch (e) {
      if (isWouldBlock(e)) continue
      throw e
    }
    if (n === 0) return
  }
}

/** Uneven pieces of `chunk` from `off`, for the vectored writes. */
function slices(chunk: Buffer, off: number): Buffer[] {
  const out: Buffer[] = []
  for (const size of [777, 65_536, 300_001, 5]) {
    if (off >= chunk.length) break
    out.push(chunk.subarray(off, off + size))
    off += size
  }
  return out
}

/** Writes each chunk whole through `some`, which writes a prefix of what it is given. */
async function writeEach(chunks: Iterable<Buffer>, some: (chunk: Buffer, off: number) => Promise<number>): Promise<void> {
  for (const chunk of chunks) {
    let off = 0
    while (off < chunk.length) {
      const n = await some(chunk, off)
      if (!(n > 0)) throw new Error(`a write returned ${n}`)
      off += n
    }
  }
}

/** `writeEach` through a synchronous `try*` write after `writable()`. */
function tryWriteEach(s: TcpStream, chunks: Iterable<Buffer>, attempt: (chunk: Buffer, off: number) => number): Promise<void> {
  return writeEach(chunks, async (chunk, off) => {
    for (;;) {
      await s.writable()
      try {
        return attempt(chunk, off)
      } catch (e) {
        if (!isWouldBlock(e)) throw e
      }
    }
  })
}

/** Groups chunks into buffers of up to `max` bytes (writeAll of a large buffer at once). */
function* grouped(chunks: Iterable<Buffer>, max: number): Generator<Buffer> {
  let group: Buffer[] = []
  let length = 0
  for (const chunk of chunks) {
    group.push(chunk)
    length += chunk.length
    if (length >= max) {
      yield Buffer.concat(group)
      group = []
      length = 0
    }
  }
  if (length > 0) yield Buffer.concat(group)
}

const READ_PATHS: ReadPath[] = [
  { id: 'read', title: 'read() loop', read: (_t, s) => readLoop(s) },
  {
    id: 'readExact',
    title: 'readExact() in 1 MiB pieces, then EOF; readExact past EOF is UnexpectedEof',
    read: async (t, s, payload) => {
      const sink = new HashSink()
      const buf = Buffer.alloc(MiB)
      for (let i = 0; i < payload.size / MiB; i++) {
        const n = await s.readExact(buf)
        if (n !== buf.length) throw new Error(`readExact resolved with ${n}, not ${buf.length}`)
        sink.update(buf)
      }
      const err = await s.readExact(Buffer.alloc(1)).then(
        () => null,
        (e: unknown) => e,
      )
      t.is((err as { kind?: string } | null)?.kind, 'UnexpectedEof')
      return sink.digest()
    },
  },
  {
    id: 'readToEnd',
    title: 'readToEnd()',
    read: async (t, s) => {
      const all = await s.readToEnd()
      t.true(Buffer.isBuffer(all))
      const sink = new HashSink()
      sink.update(all)
      return sink.digest()
    },
  },
  {
    id: 'tryRead',
    title: 'readable() + tryRead() loop',
    read: async (_t, s) => {
      const sink = new HashSink()
      const buf = Buffer.alloc(64 * 1024)
      await readableLoop(s, () => {
        const n = s.tryRead(buf)
        sink.update(buf.subarray(0, n))
        return n
      })
      return sink.digest()
    },
  },
  {
    id: 'tryReadVectored',
    title: 'readable() + tryReadVectored() with uneven buffers',
    read: async (_t, s) => {
      const sink = new HashSink()
      const bufs = [Buffer.alloc(1000), Buffer.alloc(7919), new Uint8Array(100_000)]
      await readableLoop(s, () => {
        const n = s.tryReadVectored(bufs)
        let left = n
        for (const b of bufs) {
          const k = Math.min(left, b.length)
          sink.update(b.subarray(0, k))
          left -= k
        }
        return n
      })
      return sink.digest()
    },
  },
  {
    id: 'tryReadBuf',
    title: 'readable() + tryReadBuf() into a growing BytesMut',
    read: async (_t, s) => {
      const sink = new HashSink()
      const bm = new BytesMut(4096)
      await readableLoop(s, () => {
        const n = s.tryReadBuf(bm)
        if (bm.length >= 4 * MiB) {
          sink.update(bm.toBuffer())
          bm.clear()
        }
        return n
      })
      sink.update(bm.toBuffer())
      return sink.digest()
    },
  },
  {
    id: 'ReadHalf',
    title: 'split() ReadHalf peek() then read() loop',
    read: async (t, s, payload) => {
      const [r] = s.split()
      const head = Buffer.alloc(16)
      const n = await r.peek(head)
      t.true(n > 0)
      t.true(head.subarray(0, n).equals(payload.bytes(0, n)), 'peek shows the first bytes')
      return readLoop(r, 100_000)
    },
  },
  {
    id: 'OwnedReadHalf',
    title: 'intoSplit() OwnedReadHalf readExact() then readToEnd()',
    read: async (t, s) => {
      const [r, w] = s.intoSplit()
      track(t, r)
      track(t, w)
      const first = Buffer.alloc(12345)
      await r.readExact(first)
      const rest = await r.readToEnd()
      const sink = new HashSink()
      sink.update(first)
      sink.update(rest)
      return sink.digest()
    },
  },
]

const WRITE_PATHS: WritePath[] = [
  {
    id: 'write',
    title: 'write() loop, flush()',
    write: async (_t, s, chunks) => {
      await writeEach(chunks, (chunk, off) => s.write(chunk.subarray(off)))
      await s.flush()
      await s.shutdown()
    },
  },
  {
    id: 'writeAll',
    title: `writeAll() of up to ${WRITE_ALL_MAX / MiB} MiB at once`,
    write: async (_t, s, chunks) => {
      for (const big of grouped(chunks, WRITE_ALL_MAX)) await s.writeAll(big)
      await s.shutdown()
    },
  },
  {
    id: 'writeVectored',
    title: 'writeVectored() loop',
    write: async (_t, s, chunks) => {
      await writeEach(chunks, (chunk, off) => s.writeVectored(slices(chunk, off)))
      await s.shutdown()
    },
  },
  {
    id: 'tryWrite',
    title: 'writable() + tryWrite() loop',
    write: async (_t, s, chunks) => {
      await tryWriteEach(s, chunks, (chunk, off) => s.tryWrite(chunk.subarray(off)))
      await s.shutdown()
    },
  },
  {
    id: 'tryWriteVectored',
    title: 'writable() + tryWriteVectored() loop',
    write: async (_t, s, chunks) => {
      await tryWriteEach(s, chunks, (chunk, off) => s.tryWriteVectored(slices(chunk, off)))
      await s.shutdown()
    },
  },
  {
    id: 'pollWrite',
    title: 'pollWrite() loop',
    write: async (_t, s, chunks) => {
      await writeEach(chunks, (chunk, off) => s.pollWrite(chunk.subarray(off)))
      await s.shutdown()
    },
  },
  {
    id: 'pollWriteVectored',
    title: 'pollWriteVectored() loop',
    write: async (_t, s, chunks) => {
      await writeEach(chunks, (chunk, off) => s.pollWriteVectored(slices(chunk, off)))
      await s.shutdown()
    },
  },
  {
    id: 'WriteHalf',
    title: 'split() WriteHalf write() loop + shutdown()',
    write: async (_t, s, chunks) => {
      const [, w] = s.split()
      await writeEach(chunks, (chunk, off) => w.write(chunk.subarray(off, off + 300_000)))
      await w.shutdown()
    },
  },
  {
    id: 'OwnedWriteHalf',
    title: 'intoSplit() OwnedWriteHalf writeVectored()/writeAll(), FIN on close()',
    write: async (t, s, chunks) => {
      const [r, w] = s.intoSplit()
      track(t, r)
      track(t, w)
      let i = 0
      for (const chunk of chunks) {
        if (i++ % 2 === 0) await w.writeAll(chunk)
        else await writeEach([chunk], (c, off) => w.writeVectored(slices(c, off)))
      }
      w.close() // closing the owned write half sends the FIN
    },
  },
]

function check(t: ExecutionContext, got: Digest, want: Digest, size: number, label: string): void {
  t.is(want.length, size, `${label}: bytes the sender sent`)
  t.is(got.length, want.length, `${label}: bytes received`)
  t.is(got.hash, want.hash, `${label}: sha256`)
}

/** Registers one serial test per read path, per write path, and one with our API on both ends. */
export function registerIntegrityTests(test: TestFn, options: IntegrityOptions): void {
  const { size, hangMs } = options
  const mib = `${size / MiB} MiB`
  const timed = async (t: ExecutionContext, id: string, body: () => Promise<void>) => {
    const start = performance.now()
    await guard(body(), id, hangMs)
    options.onDone?.(t, id, size, performance.now() - start)
  }
  const newPayload = (t: ExecutionContext) => {
    const seed = runSeed()
    t.log(`seed ${seed} (TOKIO_NET_STRESS_SEED=${seed} replays it)`)
    return new Payload(size, seed)
  }

  for (const path of READ_PATHS) {
    test.serial(`read path, ${mib}: ${path.title}`, async (t) => {
      const payload = newPayload(t)
      const [addr, sent] = await nodeSender(t, payload)
      const s = track(t, await TcpStream.connect(addr))
      await timed(t, `read:${path.id}`, async () => {
        const got = await path.read(t, s, payload)
        check(t, got, await sent, size, path.id)
      })
    })
  }

  for (const path of WRITE_PATHS) {
    test.serial(`write path, ${mib}: ${path.title}`, async (t) => {
      const payload = newPayload(t)
      const [addr, received] = await nodeReceiver(t)
      const s = track(t, await TcpStream.connect(addr))
      await timed(t, `write:${path.id}`, async () => {
        const sent = new HashSink()
        await path.write(t, s, payload.chunks(CHUNK, sent))
        check(t, await received, sent.digest(), size, path.id)
      })
    })
  }

  test.serial(`both ends ours, ${mib} each way at once: OwnedWriteHalf writeAll()/write() -> OwnedReadHalf read()`, async (t) => {
    const payload = newPayload(t)
    const l = track(t, await TcpListener.bind('127.0.0.1:0'))
    const [a, [b]] = await Promise.all([TcpStream.connect(l.localAddr()), l.accept()])
    l.close()
    const [ar, aw] = a.intoSplit()
    const [br, bw] = b.intoSplit()
    for (const h of [ar, aw, br, bw]) track(t, h)
    const aSent = new HashSink()
    const bSent = new HashSink()
    await timed(t, 'both-ends', async () => {
      const [toB, toA] = await Promise.all([
        readLoop(br, 128 * 1024),
        readLoop(ar, 64 * 1024),
        (async () => {
          for (const chunk of payload.chunks(CHUNK, aSent)) await aw.writeAll(chunk)
          await aw.shutdown()
        })(),
        (async () => {
          await writeEach(payload.chunks(CHUNK, bSent), (chunk, off) => bw.write(chunk.subarray(off)))
          bw.close() // FIN
        })(),
      ])
      check(t, toB, aSent.digest(), size, 'a -> b')
      check(t, toA, bSent.digest(), size, 'b -> a')
    })
  })
}
