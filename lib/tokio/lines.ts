// Lines: the lines of a BufReader (tokio's AsyncBufReadExt::lines), with its async iterator.

import { native, nativeOf, registerWrapper, RefHandle } from './handle.js'
import type { NativeLinesSteps } from './native.js'
import type { OpOptions } from './options.js'

/**
 * The lines of a `BufReader`, as `AsyncBufReadExt::lines` gives them: an async iterator of
 * strings without the line ending (LF or CRLF), ending at end of stream. Made by
 * `BufReader.lines()`, which it consumes; `close()` (or collection) closes the socket, or the
 * half.
 *
 * Iterating takes every complete line buffered at once, so a line costs no more than in a
 * `split` on line feeds. Leaving a `for await` early (`break`) keeps the lines not yet seen: the
 * next iteration or `nextLine()` starts with them. Closing the `Lines` ends an iteration.
 *
 * A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
 * bytes of UTF-8, about 512 MiB, on 64-bit systems) fails the `nextLine()` or iteration step
 * that reaches it with `code: 'ERR_STRING_TOO_LONG'` (`kind: 'InvalidData'`), once it has been
 * read to its end; the message gives its length. The lines before it come first; the line is
 * consumed, and the next `nextLine()` or iteration goes on with the line after it.
 */
export class Lines extends RefHandle {
  /** The lines split from the last chunk and not yet handed out. */
  #split: string[] = []
  #at = 0
  /** Settles when the last step queued settles; null when none is pending. */
  #tail: Promise<void> | null = null

  static {
    registerWrapper(native.Lines, this)
  }

  /**
   * Lets this handle's pending operations keep the process alive again (the default),
   * undoing `unref()`.
   */
  override ref(): void {
    super.ref()
  }

  /**
   * Stops this handle's pending operations from keeping the process alive: Node may exit
   * while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
   * (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
   * setting of the handle it came from.
   */
  override unref(): void {
    super.unref()
  }

  /**
   * The next line without its line ending (LF or CRLF), or `null` at end of stream (tokio's
   * `Lines::next_line`). A line that is not UTF-8 rejects with `kind: 'InvalidData'`.
   *
   * A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
   * bytes of UTF-8, about 512 MiB, on 64-bit systems) rejects with `code: 'ERR_STRING_TOO_LONG'`
   * (`kind: 'InvalidData'`) once it has been read to its end; the message gives its length.
   * Both failures consume the line: the next call returns the one after it.
   *
   * Cancel safety: cancel safe. If aborted, the part of a line read so far stays buffered and
   * the next call returns the whole line. A call waiting behind earlier calls (or an iteration
   * step) rejects as soon as its signal aborts, and takes no line.
   */
  nextLine(options?: OpOptions): Promise<string | null> {
    try {
      const handle = nativeOf<native.Lines>(this, Lines)
      return this.#nextLine(handle, options)
    } catch (error) {
      // Reading the options ran a getter that threw: the call rejects with what it threw, as the
      // binding's calls do.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the user's own value
      return Promise.reject(error)
    }
  }

  #nextLine(handle: native.Lines, options: OpOptions | undefined): Promise<string | null> {
    // Anything but an options object goes to the binding as it is, which answers it the Node way.
    const own = options === undefined || (typeof options === 'object' && options !== null)
    const signal = own ? options?.signal : undefined
    let started = false
    let skipped = false
    const serve = (): string | null | Promise<string | null> => {
      started = true
      if (skipped) return null
      if (own && !signal?.aborted && this.#at < this.#split.length) return this.#split[this.#at++]
      return handle.nextLine(options)
    }
    if (this.#tail === null || typeof signal?.addEventListener !== 'function' || signal.aborted) {
      return this.#run(serve)
    }
    // Waiting in line behind other steps: an abort answers at once, as the binding would, and the
    // step gives its turn up without taking a line. Once the step runs, the binding's own abort
    // handling (cancel safe) answers instead.
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (started) return
        skipped = true
        handle.nextLine(options).then(resolve, reject)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#run(serve).then(
        (line) => {
          signal.removeEventListener('abort', onAbort)
          if (!skipped) resolve(line)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on the binding's own rejection
          if (!skipped) reject(error)
        },
      )
    })
  }

  /**
   * The lines, without their line endings, until end of stream (or until closed). Each step takes
   * every complete line buffered at once; leaving the loop early keeps the lines not yet seen for
   * the next iteration or `nextLine()`.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    let finished = false
    const step = (): IteratorResult<string, undefined> | Promise<IteratorResult<string, undefined>> => {
      if (finished) return { value: undefined, done: true }
      if (this.#at < this.#split.length) return { value: this.#split[this.#at++], done: false }
      return this.#fill().then((more) => {
        if (!more) finished = true
        return step()
      })
    }
    return {
      // The common case, a line already split off and nothing queued, without the queue's calls.
      next: () =>
        this.#tail === null && !finished && this.#at < this.#split.length
          ? Promise.resolve({ value: this.#split[this.#at++], done: false })
          : this.#run(step),
      return: () => {
        // The lines not yet yielded stay queued for the next iteration or nextLine().
        finished = true
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }

  /**
   * Runs `step` once every step queued before it has settled; at once when none is pending. The
   * promise handed out clears the tail in its own settling, before the caller's reaction runs, so
   * a caller that awaits each step before the next (a `for await`) always takes the fast path.
   * The next step waits on an internal promise, not on the caller's: a rejection the caller drops
   * is still reported as unhandled.
   */
  #run<T>(step: () => T | Promise<T>): Promise<T> {
    let result: Promise<T>
    if (this.#tail === null) {
      const value = step()
      if (!(value instanceof Promise)) return Promise.resolve(value)
      result = value
    } else {
      result = this.#tail.then(step)
    }
    const tail = result.then(ignore, ignore)
    const handedOut = result.then(
      (value) => {
        if (this.#tail === tail) this.#tail = null
        return value
      },
      (error: unknown) => {
        if (this.#tail === tail) this.#tail = null
        throw error
      },
    )
    this.#tail = tail
    return handedOut
  }

  /** Takes the next chunk of lines; false at end of stream or once closed. */
  #fill(): Promise<boolean> {
    return (nativeOf<native.Lines>(this, Lines) as native.Lines & NativeLinesSteps).iterChunk().then(
      (chunk) => {
        if (chunk === null) return false
        this.#split = chunk.split('\n')
        this.#at = 0
        return true
      },
      (error: unknown) => {
        if ((error as { code?: unknown } | null)?.code === 'ERR_HANDLE_CLOSED') return false
        throw error
      },
    )
  }

  /**
   * Closes the lines and the stream or half under them; a pending `nextLine` rejects with
   * `ERR_HANDLE_CLOSED`, a pending iteration step is `done`. Closing twice is a no-op.
   */
  override close(): void {
    super.close()
  }
}

function ignore(): void {}
