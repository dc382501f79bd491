// Connections for a test: a connected pair, a refused port, reading and writing until a point,
// and the kernel's receive queue of a socket (looked at without touching the socket).

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

import type { ExecutionContext } from 'ava'

import { TcpListener, TcpSocket, TcpStream } from '../../index.js'

import { guard, yieldNow } from './async.js'
import { track } from './cleanup.js'
import { describeError, errorKind, isWouldBlock } from './errors.js'

/**
 * A connected pair (client, accepted) through `via`: a listener, or a fresh one bound on the
 * host `via` and closed once the pair is made. Nothing is tracked: for a test, see `pair`.
 */
export async function connectPair(via: TcpListener | string = '127.0.0.1'): Promise<[TcpStream, TcpStream]> {
  const listener = typeof via === 'string' ? await TcpListener.bind(via.includes(':') ? `[${via}]:0` : `${via}:0`) : via
  try {
    const [client, [server]] = await guard(Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()]), 'pair: connect + accept')
    return [client, server]
  } finally {
    if (listener !== via) listener.close()
  }
}

/**
 * A connected pair through a fresh listener on `host`, both ends closed when the test ends; the
 * listener is closed once the pair is made (tokio's `create_pair()` of tcp_stream.rs).
 */
export async function pair(t: ExecutionContext, host = '127.0.0.1'): Promise<[TcpStream, TcpStream]> {
  const [client, server] = await connectPair(host)
  return [track(t, client), track(t, server)]
}

/**
 * A port of `host` that refuses connections: a socket bound to it that never listens, closed
 * when the test ends. Held for the test, no test running beside can bind the port meanwhile,
 * as it could one closed again.
 */
export async function refusedPort(t: ExecutionContext, host = '127.0.0.1'): Promise<number> {
  const v6 = host.includes(':')
  const socket = v6 ? TcpSocket.newV6() : TcpSocket.newV4()
  t.teardown(() => socket.close())
  socket.bind(v6 ? `[${host}]:0` : `${host}:0`)
  return socket.localAddr().port()
}

interface Reader {
  read(buf: Uint8Array): Promise<number>
}

/** Reads from `r` until `n` bytes were gathered (or EOF), returning them. */
export async function readN(r: Reader, n: number, label = 'readN'): Promise<Buffer> {
  const out = Buffer.alloc(n)
  let got = 0
  while (got < n) {
    const k = await guard(r.read(out.subarray(got)), `${label}: read at ${got}/${n}`)
    if (k === 0) break
    got += k
  }
  return out.subarray(0, got)
}

/** Reads from `r` until end of stream; every byte, in order. */
export async function readAll(r: Reader, label = 'readAll'): Promise<Buffer> {
  const chunks: Buffer[] = []
  const buf = Buffer.alloc(256 * 1024)
  for (;;) {
    const n = await guard(r.read(buf), `${label}: read`)
    if (n === 0) return Buffer.concat(chunks)
    chunks.push(Buffer.from(buf.subarray(0, n)))
  }
}

/** Fills the socket's send buffer (and the peer's receive buffer) until tryWrite blocks. */
export async function fillSendBuffer(w: { tryWrite(buf: Uint8Array): number; writable(): Promise<void> }): Promise<number> {
  await guard(w.writable(), 'fillSendBuffer: writable')
  const chunk = Buffer.alloc(256 * 1024, 0x61)
  let total = 0
  for (;;) {
    try {
      total += w.tryWrite(chunk)
    } catch (e) {
      if (isWouldBlock(e)) return total
      throw e
    }
  }
}

/** Calls `op` (a `tryRead` or `tryWrite` into a 1 MiB buffer) until it blocks; the bytes it moved. */
function untilPending(t: ExecutionContext, op: (buf: Uint8Array) => number, label: string): number {
  const buf = Buffer.alloc(1024 * 1024)
  let total = 0
  for (;;) {
    try {
      total += op(buf)
    } catch (err) {
      t.is(errorKind(err), 'WouldBlock', `${label}: ${describeError(err)}`)
      break
    }
  }
  return total
}

/** `read_until_pending` from tcp_stream.rs. */
export function readUntilPending(t: ExecutionContext, stream: { tryRead(buf: Uint8Array): number }): number {
  return untilPending(t, (buf) => stream.tryRead(buf), 'read_until_pending')
}

/** `write_until_pending` from tcp_stream.rs. */
export function writeUntilPending(t: ExecutionContext, stream: { tryWrite(buf: Uint8Array): number }): number {
  return untilPending(t, (buf) => stream.tryWrite(buf), 'write_until_pending')
}

/** `tokio::io::copy(&mut rd, &mut wr)` written out by hand: copies until EOF, flushes, returns the byte count. */
export async function copy(rd: Reader, wr: { writeAll(buf: Uint8Array): Promise<void>; flush(): Promise<void> }): Promise<number> {
  const buf = Buffer.alloc(8 * 1024)
  let total = 0
  for (;;) {
    const n = await rd.read(buf)
    if (n === 0) break
    await wr.writeAll(buf.subarray(0, n))
    total += n
  }
  await wr.flush()
  return total
}

interface AddrLike {
  toString(): string
  equals(other: AddrLike): boolean
}

/** `assert_eq!(a, b)` for two `SocketAddr`s. */
export function assertAddrEq(t: ExecutionContext, a: AddrLike, b: AddrLike, label = 'addresses'): void {
  t.true(a.equals(b), `${label}: ${a.toString()} != ${b.toString()}`)
  t.is(a.toString(), b.toString(), label)
}

export function sha256(...bufs: Uint8Array[]): string {
  const h = createHash('sha256')
  for (const b of bufs) h.update(b)
  return h.digest('hex')
}

export interface AddrParts {
  ip(): string
  port(): number
}

/** `/proc/net/tcp`'s `HHHHHHHH:PPPP` form of an IPv4 address: the IP as a little-endian u32. */
function procNetTcpAddr(addr: AddrParts): string {
  const octets = addr.ip().split('.').map(Number)
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) {
    throw new Error(`procNetTcpAddr: not an IPv4 address: ${addr.ip()}`)
  }
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0')
  return `${octets.reverse().map((o) => hex(o, 2)).join('')}:${hex(addr.port(), 4)}`
}

/**
 * The number of bytes queued (received, not yet read) on the IPv4 TCP socket whose local and
 * peer addresses are given, read from the kernel's `/proc/net/tcp` `rx_queue` column
 * (`rcv_nxt - copied_seq`), or `undefined` when no such socket is listed. Linux only. Reading it
 * makes no syscall on the socket, so tokio's readiness is left untouched.
 */
export function queuedBytes(local: AddrParts, peer: AddrParts): number | undefined {
  const want = `${procNetTcpAddr(local)} ${procNetTcpAddr(peer)}`
  for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 5 || `${cols[1]} ${cols[2]}` !== want) continue
    return parseInt(cols[4].split(':')[1], 16)
  }
  return undefined
}

/**
 * `wait_until_queued` from tokio's tcp_accept_ready.rs: waits until at least `n` bytes are queued
 * on `stream` without touching tokio's readiness. tokio does a raw `MSG_PEEK` through socket2;
 * JS has no `recv(MSG_PEEK)`, and `stream.peek()` / `tryIo` / a `read` on `asRawFd()` all either
 * consume the bytes or go through (and change) tokio's readiness. The kernel's per-socket
 * receive-queue length in `/proc/net/tcp` is the same information (what a `MSG_PEEK` into a
 * buffer of at least `n` bytes sees) read from outside the socket. Bounded by a 10 s deadline,
 * as tokio's loop is; between checks it yields to the event loop (tokio's `yield_now`).
 */
export async function waitUntilQueued(stream: { localAddr(): AddrParts; peerAddr(): AddrParts }, n: number): Promise<void> {
  if (n === 0) return
  const local = stream.localAddr()
  const peer = stream.peerAddr()
  const deadline = Date.now() + 10_000
  for (;;) {
    const q = queuedBytes(local, peer)
    if (q !== undefined && q >= n) return
    if (Date.now() >= deadline) {
      throw new Error(`peer's bytes never arrived (queued: ${String(q)}, want >= ${n})`)
    }
    await yieldNow()
  }
}
