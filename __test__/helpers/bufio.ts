// The buffered I/O specs' connections (BufReader, BufWriter, Lines, copy, copyBuf,
// copyBidirectional): a reader or writer of each kind over a fresh pair, and how many bytes the
// kernel holds for one end, looked at without touching its socket.

import type { ExecutionContext } from 'ava'

import type { OwnedReadHalf, OwnedWriteHalf, ReadHalf, SocketAddr, TcpStream, WriteHalf } from '../../index.js'

import { yieldNow } from './async.js'
import { type Closable, closeQuietly, track } from './cleanup.js'
import { pair, queuedBytes, waitUntilQueued } from './sockets.js'

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
  closeSide: () => void
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
  /** As ReadSetup's. */
  closeSide: () => void
}

function closeAll(...objs: Closable[]): () => void {
  return () => objs.forEach(closeQuietly)
}

/**
 * A fresh pair whose client end is left whole, or split with `split()` (borrowed halves) or
 * `intoSplit()` (owned halves); everything tracked. The addresses are taken before the split.
 */
async function splitSetup(t: ExecutionContext, how: 'whole' | 'split' | 'intoSplit') {
  const [client, peer] = await pair(t)
  const ends = { client, peer, addrs: addrsOf(client), peerAddrs: addrsOf(peer) }
  if (how === 'whole') return { ...ends, halves: undefined, closeSide: closeAll(client) }
  // `pair` tracks `client`, so the stream outlives the test body (borrowed halves need it)
  const halves = how === 'split' ? client.split() : client.intoSplit()
  track(t, halves[0])
  track(t, halves[1])
  return { ...ends, halves, closeSide: how === 'split' ? closeAll(halves[0], halves[1], client) : closeAll(halves[0], halves[1]) }
}

const SPLIT_OF = { TcpStream: 'whole', ReadHalf: 'split', WriteHalf: 'split', OwnedReadHalf: 'intoSplit', OwnedWriteHalf: 'intoSplit' } as const

/** A connection whose client end is (part of) a reader of `kind`; everything is tracked. */
export async function readSetup(t: ExecutionContext, kind: ReaderKind): Promise<ReadSetup> {
  const { client, peer, addrs, halves, closeSide } = await splitSetup(t, SPLIT_OF[kind])
  return { inner: halves ? halves[0] : client, peer, addrs, closeSide }
}

/** A connection whose client end is (part of) a writer of `kind`; everything is tracked. */
export async function writeSetup(t: ExecutionContext, kind: WriterKind): Promise<WriteSetup> {
  const { client, peer, addrs, peerAddrs, halves, closeSide } = await splitSetup(t, SPLIT_OF[kind])
  return { inner: halves ? halves[1] : client, peer, addrs, peerAddrs, stream: client, closeSide }
}
