// A `Socket`'s idle timeout (`socket.setTimeout()`), as node:net's `setStreamTimeout`
// (lib/internal/stream_base_commons.js): 'timeout' is emitted once the socket has been idle for
// the time set; every read and write restarts the count.

import type { Duplex } from 'node:stream'

import { codedError } from './errors.js'

/** What the timeout needs of its socket: the `timeout` it reports, and the 'timeout' event. */
export interface TimeoutHost extends Pick<Duplex, 'destroyed' | 'emit' | 'once' | 'removeListener'> {
  /** The idle timeout set by `setTimeout`, in milliseconds. */
  timeout: number | undefined
}

export class IdleTimeout {
  #timer: NodeJS.Timeout | null = null

  /** `socket.setTimeout(msecs[, callback])`: 0 turns the timeout off. */
  set(socket: TimeoutHost, msecs: number, callback?: () => void): void {
    if (typeof msecs !== 'number') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "msecs" argument must be of type number. Received ${typeof msecs}`)
    }
    if (callback !== undefined && typeof callback !== 'function') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "callback" argument must be of type function. Received ${typeof callback}`)
    }
    if (!Number.isFinite(msecs) || msecs < 0) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${String(msecs)}`)
    }
    socket.timeout = msecs
    this.clear()
    if (msecs === 0) {
      if (callback) socket.removeListener('timeout', callback)
    } else {
      if (!socket.destroyed) {
        // A socket's idle timer never keeps the process alive, as on node:net.
        this.#timer = setTimeout(() => socket.emit('timeout'), msecs).unref()
      }
      if (callback) socket.once('timeout', callback)
    }
  }

  /** Restarts the idle timer: called on every read and write. */
  refresh(): void {
    this.#timer?.refresh()
  }

  /** Stops the timer (the socket is closing, or a new timeout replaces it). */
  clear(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
  }
}
