// Shared helpers for tokio_io_buffered.spec.ts and tokio_io_copy.spec.ts (BufReader, BufWriter,
// Lines, copy, copyBuf, copyBidirectional). Not a `.spec.ts` file, so ava does not run it.

import type { ExecutionContext } from 'ava'

import type { OwnedReadHalf, OwnedWriteHalf, ReadHalf, SocketAddr, TcpStream, WriteHalf } from '../index.js'

import { describeError, guard, pair, shape, track } from './_helpers.js'
import { queuedBytes, waitUntilQueued, yieldNow } from './_tokio_port_helpers.js'

/**
 * The two addresses of one end of a connection, taken before that end is handed to a
 * `BufReader` / `BufWriter` (which do not expose them), so the kernel's queue of that end can be
 * looked at in `/proc/net/tcp` without touching the socket.
 */
export interface Addrs {
  localAddr(): SocketAddr
  peerAddr(): SocketAddr
}

export function addrsOf(s: { localAddr(): SocketAddr; peerAddr(): SocketAddr }): Addrs {
  const local = s.localAddr()
  const peer = s.peerAddr()
  return { localAddr: () => local, peerAddr: () => peer }
}

/** The bytes received by the socket `addrs` and not yet read from it, from the kernel. */
export function queued(addrs: Addrs): number {
  const q = queuedBytes(addrs.localAddr(), addrs.peerAddr())
  if (q === undefined) throw new Error(`no socket ${addrs.localAddr().toString()} -> ${addrs.peerAddr().toString()} in /proc/net/tcp`)
  return q
}

/** Waits until at least `n` bytes are queued on the socket `addrs` (the peer's bytes arrived). */
export async function arrived(addrs: Addrs, n: number): Promise<void> {
  await waitUntilQueued(addrs, n)
}

/**
 * Waits until nothing is queued on the socket `addrs`: whoever reads it (a `BufReader`, a copy)
 * has taken every byte that arrived into its own buffer. Bounded by a 10 s deadline (a hang
 * guard); between checks it yields to the event loop.
 */
export async function drained(addrs: Addrs, label: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const q = queued(addrs)
    if (q === 0) return
    if (Date.now() >= deadline) throw new Error(`${label}: ${q} bytes still queued on the socket (hang guard)`)
    await yieldNow()
  }
}

/** `n` bytes of a pattern that differs per `seed` and does not repeat every 256 bytes. */
export function pattern(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 7 + Math.floor(i / 251) + seed * 13) & 0xff
  return b
}

export type ReaderKind = 'TcpStream' | 'ReadHalf' | 'OwnedReadHalf'
export type WriterKind = 'TcpStream' | 'WriteHalf' | 'OwnedWriteHalf'
export const READER_KINDS: ReaderKind[] = ['TcpStream', 'ReadHalf', 'OwnedReadHalf']
export const WRITER_KINDS: WriterKind[] = ['TcpStream', 'WriteHalf', 'OwnedWriteHalf']

export interface ReadSetup {
  /** What a `BufReader` or a copy reads from. */
  inner: TcpStream | ReadHalf | OwnedReadHalf
  /** The other end of the connection: it writes what `inner` reads. */
  peer: TcpStream
  /** `inner`'s socket, for `queued` / `arrived` / `drained`. */
  addrs: Addrs
  /** Closes everything on `inner`'s side of the connection (the stream, both halves). */
  closeSide(): void
}

export interface WriteSetup {
  inner: TcpStream | WriteHalf | OwnedWriteHalf
  /** The other end of the connection: it reads what `inner` writes. */
  peer: TcpStream
  /** The peer's socket, for `queued` / `arrived`: what reached it. */
  peerAddrs: Addrs
  /** `inner`'s own socket. */
  addrs: Addrs
  /** The stream `inner` belongs to (itself for a TcpStream), before it is split or wrapped. */
  stream: TcpStream
  closeSide(): void
}

function closeAll(...objs: Array<{ close(): void }>): () => void {
  return () => {
    for (const o of objs) {
      try {
        o.close()
      } catch {
        // already closed or consumed
      }
    }
  }
}

/** A connection whose client end is (part of) a reader of `kind`; everything is tracked. */
export async function readSetup(t: ExecutionContext, kind: ReaderKind): Promise<ReadSetup> {
  const [client, peer] = await pair(t)
  const addrs = addrsOf(client)
  if (kind === 'TcpStream') return { inner: client, peer, addrs, closeSide: closeAll(client) }
  if (kind === 'ReadHalf') {
    // `pair` tracks `client`, so the stream outlives the test body (the half borrows it)
    const [r, w] = client.split()
    track(t, r)
    track(t, w)
    return { inner: r, peer, addrs, closeSide: closeAll(r, w, client) }
  }
  const [r, w] = client.intoSplit()
  track(t, r)
  track(t, w)
  return { inner: r, peer, addrs, closeSide: closeAll(r, w) }
}

/** A connection whose client end is (part of) a writer of `kind`; everything is tracked. */
export async function writeSetup(t: ExecutionContext, kind: WriterKind): Promise<WriteSetup> {
  const [client, peer] = await pair(t)
  const addrs = addrsOf(client)
  const peerAddrs = addrsOf(peer)
  if (kind === 'TcpStream') return { inner: client, peer, addrs, peerAddrs, stream: client, closeSide: closeAll(client) }
  if (kind === 'WriteHalf') {
    const [r, w] = client.split()
    track(t, r)
    track(t, w)
    return { inner: w, peer, addrs, peerAddrs, stream: client, closeSide: closeAll(r, w, client) }
  }
  const [r, w] = client.intoSplit()
  track(t, r)
  track(t, w)
  return { inner: w, peer, addrs, peerAddrs, stream: client, closeSide: closeAll(r, w) }
}

/** Awaits `p`, which must reject; returns the reason (fails the test if it resolved). */
export async function rejection(t: ExecutionContext, p: Promise<unknown>, label: string): Promise<unknown> {
  try {
    const v = await guard(p, label)
    t.fail(`${label}: expected a rejection, resolved with ${String(v)}`)
    return undefined
  } catch (e) {
    return e
  }
}

export function assertCode(t: ExecutionContext, e: unknown, code: string, label: string): void {
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  t.is(shape(e).code, code, `${label}: ${describeError(e)}`)
}

/** Reads from `r` until end of stream; every byte, in order. */
export async function readAll(r: { read(buf: Uint8Array): Promise<number> }, label = 'readAll'): Promise<Buffer> {
  const chunks: Buffer[] = []
  const buf = Buffer.alloc(256 * 1024)
  for (;;) {
    const n = await guard(r.read(buf), `${label}: read`)
    if (n === 0) return Buffer.concat(chunks)
    chunks.push(Buffer.from(buf.subarray(0, n)))
  }
}
