// Data integrity: 64 MiB of random bytes through every read path and every write path,
// sha256 compared on both sides.

import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { BytesMut, TcpListener, TcpStream } from '../index.js'

import { closeQuietly, guard, isWouldBlock, sha256, track } from './_helpers.js'

const SIZE = 64 * 1024 * 1024
const DATA = randomBytes(SIZE)
const DIGEST = sha256(DATA)
const LONG = 120_000 // hang guard for a whole 64 MiB transfer

interface Digest {
  length: number
  hash: string
}

/** A node:net server that sends DATA to each connection and closes its write side. */
async function nodeSender(t: ExecutionContext): Promise<string> {
  const server = net.createServer((s) => {
    s.on('error', () => {})
    s.end(DATA)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

/** A node:net server that hashes what one connection sends until its FIN. */
async function nodeReceiver(t: ExecutionContext): Promise<[string, Promise<Digest>]> {
  let done!: (d: Digest) => void
  const result = new Promise<Digest>((resolve) => (done = resolve))
  const server = net.createServer((s) => {
    const h = createHash('sha256')
    let length = 0
    s.on('data', (d: Buffer) => {
      h.update(d)
      length += d.length
    })
    s.on('end', () => {
      done({ length, hash: h.digest('hex') })
      s.end()
    })
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return [`127.0.0.1:${(server.address() as net.AddressInfo).port}`, result]
}

function check(t: ExecutionContext, d: Digest, label: string): void {
  t.is(d.length, SIZE, `${label}: byte count`)
  t.is(d.hash, DIGEST, `${label}: sha256`)
}

interface Reader {
  read(buf: Uint8Array): Promise<number>
}

async function readLoop(r: Reader, size = 256 * 1024): Promise<Digest> {
  const h = createHash('sha256')
  const buf = Buffer.alloc(size)
  let length = 0
  for (;;) {
    const n = await r.read(buf)
    if (n === 0) break
    h.update(buf.subarray(0, n))
    length += n
  }
  return { length, hash: h.digest('hex') }
}

async function connectSender(t: ExecutionContext): Promise<TcpStream> {
  return track(t, await TcpStream.connect(await nodeSender(t)))
}

// ---------------------------------------------------------------------------------------------
// Read paths (node:net sends)

test.serial('read path: read() loop', async (t) => {
  const s = await connectSender(t)
  check(t, await guard(readLoop(s), 'read loop', LONG), 'read')
})

test.serial('read path: readExact() in 1 MiB pieces, then EOF; readExact past EOF is UnexpectedEof', async (t) => {
  const s = await connectSender(t)
  const h = createHash('sha256')
  const buf = Buffer.alloc(1 << 20)
  let length = 0
  await guard(
    (async () => {
      for (let i = 0; i < SIZE / buf.length; i++) {
        const n = await s.readExact(buf)
        t.is(n, buf.length)
        h.update(buf)
        length += buf.length
      }
    })(),
    'readExact loop',
    LONG,
  )
  check(t, { length, hash: h.digest('hex') }, 'readExact')
  const err = await guard(s.readExact(Buffer.alloc(1)).then(() => null, (e: unknown) => e), 'readExact at EOF')
  t.is((err as { kind?: string } | null)?.kind, 'UnexpectedEof')
})

test.serial('read path: readToEnd()', async (t) => {
  const s = await connectSender(t)
  const all = await guard(s.readToEnd(), 'readToEnd', LONG)
  t.true(Buffer.isBuffer(all))
  check(t, { length: all.length, hash: sha256(all) }, 'readToEnd')
})

test.serial('read path: readable() + tryRead() loop', async (t) => {
  const s = await connectSender(t)
  const h = createHash('sha256')
  const buf = Buffer.alloc(64 * 1024)
  let length = 0
  let wouldBlocks = 0
  await guard(
    (async () => {
      for (;;) {
        await s.readable()
        let n: number
        try {
          n = s.tryRead(buf)
        } catch (e) {
          if (isWouldBlock(e)) {
            wouldBlocks++
            continue
          }
          throw e
        }
        if (n === 0) return
        h.update(buf.subarray(0, n))
        length += n
      }
    })(),
    'readable/tryRead loop',
    LONG,
  )
  t.log(`WouldBlock ${wouldBlocks} times`)
  check(t, { length, hash: h.digest('hex') }, 'tryRead')
})

test.serial('read path: readable() + tryReadVectored() with uneven buffers', async (t) => {
  const s = await connectSender(t)
  const h = createHash('sha256')
  const bufs = [Buffer.alloc(1000), Buffer.alloc(7919), new Uint8Array(100_000)]
  let length = 0
  await guard(
    (async () => {
      for (;;) {
        await s.readable()
        let n: number
        try {
          n = s.tryReadVectored(bufs)
        } catch (e) {
          if (isWouldBlock(e)) continue
          throw e
        }
        if (n === 0) return
        let left = n
        for (const b of bufs) {
          const k = Math.min(left, b.length)
          h.update(b.subarray(0, k))
          left -= k
          if (left === 0) break
        }
        length += n
      }
    })(),
    'tryReadVectored loop',
    LONG,
  )
  check(t, { length, hash: h.digest('hex') }, 'tryReadVectored')
})

test.serial('read path: readable() + tryReadBuf() into a growing BytesMut', async (t) => {
  const s = await connectSender(t)
  const h = createHash('sha256')
  const bm = new BytesMut(4096)
  let length = 0
  await guard(
    (async () => {
      for (;;) {
        await s.readable()
        let n: number
        try {
          n = s.tryReadBuf(bm)
        } catch (e) {
          if (isWouldBlock(e)) continue
          throw e
        }
        if (n === 0) break
        length += n
        if (bm.length >= 4 << 20) {
          h.update(bm.toBuffer())
          bm.clear()
        }
      }
      h.update(bm.toBuffer())
    })(),
    'tryReadBuf loop',
    LONG,
  )
  check(t, { length, hash: h.digest('hex') }, 'tryReadBuf')
})

test.serial('read path: split() ReadHalf read() loop and peek()', async (t) => {
  const s = await connectSender(t)
  const [r] = s.split()
  const head = Buffer.alloc(16)
  const n = await guard(r.peek(head), 'peek')
  t.true(n > 0)
  t.true(head.subarray(0, n).equals(DATA.subarray(0, n)), 'peek shows the first bytes')
  check(t, await guard(readLoop(r, 100_000), 'ReadHalf read loop', LONG), 'ReadHalf.read')
})

test.serial('read path: intoSplit() OwnedReadHalf readExact() then readToEnd()', async (t) => {
  const s = await connectSender(t)
  const [r, w] = s.intoSplit()
  track(t, r)
  track(t, w)
  const first = Buffer.alloc(12345)
  t.is(await r.readExact(first), first.length)
  const rest = await guard(r.readToEnd(), 'OwnedReadHalf.readToEnd', LONG)
  check(t, { length: first.length + rest.length, hash: sha256(first, rest) }, 'OwnedReadHalf')
})

// ---------------------------------------------------------------------------------------------
// Write paths (node:net receives)

async function writeTest(
  t: ExecutionContext,
  label: string,
  body: (s: TcpStream) => Promise<void>,
): Promise<void> {
  const [addr, result] = await nodeReceiver(t)
  const s = track(t, await TcpStream.connect(addr))
  await guard(body(s), label, LONG)
  check(t, await guard(result, `${label}: receiver`, LONG), label)
}

const CHUNK = 1 << 20

test.serial('write path: write() loop', async (t) => {
  await writeTest(t, 'write', async (s) => {
    let off = 0
    while (off < SIZE) {
      const n = await s.write(DATA.subarray(off, off + CHUNK))
      t.true(n > 0)
      off += n
    }
    await s.flush()
    await s.shutdown()
  })
})

test.serial('write path: writeAll() of 64 MiB at once', async (t) => {
  await writeTest(t, 'writeAll', async (s) => {
    await s.writeAll(DATA)
    await s.shutdown()
  })
})

/** Slices `DATA[off..]` into uneven pieces for vectored writes. */
function slices(off: number): Buffer[] {
  const sizes = [777, 65_536, 300_001, 5]
  const out: Buffer[] = []
  let p = off
  for (const sz of sizes) {
    if (p >= SIZE) break
    out.push(DATA.subarray(p, Math.min(SIZE, p + sz)))
    p += sz
  }
  return out
}

test.serial('write path: writeVectored() loop', async (t) => {
  await writeTest(t, 'writeVectored', async (s) => {
    let off = 0
    while (off < SIZE) {
      const n = await s.writeVectored(slices(off))
      t.true(n > 0)
      off += n
    }
    await s.shutdown()
  })
})

test.serial('write path: writable() + tryWrite() loop', async (t) => {
  await writeTest(t, 'tryWrite', async (s) => {
    let off = 0
    while (off < SIZE) {
      await s.writable()
      try {
        off += s.tryWrite(DATA.subarray(off, off + CHUNK))
      } catch (e) {
        if (!isWouldBlock(e)) throw e
      }
    }
    await s.shutdown()
  })
})

test.serial('write path: writable() + tryWriteVectored() loop', async (t) => {
  await writeTest(t, 'tryWriteVectored', async (s) => {
    let off = 0
    while (off < SIZE) {
      await s.writable()
      try {
        off += s.tryWriteVectored(slices(off))
      } catch (e) {
        if (!isWouldBlock(e)) throw e
      }
    }
    await s.shutdown()
  })
})

test.serial('write path: pollWrite() loop', async (t) => {
  await writeTest(t, 'pollWrite', async (s) => {
    let off = 0
    while (off < SIZE) {
      const n = await s.pollWrite(DATA.subarray(off, off + CHUNK))
      t.true(n > 0)
      off += n
    }
    await s.shutdown()
  })
})

test.serial('write path: pollWriteVectored() loop', async (t) => {
  await writeTest(t, 'pollWriteVectored', async (s) => {
    let off = 0
    while (off < SIZE) {
      const n = await s.pollWriteVectored(slices(off))
      t.true(n > 0)
      off += n
    }
    await s.shutdown()
  })
})

test.serial('write path: split() WriteHalf write() loop + shutdown()', async (t) => {
  await writeTest(t, 'WriteHalf', async (s) => {
    const [, w] = s.split()
    let off = 0
    while (off < SIZE) off += await w.write(DATA.subarray(off, off + 300_000))
    await w.shutdown()
  })
})

test.serial('write path: intoSplit() OwnedWriteHalf writeVectored()/writeAll(), FIN on close()', async (t) => {
  await writeTest(t, 'OwnedWriteHalf', async (s) => {
    const [r, w] = s.intoSplit()
    track(t, r)
    let off = 0
    while (off < SIZE / 2) off += await w.writeVectored(slices(off))
    await w.writeAll(DATA.subarray(off))
    w.close() // closing the owned write half sends the FIN
  })
})

// ---------------------------------------------------------------------------------------------
// Our API on both ends

test.serial('both ends ours: OwnedWriteHalf.writeAll -> OwnedReadHalf.read, while the other direction carries 64 MiB too', async (t) => {
  const l = track(t, await TcpListener.bind('127.0.0.1:0'))
  const [a, [b]] = await Promise.all([TcpStream.connect(l.localAddr()), l.accept()])
  l.close()
  const [ar, aw] = a.intoSplit()
  const [br, bw] = b.intoSplit()
  for (const h of [ar, aw, br, bw]) track(t, h as { close(): void })
  const [toB, toA] = await guard(
    Promise.all([
      readLoop(br, 128 * 1024),
      readLoop(ar, 64 * 1024),
      (async () => {
        await aw.writeAll(DATA)
        await aw.shutdown()
      })(),
      (async () => {
        let off = 0
        while (off < SIZE) off += await bw.write(DATA.subarray(off, off + CHUNK))
        bw.close() // FIN
      })(),
    ]),
    'both directions',
    LONG,
  )
  check(t, toB, 'a -> b')
  check(t, toA, 'b -> a')
  closeQuietly(aw)
})
