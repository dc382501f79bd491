// Shared helpers for errors/cancel/integrity/leaks/api_rows specs.
// Not a `.spec.ts` file, so ava does not run it as a test file.

import { createHash } from 'node:crypto'
import fs from 'node:fs'

import type { ExecutionContext } from 'ava'

import { activeHandles, TcpListener, TcpSocket, TcpStream } from '../index.js'
import type { ActiveHandles } from '../index.js'

/** Turns a hang into a named failure instead of ava's global timeout. Not a timing assertion. */
export const HANG_MS = 20_000

export interface Closable {
  close(): void
}

export function closeQuietly(obj: Closable | null | undefined): void {
  try {
    obj?.close()
  } catch {
    // already closed or consumed
  }
}

/** Closes `obj` when the test ends, whatever happens. */
export function track<T extends Closable>(t: ExecutionContext, obj: T): T {
  t.teardown(() => closeQuietly(obj))
  return obj
}

/** Awaits `p`, failing with `label` if it does not settle within `ms` (hang guard only). */
export async function guard<T>(p: Promise<T>, label: string, ms = HANG_MS): Promise<T> {
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

/** Lets queued callbacks (and completions posted from the runtime threads) run `n` times. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Attaches a no-op rejection handler so an early failure doesn't become an unhandled rejection. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}

/** A connected pair through a fresh listener, both ends tracked. */
export async function pair(t: ExecutionContext, host = '127.0.0.1'): Promise<[TcpStream, TcpStream]> {
  const listener = await TcpListener.bind(host.includes(':') ? `[${host}]:0` : `${host}:0`)
  try {
    const [client, [server]] = await guard(
      Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()]),
      'pair: connect + accept',
    )
    track(t, client)
    track(t, server)
    return [client, server]
  } finally {
    listener.close()
  }
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
  return socket.localAddr().port() as number
}

export function describeError(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>
    return `${String(o.name)}: ${String(o.message)} (kind=${String(o.kind)}, code=${String(o.code)}, errno=${String(o.errno)}, syscall=${String(o.syscall)})`
  }
  return `non-object thrown: ${String(e)}`
}

export interface ErrShape {
  kind?: unknown
  code?: unknown
  errno?: unknown
  syscall?: unknown
  name?: unknown
  message?: unknown
}

export function shape(e: unknown): ErrShape {
  return e && typeof e === 'object' ? (e as ErrShape) : {}
}

/** Runs a synchronous call that must throw; returns the error (fails the test if it returned). */
export function syncErr(t: ExecutionContext, fn: () => unknown, label: string): unknown {
  let ret: unknown
  try {
    ret = fn()
  } catch (e) {
    return e
  }
  if (ret instanceof Promise) ret.catch(() => {})
  t.fail(`${label}: expected a thrown error, returned ${String(ret)}`)
  return undefined
}

/**
 * Runs an async call that must reject (not throw synchronously, not resolve); returns the
 * rejection reason.
 */
export async function asyncErr(t: ExecutionContext, fn: () => Promise<unknown>, label: string): Promise<unknown> {
  let p: Promise<unknown>
  try {
    p = fn()
  } catch (e) {
    t.fail(`${label}: threw synchronously instead of returning a rejected promise: ${describeError(e)}`)
    return e
  }
  if (!(p instanceof Promise)) {
    t.fail(`${label}: did not return a promise`)
    return undefined
  }
  try {
    const v = await guard(p, label)
    t.fail(`${label}: expected a rejection, resolved with ${String(v)}`)
    closeQuietly(v as Closable)
    return undefined
  } catch (e) {
    return e
  }
}

/** Either a synchronous throw or a rejection (for argument errors on async methods). */
export async function anyErr(t: ExecutionContext, fn: () => unknown, label: string, ms = HANG_MS): Promise<unknown> {
  let r: unknown
  try {
    r = fn()
  } catch (e) {
    return e
  }
  if (r instanceof Promise) {
    try {
      const v = await guard(r, label, ms)
      t.fail(`${label}: expected an error, resolved with ${String(v)}`)
      closeQuietly(v as Closable)
      return undefined
    } catch (e) {
      return e
    }
  }
  t.fail(`${label}: expected an error, returned ${String(r)}`)
  return undefined
}

export function assertTypeError(t: ExecutionContext, e: unknown, label: string): void {
  t.true(e instanceof TypeError, `${label}: expected TypeError, got ${describeError(e)}`)
  t.is(shape(e).code, 'ERR_INVALID_ARG_TYPE', `${label}: ${describeError(e)}`)
}

/** A bad value: a RangeError, or an Error with `kind: 'InvalidInput'`. */
export function assertBadValue(t: ExecutionContext, e: unknown, label: string): void {
  const ok = e instanceof RangeError || (e instanceof Error && shape(e).kind === 'InvalidInput')
  t.true(ok, `${label}: expected RangeError or kind InvalidInput, got ${describeError(e)}`)
  t.true(typeof shape(e).code === 'string', `${label}: code missing: ${describeError(e)}`)
}

export function assertKind(t: ExecutionContext, e: unknown, kind: string, label: string): void {
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  t.is(shape(e).kind, kind, `${label}: ${describeError(e)}`)
}

export function assertClosed(t: ExecutionContext, e: unknown, label: string): void {
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  t.is(shape(e).code, 'ERR_HANDLE_CLOSED', `${label}: ${describeError(e)}`)
}

export function assertAbort(t: ExecutionContext, e: unknown, label: string): void {
  t.is(shape(e).name, 'AbortError', `${label}: ${describeError(e)}`)
  t.is(shape(e).code, 'ABORT_ERR', `${label}: ${describeError(e)}`)
}

export function isWouldBlock(e: unknown): boolean {
  return shape(e).kind === 'WouldBlock'
}

export function sha256(...bufs: Uint8Array[]): string {
  const h = createHash('sha256')
  for (const b of bufs) h.update(b)
  return h.digest('hex')
}

export function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length
}

/** Polls `check` (bounded) until it returns true; returns the final result. For settling only. */
export async function pollUntil(check: () => boolean, tries = 400, everyMs = 25): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return check()
}

export function handles(): ActiveHandles {
  const h = activeHandles()
  return { streams: h.streams, halves: h.halves, listeners: h.listeners, sockets: h.sockets, stdStreams: h.stdStreams }
}

export function sameHandles(a: ActiveHandles, b: ActiveHandles): boolean {
  return (
    a.streams === b.streams &&
    a.halves === b.halves &&
    a.listeners === b.listeners &&
    a.sockets === b.sockets &&
    a.stdStreams === b.stdStreams
  )
}

/** Reads from `r` until `n` bytes were gathered (or EOF), returning them. */
export async function readN(r: { read(buf: Uint8Array): Promise<number> }, n: number, label = 'readN'): Promise<Buffer> {
  const out = Buffer.alloc(n)
  let got = 0
  while (got < n) {
    const k = await guard(r.read(out.subarray(got)), `${label}: read at ${got}/${n}`)
    if (k === 0) break
    got += k
  }
  return out.subarray(0, got)
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(err: unknown): void
}

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

/** Fills the socket's send buffer (and the peer's receive buffer) until tryWrite blocks. */
export async function fillSendBuffer(w: {
  tryWrite(buf: Uint8Array): number
  writable(): Promise<void>
}): Promise<number> {
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
