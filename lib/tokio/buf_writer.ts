// BufWriter: tokio's buffered writer over a TcpStream or a write half.

import { keepAlive, keptBy, RefHandle, kWrap, native, nativeOf, toNative, wrap } from './handle.js'
import type { OwnedWriteHalf, WriteHalf } from './halves.js'
import type { OpOptions } from './options.js'
import type { TcpStream } from './stream.js'

/**
 * tokio's `BufWriter`: gathers writes to a `TcpStream`, `WriteHalf` or `OwnedWriteHalf` in a
 * buffer held in Rust (8 KiB unless `capacity` says otherwise) and writes it out when it is
 * full, on `flush()` and on `shutdown()`. A write that fits in the buffer settles without any
 * I/O.
 *
 * `new BufWriter(writer)` takes `writer` over, as `BufWriter::new(writer)` moves it in Rust: the
 * object passed in is closed from then on, and `intoInner()` gives it back as a new object.
 * Calls are served one at a time, in call order; `buffer()` and `intoInner()` throw
 * `kind: 'ResourceBusy'` while a call is running, where Rust's borrow checker would refuse them.
 * As in tokio, **buffered bytes are not written
 * when the writer is closed or collected**: `flush()` (or `shutdown()`) first.
 *
 * @example
 * ```ts
 * import { EOL } from 'node:os'
 * import { BufWriter, TcpStream } from 'tokio-net'
 *
 * const stream = await TcpStream.connect('127.0.0.1:8080')
 * using writer = new BufWriter(stream)
 * for (let i = 0; i < 1000; i++) {
 *   await writer.write(Buffer.from(`message ${i}${EOL}`)) // gathered in the buffer
 * }
 * await writer.flush() // out they go, in a few large writes
 * ```
 */
export class BufWriter extends RefHandle {
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
   * Wraps `writer` (a `TcpStream`, `WriteHalf` or `OwnedWriteHalf`) with a buffer of `capacity`
   * bytes (default 8 KiB, tokio's). `writer` is taken over: using it afterwards throws
   * `ERR_HANDLE_CLOSED`.
   */
  constructor(writer: TcpStream | WriteHalf | OwnedWriteHalf, capacity?: number) {
    super(kWrap, new native.BufWriter(toNative(writer), capacity))
    keepAlive(this, writer)
  }

  /**
   * Writes `buf` into the buffer, first writing the buffer out if `buf` does not fit, or
   * straight to the socket if `buf` is at least as large as the buffer (as tokio does).
   * Resolves with the count taken, which may be less than `buf.length`. The bytes are copied
   * when the call is made: `buf` may be reused at once.
   *
   * Cancel safety: cancel safe. If aborted, nothing of `buf` was taken.
   */
  write(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return nativeOf<native.BufWriter>(this, BufWriter).write(buf, options)
  }

  /**
   * Writes all of `buf` (through the buffer), waiting as long as it takes. Resolves when the
   * last byte is in the buffer or out; `flush()` to be sure it is out.
   *
   * Cancel safety: not cancel safe. If aborted, some of `buf` may have been taken, and there
   * is no telling how much.
   */
  writeAll(buf: Uint8Array, options?: OpOptions): Promise<void> {
    return nativeOf<native.BufWriter>(this, BufWriter).writeAll(buf, options)
  }

  /**
   * Writes everything buffered out to the socket.
   *
   * Cancel safety: cancel safe in that nothing is lost: what was not written yet stays
   * buffered, and a later `flush()` writes it.
   */
  flush(options?: OpOptions): Promise<void> {
    return nativeOf<native.BufWriter>(this, BufWriter).flush(options)
  }

  /**
   * Writes everything buffered out, then shuts the write direction down (the peer reads end
   * of stream), as tokio's `BufWriter::shutdown` does.
   *
   * Cancel safety: as `flush()`; the shutdown happens only once everything is out.
   */
  shutdown(options?: OpOptions): Promise<void> {
    return nativeOf<native.BufWriter>(this, BufWriter).shutdown(options)
  }

  /**
   * A copy of the bytes buffered and not yet written out (tokio's `buffer()`). Throws
   * `kind: 'ResourceBusy'` while a call is running.
   */
  buffer(): Buffer {
    return nativeOf<native.BufWriter>(this, BufWriter).buffer()
  }

  /** The size of the buffer in bytes. */
  capacity(): number {
    return nativeOf<native.BufWriter>(this, BufWriter).capacity()
  }

  /**
   * Gives the stream or half back as a new object of its kind, consuming this writer. As in
   * tokio, bytes still buffered are lost: `flush()` first. Throws `kind: 'ResourceBusy'` while
   * a call is running.
   */
  intoInner(): TcpStream | WriteHalf | OwnedWriteHalf {
    return keepAlive(wrap<TcpStream | WriteHalf | OwnedWriteHalf>(nativeOf<native.BufWriter>(this, BufWriter).intoInner()), keptBy(this))
  }

  /**
   * Closes the writer and the stream or half under it, without writing what is buffered (as
   * dropping a tokio `BufWriter` does); pending calls reject with `ERR_HANDLE_CLOSED`. Closing
   * twice is a no-op.
   */
  override close(): void {
    super.close()
  }
}
