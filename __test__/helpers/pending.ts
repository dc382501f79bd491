// Whether a promise is still pending: one `poll()` of a tokio future (`probe`), and the outcome
// of a promise watched without awaiting it (`watch`, `settleWithin`).

import type { ExecutionContext } from 'ava'

import { guard } from './async.js'
import { describeError } from './errors.js'

export type Probe<T> =
  | { pending: true }
  | { pending: false; ok: true; value: T }
  | { pending: false; ok: false; error: unknown }

export function describeProbe(p: Probe<unknown>): string {
  if (p.pending) return 'pending'
  if (p.ok) return `ready(ok: ${String(p.value)})`
  return `ready(err: ${describeError(p.error)})`
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
 * `fut.now_or_never()` on a future that is dropped afterwards: starts `start` with an
 * AbortSignal, probes it (see `probe`), and if it is still pending aborts it (tokio's
 * cancellation is drop) and waits for it to settle. Returns the probe result.
 */
export async function nowOrNever<T>(start: (opts: { signal: AbortSignal }) => Promise<T>, label: string): Promise<Probe<T>> {
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

/**
 * `assert_pending!(task::spawn(op).poll())` followed by dropping the future: starts `start` with
 * an AbortSignal, checks it stays pending, then aborts it (see `nowOrNever`).
 */
export async function assertPendingThenDrop(t: ExecutionContext, start: (opts: { signal: AbortSignal }) => Promise<unknown>, label: string): Promise<void> {
  const st = await nowOrNever(start, label)
  t.true(st.pending, `${label}: expected Pending, got ${describeProbe(st)}`)
}

export type Outcome<T> = { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' }

/** Tracks a promise's outcome without awaiting it (and keeps its rejection from going unhandled). */
export function watch<T>(p: Promise<T>): { outcome: () => Outcome<T>; settled: Promise<Outcome<T>> } {
  let current: Outcome<T> = { state: 'pending' }
  const settled = p.then(
    (value): Outcome<T> => (current = { state: 'resolved', value }),
    (error: unknown): Outcome<T> => (current = { state: 'rejected', error }),
  )
  return { outcome: () => current, settled }
}

/** Waits up to `ms` for `p`; returns `pending` if it did not settle by then. */
export async function settleWithin<T>(p: Promise<T>, ms: number): Promise<Outcome<T>> {
  const w = watch(p)
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<Outcome<T>>((r) => {
    timer = setTimeout(() => r({ state: 'pending' }), ms)
  })
  try {
    return await Promise.race([w.settled, bound])
  } finally {
    clearTimeout(timer)
  }
}

export function describeOutcome(o: Outcome<unknown>): string {
  if (o.state === 'pending') return 'still pending'
  if (o.state === 'resolved') return `resolved with ${String(o.value)}`
  return `rejected with ${describeError(o.error)}`
}
