// Errors: describing one for a failure message, getting the error a call must give, and checking
// its shape (class, `kind`, `code`).

import type { ExecutionContext } from 'ava'

import { guard, HANG_MS } from './async.js'
import { type Closable, closeQuietly } from './cleanup.js'

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

/** `e`'s error fields, whatever `e` is (an empty object for a non-object). */
export function shape(e: unknown): ErrShape {
  return e && typeof e === 'object' ? e : {}
}

export function errorKind(e: unknown): unknown {
  return shape(e).kind
}

export function errorCode(e: unknown): unknown {
  return shape(e).code
}

export function isWouldBlock(e: unknown): boolean {
  return shape(e).kind === 'WouldBlock'
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

/** Awaits `p`, which must reject; returns the reason (fails the test, closing the value, if it resolved). */
export async function rejection(t: ExecutionContext, p: Promise<unknown>, label: string, ms = HANG_MS): Promise<unknown> {
  try {
    const v = await guard(p, label, ms)
    t.fail(`${label}: expected a rejection, resolved with ${String(v)}`)
    closeQuietly(v as Closable)
    return undefined
  } catch (e) {
    return e
  }
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
  return rejection(t, p, label)
}

/** Either a synchronous throw or a rejection (for argument errors on async methods). */
export async function anyErr(t: ExecutionContext, fn: () => unknown, label: string, ms = HANG_MS): Promise<unknown> {
  let r: unknown
  try {
    r = fn()
  } catch (e) {
    return e
  }
  if (r instanceof Promise) return rejection(t, r, label, ms)
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

/** An Error whose `code` is `code`. */
export function assertCode(t: ExecutionContext, e: unknown, code: string, label: string): void {
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  t.is(shape(e).code, code, `${label}: ${describeError(e)}`)
}

export function assertClosed(t: ExecutionContext, e: unknown, label: string): void {
  assertCode(t, e, 'ERR_HANDLE_CLOSED', label)
}

export function assertAbort(t: ExecutionContext, e: unknown, label: string): void {
  t.is(shape(e).name, 'AbortError', `${label}: ${describeError(e)}`)
  t.is(shape(e).code, 'ABORT_ERR', `${label}: ${describeError(e)}`)
}
