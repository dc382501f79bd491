// The write half of a `Socket`: what Writable's `_write`/`_writev` hand over goes to the
// TcpStream, as node:net's `writeGeneric`/`writevGeneric` (lib/internal/stream_base_commons.js)
// hand it to the handle.
//
// Writes go to the socket synchronously first (`tryWrite`/`tryWriteVectored`) and fall back to
// one `writeAll`/`writeVectored` loop. The first write of a tick goes to the socket at once, as
// on node:net. A second, small write in the same tick is held until the end of the tick:
// Writable then queues every later write behind it, and hands them all over in one `_writev`
// when the held write is done, as `cork()`ed writes are handed over, so a burst of n small
// writes costs three calls into the addon (and three syscalls) instead of n. Large writes are
// not held: each is a syscall of its own either way, and holding one only makes the writer wait
// for 'drain' (bulk 64 KiB writes lost a quarter of their throughput). Before the socket closes,
// a held write and the writes queued behind it are still tried, so data written before
// `destroy()` leaves as it does on node:net.

import type { Duplex } from 'node:stream'

import { MAX_BUFS } from '../../binding.js'
import type { TcpStream } from '../../index.js'

import { callGuarded, codedError, isHandleClosed, isWouldBlock, netError, socketClosed } from './errors.js'
import type { StreamLink } from './stream_link.js'

export type WriteCallback = (err?: Error | null) => void

/** What the write queue needs of its socket: whether it is connecting, and its 'connect' event. */
export interface WriteHost extends Pick<Duplex, 'once'> {
  /** True from `connect()` until the connection is made or fails: writes wait for 'connect'. */
  readonly connecting: boolean
}

/** The most buffers one vectored call into the addon takes (`IOV_MAX`; the addon refuses more). */
/** Below this many bytes a write costs more in the call and syscall than in copying: worth holding. */
const SMALL_WRITE = 4 * 1024

/**
 * Tells the writes of one tick from later ones: `now()` returns a number that changes once per
 * tick, so two writes that see the same one were made in the same tick. The first `now()` of a
 * tick queues one `process.nextTick` that advances it; "the same tick" is the time until that
 * callback runs.
 */
export class TickClock {
  #tick = 0
  #advanceQueued = false
  readonly #advance = (): void => {
    this.#tick++
    this.#advanceQueued = false
  }

  now(): number {
    if (!this.#advanceQueued) {
      this.#advanceQueued = true
      process.nextTick(this.#advance)
    }
    return this.#tick
  }
}

/**
 * The clock of every socket's write queue. One for all of them: a tick costs one
 * `process.nextTick` however many sockets write in it, and every socket's tick ends at the same
 * point of the nextTick queue.
 */
export const writeTicks = new TickClock()

interface QueuedWrite {
  bufs: Buffer[]
  cb: WriteCallback
}

/** Writable's queue (Node's `writableBuffer`), which this module reads but does not own. */
type WritableQueue = Array<{ chunk: Buffer | string; encoding: BufferEncoding }>

function writableQueue(host: WriteHost): WritableQueue {
  return (host as unknown as { writableBuffer?: WritableQueue }).writableBuffer ?? []
}

export class WriteQueue {
  /** Bytes handed to the socket so far. */
  #dispatched = 0
  /** A write made while connecting, written on 'connect'. */
  #pending: QueuedWrite | null = null
  /** A second write of this tick, written at the end of the tick (see `write`). */
  #held: QueuedWrite | null = null
  /** The tick (`TickClock.now()`) of the last write that went to the socket at once. */
  #lastWriteTick = -1
  readonly #host: WriteHost
  readonly #link: StreamLink
  readonly #clock: TickClock

  constructor(host: WriteHost, link: StreamLink, clock: TickClock = writeTicks) {
    this.#host = host
    this.#link = link
    this.#clock = clock
  }

  /** Writable's `_write`/`_writev`: writes `bufs` now, or holds them to the end of the tick. */
  write(bufs: Buffer[], cb: WriteCallback): void {
    const tick = this.#clock.now()
    if (this.#lastWriteTick === tick && this.#link.handle() !== null && !this.#host.connecting && isSmall(bufs)) {
      this.#held = { bufs, cb }
      process.nextTick(() => this.#releaseHeld())
      return
    }
    this.#lastWriteTick = tick
    this.#writeGeneric(bufs, cb)
  }

  /** The end of the tick: the held write goes now, and the queue behind it right after. */
  #releaseHeld(): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    // Not counted as this tick's write: the `_writev` that Writable makes from inside its
    // callback, with the writes queued meanwhile, must go at once too.
    this.#lastWriteTick = -1
    this.#writeGeneric(held.bufs, held.cb)
  }

  #writeGeneric(bufs: Buffer[], cb: WriteCallback): void {
    if (this.#host.connecting) {
      // node:net writes it from a 'connect' listener added now: after the listeners added
      // before, and before 'ready'.
      this.#pending = { bufs, cb }
      this.#host.once('connect', () => this.#flushPending())
      return
    }
    const h = this.#link.handle()
    if (!h) {
      cb(socketClosed())
      return
    }
    this.#link.activity()
    let total = 0
    for (const b of bufs) total += b.length
    this.#dispatched += total
    let written: number
    try {
      written = tryWriteNow(h, bufs)
    } catch (e) {
      cb(netError(e, 'write'))
      return
    }
    if (written === total) {
      cb()
      return
    }
    const rest = remainder(bufs, written)
    // The callback runs Writable's bookkeeping and the user's write callbacks and 'drain'
    // listeners: one that throws is reported, not turned into a rejection nobody sees.
    writeLoop(h, rest).then(
      () => {
        this.#link.activity()
        callGuarded(cb)
      },
      (err: unknown) => {
        callGuarded(cb, h !== this.#link.handle() || isHandleClosed(err) ? socketClosed() : netError(err, 'write'))
      },
    )
  }

  #flushPending(): void {
    const pending = this.#pending
    if (!pending) return
    this.#pending = null
    this.#writeGeneric(pending.bufs, pending.cb)
  }

  /** Writable's `_final` once connected: a FIN after the writes, or nothing with no stream. */
  shutdown(cb: WriteCallback): void {
    const h = this.#link.handle()
    if (!h) {
      cb()
      return
    }
    h.shutdown().then(
      () => callGuarded(cb),
      (err: unknown) => {
        callGuarded(cb, h !== this.#link.handle() || isHandleClosed(err) ? null : netError(err, 'shutdown'))
      },
    )
  }

  /** Bytes handed to the socket plus those still queued, as node:net counts them. */
  bytesWritten(): number {
    let pending = 0
    for (const entry of writableQueue(this.#host)) {
      pending += typeof entry.chunk === 'string' ? Buffer.byteLength(entry.chunk, entry.encoding) : entry.chunk.length
    }
    if (this.#pending) for (const b of this.#pending.bufs) pending += b.length
    if (this.#held) for (const b of this.#held.bufs) pending += b.length
    return this.#dispatched + pending
  }

  /** A closed socket connecting again starts with nothing written. */
  reset(): void {
    this.#dispatched = 0
    this.#pending = null
    this.#held = null
  }

  /** Closing while connecting: the write waiting for 'connect' fails. */
  failPending(): void {
    if (!this.#pending) return
    const { cb } = this.#pending
    this.#pending = null
    cb(codedError(Error, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established'))
  }

  /** Before closing: what was held, and what Writable queued behind it, gets one try. */
  flushHeld(h: TcpStream): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    const bufs = [...held.bufs]
    for (const { chunk, encoding } of writableQueue(this.#host)) bufs.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk)
    let written = 0
    let total = 0
    for (const b of held.bufs) total += b.length
    try {
      written = tryWriteNow(h, bufs)
    } catch {
      // Closing anyway: what the socket did not take is lost, as on node:net.
    }
    this.#dispatched += total
    held.cb(written >= total ? null : socketClosed())
  }

  /** Closing with the write still held (reset, or no stream to flush it to): it fails. */
  dropHeld(): void {
    if (!this.#held) return
    const { cb } = this.#held
    this.#held = null
    cb(socketClosed())
  }
}

function isSmall(bufs: Buffer[]): boolean {
  let total = 0
  for (const b of bufs) {
    total += b.length
    if (total >= SMALL_WRITE) return false
  }
  return true
}

function remainder(bufs: Buffer[], written: number): Buffer[] {
  let skip = written
  const out: Buffer[] = []
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length
      continue
    }
    out.push(skip ? b.subarray(skip) : b)
    skip = 0
  }
  return out
}

async function writeLoop(h: TcpStream, bufs: Buffer[]): Promise<void> {
  if (bufs.length === 1) {
    await h.writeAll(bufs[0])
    return
  }
  let rest = bufs
  while (rest.length) {
    const n = await h.writeVectored(rest.length > MAX_BUFS ? rest.slice(0, MAX_BUFS) : rest)
    rest = remainder(rest, n)
  }
}

/**
 * Writes what the socket takes now, `MAX_BUFS` buffers per call; returns the bytes written.
 * A full socket (WouldBlock) ends it early; any other error is thrown.
 */
function tryWriteNow(h: TcpStream, bufs: Buffer[]): number {
  let written = 0
  try {
    if (bufs.length === 1) return h.tryWrite(bufs[0])
    for (let start = 0; start < bufs.length; start += MAX_BUFS) {
      const part = start === 0 && bufs.length <= MAX_BUFS ? bufs : bufs.slice(start, start + MAX_BUFS)
      let size = 0
      for (const b of part) size += b.length
      const n = h.tryWriteVectored(part)
      written += n
      if (n < size) break
    }
  } catch (e) {
    if (!isWouldBlock(e)) throw e
  }
  return written
}
