// Waiting without hanging: the hang guard, settling queued callbacks, spawned tasks and channels.

/**
 * The bound of `guard`: it turns a hang into a failure that names the operation, instead of ava's
 * 2-minute test timeout. Not a timing assertion. 20 s (the tokio ports used 15 s, the rest of the
 * suite 20 s): ava runs the spec files in parallel on machines with few cores, where an operation
 * that works can take seconds, and a hang guard must never fire on those; 20 s still leaves a test
 * that awaits several guarded steps well inside the 2-minute timeout.
 */
export const HANG_MS = 20_000

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

/** Attaches a no-op rejection handler so an early failure doesn't become an unhandled rejection. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}

/**
 * `tokio::spawn` / `thread::spawn`: runs `fn` concurrently and returns its promise (the join
 * handle), quieted (see `quiet`): awaiting the handle still throws.
 */
export function spawn<T>(fn: () => Promise<T>): Promise<T> {
  return quiet(fn())
}

/** Lets queued callbacks (and completions posted from the runtime threads) run `n` times. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r))
}

/** `tokio::task::yield_now()`: let other queued work run once. */
export function yieldNow(): Promise<void> {
  return turns(1)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `check` (bounded) until it returns true; returns the final result. For settling only. */
export async function pollUntil(check: () => boolean, tries = 400, everyMs = 25): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true
    await sleep(everyMs)
  }
  return check()
}

/** `resolve` and `reject` are plain functions (not methods): they are handed on detached. */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (err: unknown) => void
}

/** A promise settled from outside (tokio's `oneshot` channel); its rejection is quieted. */
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
