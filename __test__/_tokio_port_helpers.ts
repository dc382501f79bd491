// Shared helpers for the ports of tokio's `tokio/tests/tcp_*.rs` and `net_quickack.rs`.
// This file does not end in `.spec.ts`, so ava does not run it as a test file.

import { readFileSync } from 'node:fs'

import type { ExecutionContext } from 'ava'

import { TcpListener, TcpStream } from '../index.js'

/**
 * Upper bound for operations tokio expects to complete. Not a timing assertion: it only turns
 * a hang into a failure that names the operation instead of ava's global timeout.
 */
export const HANG_GUARD_MS = 15_000

export interface Closable {
  close(): void
}

/** Closes `obj`, ignoring errors (closing a consumed or already closed handle may throw). */
export function closeQuietly(obj: Closable | null | undefined): void {
  try {
    obj?.close()
  } catch {
    // already closed or consumed
  }
}

/** Registers `obj` to be closed when the test ends (what Rust's end-of-scope drop does). */
export function track<T extends Closable>(t: ExecutionContext, obj: T): T {
  t.teardown(() => closeQuietly(obj))
  return obj
}

/** `tokio::task::yield_now()`: let other queued work run once. */
export function yieldNow(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * `tokio::spawn` / `thread::spawn`: runs `fn` concurrently and returns its promise (the join
 * handle). A no-op rejection handler is attached so an early failure elsewhere in the test does
 * not surface as an unhandled rejection; awaiting the handle still throws.
 */
export function spawn<T>(fn: () => Promise<T>): Promise<T> {
  const p = fn()
  p.catch(() => {})
  return p
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(err: unknown): void
}

/** A `oneshot` channel. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => {})
  return { promise, resolve, reject }
}

/** An unbounded `mpsc` channel. */
export class Channel<T> {
  private items: T[] = []
  private waiters: Array<(value: T) => void> = []

  send(value: T): void {
    const waiter = this.waiters.shift()
    if (waiter) waiter(value)
    else this.items.push(value)
  }

  recv(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T)
    return new Promise((resolve) => this.waiters.push(resolve))
  }
}

export type Probe<T> =
  | { pending: true }
  | { pending: false; ok: true; value: T }
  | { pending: false; ok: false; error: unknown }

export function describeProbe(p: Probe<unknown>): string {
  if (p.pending) return 'pending'
  if (p.ok) return `ready(ok: ${String(p.value)})`
  return `ready(err: ${describeError(p.error)})`
}

export function describeError(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { name?: unknown; message?: unknown; kind?: unknown; code?: unknown }
    return `${String(o.name)}: ${String(o.message)} (kind=${String(o.kind)}, code=${String(o.code)})`
  }
  return String(e)
}

/**
 * One `poll()` of a future. tokio-net polls an operation's future for the first time inside the
 * method call, and settles its promise there if that poll is `Ready`; so a promise still unsettled
 * after the microtasks and one macrotask turn was `Pending` on its first poll. (A longer window
 * would let the kernel make a pending operation ready meanwhile, which is a second poll in tokio.)
 */
export async function probe<T>(p: Promise<T>): Promise<Probe<T>> {
  const pending = new Promise<Probe<T>>((resolve) => setImmediate(() => resolve({ pending: true })))
  const settled = p.then(
    (value): Probe<T> => ({ pending: false, ok: true, value }),
    (error: unknown): Probe<T> => ({ pending: false, ok: false, error }),
  )
  return Promise.race([settled, pending])
}

/** `assert_pending!(fut.poll())` on a future that is kept (polled again later). */
export async function assertPending(t: ExecutionContext, p: Promise<unknown>, label: string): Promise<void> {
  p.catch(() => {})
  const st = await probe(p)
  t.true(st.pending, `${label}: expected Pending, got ${describeProbe(st)}`)
}

/**
 * `assert_pending!(task::spawn(op).poll())` followed by dropping the future: starts `start` with
 * an AbortSignal, checks it stays pending, then aborts it (tokio's cancellation is drop).
 */
export async function assertPendingThenDrop(
  t: ExecutionContext,
  start: (opts: { signal: AbortSignal }) => Promise<unknown>,
  label: string,
): Promise<void> {
  const ac = new AbortController()
  const p = start({ signal: ac.signal })
  p.catch(() => {})
  const st = await probe(p)
  t.true(st.pending, `${label}: expected Pending, got ${describeProbe(st)}`)
  if (st.pending) {
    ac.abort()
    await guard(
      p.then(
        () => {},
        () => {},
      ),
      `${label}: settling after abort`,
    )
  }
}

/**
 * Awaits `p`, failing with a descriptive error instead of hanging forever (see HANG_GUARD_MS).
 * Used for `assert_ready_ok!` and for awaits tokio expects to finish.
 */
export async function guard<T>(p: Promise<T>, label: string, ms = HANG_GUARD_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: still pending after ${ms}ms (hang guard)`)), ms)
  })
  try {
    return await Promise.race([p, hang])
  } finally {
    clearTimeout(timer)
  }
}

export function errorKind(e: unknown): unknown {
  return e && typeof e === 'object' ? (e as { kind?: unknown }).kind : undefined
}

export function errorCode(e: unknown): unknown {
  return e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined
}

export function isWouldBlock(e: unknown): boolean {
  return errorKind(e) === 'WouldBlock'
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

/** `create_pair()` from tcp_stream.rs: the listener is dropped when the pair is made. */
export async function createPair(t: ExecutionContext): Promise<[TcpStream, TcpStream]> {
  const listener = track(t, await TcpListener.bind('127.0.0.1:0'))
  const addr = listener.localAddr()
  const [client, [server]] = await Promise.all([TcpStream.connect(addr), listener.accept()])
  track(t, client)
  track(t, server)
  listener.close()
  return [client, server]
}

interface TryReader {
  tryRead(buf: Uint8Array): number
}

interface TryWriter {
  tryWrite(buf: Uint8Array): number
}

/** `read_until_pending` from tcp_stream.rs. */
export function readUntilPending(t: ExecutionContext, stream: TryReader): number {
  const buf = Buffer.alloc(1024 * 1024)
  let total = 0
  for (;;) {
    try {
      total += stream.tryRead(buf)
    } catch (err) {
      t.is(errorKind(err), 'WouldBlock', `read_until_pending: ${describeError(err)}`)
      break
    }
  }
  return total
}

/** `write_until_pending` from tcp_stream.rs. */
export function writeUntilPending(t: ExecutionContext, stream: TryWriter): number {
  const buf = Buffer.alloc(1024 * 1024)
  let total = 0
  for (;;) {
    try {
      total += stream.tryWrite(buf)
    } catch (err) {
      t.is(errorKind(err), 'WouldBlock', `write_until_pending: ${describeError(err)}`)
      break
    }
  }
  return total
}

interface AsyncReader {
  read(buf: Uint8Array): Promise<number>
}

interface AsyncWriter {
  writeAll(buf: Uint8Array): Promise<void>
  flush(): Promise<void>
}

/** `tokio::io::copy(&mut rd, &mut wr)`: copies until EOF, flushes, returns the byte count. */
export async function copy(rd: AsyncReader, wr: AsyncWriter): Promise<number> {
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

/**
 * `fut.now_or_never()` on a future that is dropped afterwards: starts `start` with an
 * AbortSignal, probes it (see `probe`), and if it is still pending aborts it (tokio's
 * cancellation is drop) and waits for it to settle. Returns the probe result.
 */
export async function nowOrNever<T>(
  start: (opts: { signal: AbortSignal }) => Promise<T>,
  label: string,
): Promise<Probe<T>> {
  const ac = new AbortController()
  const p = start({ signal: ac.signal })
  p.catch(() => {})
  const st = await probe(p)
  if (st.pending) {
    ac.abort()
    await guard(
      p.then(
        () => {},
        () => {},
      ),
      `${label}: settling after abort`,
    )
  }
  return st
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
export async function waitUntilQueued(
  stream: { localAddr(): AddrParts; peerAddr(): AddrParts },
  n: number,
): Promise<void> {
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
