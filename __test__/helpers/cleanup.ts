// Closing what a test opened, and counting what is still open: the addon's live handles, the
// process's descriptors, and garbage collection (whose finalizers close dropped handles).

import fs from 'node:fs'
import v8 from 'node:v8'
import vm from 'node:vm'

import type { ExecutionContext } from 'ava'

import { activeHandles } from '../../index.js'
import type { ActiveHandles } from '../../index.js'

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

/** Closes `obj` when the test ends, whatever happens (what Rust's end-of-scope drop does). */
export function track<T extends Closable>(t: ExecutionContext, obj: T): T {
  t.teardown(() => closeQuietly(obj))
  return obj
}

/** What `activeHandles()` reports when nothing is open. */
export const NO_HANDLES: ActiveHandles = { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 }

/** `activeHandles()` as a plain object (for `deepEqual` and messages). */
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

/** The number of descriptors this process has open (Linux). */
export function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length
}

/** The `gc()` V8 exposes with `--expose-gc`, switched on at run time (ava starts workers without it). */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') return g
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

/** Collects garbage `rounds` times, letting finalizers and queued callbacks run in between. */
export async function collectGarbage(rounds = 6): Promise<void> {
  const gc = getGc()
  for (let i = 0; i < rounds; i++) {
    gc()
    await new Promise<void>((r) => setImmediate(r))
  }
}
