// BufReader: tokio's buffered reader over a TcpStream or a read half.

import { keepAlive, keptBy, RefHandle, kWrap, native, nativeOf, toNative, wrap } from './handle.js'
import type { OwnedReadHalf, ReadHalf } from './halves.js'
import type { Lines } from './lines.js'
import type { OpOptions } from './options.js'
import type { TcpStream } from './stream.js'

/**
 * tokio's `BufReader`: reads from a `TcpStream`, `ReadHalf` or `OwnedReadHalf` in large,
 * infrequent reads into a buffer held in Rust (8 KiB unless `capacity` says otherwise), and
 * serves `read`, `readLine`, `readUntil`, `lines()` and `fillBuf` from it.
 *
 * `new BufReader(reader)` takes `reader` over, as `BufReader::new(reader)` moves it in Rust:
 * the object passed in is closed from then on (its pending operations reject with
 * `ERR_HANDLE_CLOSED`), and `intoInner()` gives it back as a new object. Calls are served one at
 * a time, in call order. The sync members (`buffer()`, `consume()`, `lines()`, `intoInner()`)
 * throw `kind: 'ResourceBusy'` while a call is running, where Rust's borrow checker would refuse
 * them. `close()` (or collection) closes the socket, or the half.
 *
 * @example
 * ```ts
 * import { EOL } from 'node:os'
 * import { BufReader, TcpStream } from 'tokio-net'
 *
 * const stream = await TcpStream.connect('127.0.0.1:8080')
 * const [readHalf, writeHalf] = stream.intoSplit()
 * await writeHalf.writeAll(Buffer.from('PING' + EOL))
 * using reader = new BufReader(readHalf)
 * const line = await reader.readLine() // the reply, line ending included; '' at end of stream
 * console.log(line.trimEnd())
 * ```
 */
export class BufReader extends RefHandle {
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
   * Wraps `reader` (a `TcpStream`, `ReadHalf` or `OwnedReadHalf`) with a buffer of `capacity`
   * bytes (default 8 KiB, tokio's). `reader` is taken over: using it afterwards throws
   * `ERR_HANDLE_CLOSED`.
   */
  constructor(reader: TcpStream | ReadHalf | OwnedReadHalf, capacity?: number) {
    super(kWrap, new native.BufReader(toNative(reader), capacity))
    keepAlive(this, reader)
  }

  /**
   * Reads into `buf`: from the buffer if it holds anything, else from the socket (straight into
   * `buf` when `buf` is at least as large as the buffer, as tokio does). Resolves with the
   * count, 0 at end of stream (or for an empty `buf`).
   *
   * Cancel safety: cancel safe. If aborted, no data was read.
   */
  read(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return nativeOf<native.BufReader>(this, BufReader).read(buf, options)
  }

  /**
   * Fills `buf` completely, from the buffer first; rejects with `kind: 'UnexpectedEof'` if the
   * stream ends first. Resolves with `buf.length`.
   *
   * Cancel safety: not cancel safe. If aborted, some bytes may already be in `buf` and gone
   * from the reader.
   */
  readExact(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return nativeOf<native.BufReader>(this, BufReader).readExact(buf, options)
  }

  /**
   * Reads up to and including the next line feed (LF) and resolves with that line as a string (the line
   * ending kept, as tokio's `read_line` keeps it); `''` at end of stream. A line that is not
   * UTF-8 rejects with `kind: 'InvalidData'`.
   *
   * A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
   * bytes of UTF-8, about 512 MiB, on 64-bit systems) rejects with `code: 'ERR_STRING_TOO_LONG'`
   * (`kind: 'InvalidData'`) once it has been read to its end; the message gives its length.
   * Both failures consume the line: the next call reads the one after it. Where lines may be
   * that long, read them with `readUntil(0x0a)`, which resolves with a `Buffer`.
   *
   * Cancel safety: not cancel safe. If aborted, the part of a line read so far is lost; use
   * `lines()`, whose `nextLine` is cancel safe.
   */
  readLine(options?: OpOptions): Promise<string> {
    return nativeOf<native.BufReader>(this, BufReader).readLine(options)
  }

  /**
   * Reads up to and including the next `byte` (0-255), or to the end of the stream, and resolves
   * with those bytes; an empty `Buffer` at end of stream.
   *
   * Cancel safety: not cancel safe. If aborted, the bytes read so far are lost (in Rust they
   * would be left in the caller's `Vec`).
   */
  readUntil(byte: number, options?: OpOptions): Promise<Buffer> {
    return nativeOf<native.BufReader>(this, BufReader).readUntil(byte, options)
  }

  /**
   * Returns the buffered bytes, reading from the socket first if the buffer is empty; an empty
   * `Buffer` at end of stream. The bytes stay buffered until `consume(n)`.
   *
   * Cancel safety: cancel safe.
   */
  fillBuf(options?: OpOptions): Promise<Buffer> {
    return nativeOf<native.BufReader>(this, BufReader).fillBuf(options)
  }

  /**
   * Marks `n` buffered bytes as read, so `fillBuf` and reads no longer return them. `n` beyond
   * what is buffered consumes all of it (tokio clamps too).
   */
  consume(n: number): void {
    nativeOf<native.BufReader>(this, BufReader).consume(n)
  }

  /** A copy of the bytes buffered and not yet read (tokio's `buffer()`). */
  buffer(): Buffer {
    return nativeOf<native.BufReader>(this, BufReader).buffer()
  }

  /** The size of the buffer in bytes. */
  capacity(): number {
    return nativeOf<native.BufReader>(this, BufReader).capacity()
  }

  /**
   * Turns this reader into its lines: an async iterator of strings without the line ending,
   * ending at end of stream (`for await (const line of reader.lines())`). This `BufReader` is
   * consumed, as `lines(self)` consumes it in Rust; bytes it had buffered are kept.
   *
   * @example
   * ```ts
   * import { BufReader, TcpStream } from 'tokio-net'
   *
   * const stream = await TcpStream.connect('127.0.0.1:8080')
   * for await (const line of new BufReader(stream).lines()) {
   *   console.log(line)
   * }
   * ```
   */
  lines(): Lines {
    return keepAlive(wrap<Lines>(nativeOf<native.BufReader>(this, BufReader).lines()), keptBy(this))
  }

  /**
   * Gives the stream or half back as a new object of its kind, consuming this reader. As in
   * tokio, bytes still buffered are lost: read them (`buffer()`) first if they matter. Throws
   * `kind: 'ResourceBusy'` while a call is running.
   */
  intoInner(): TcpStream | ReadHalf | OwnedReadHalf {
    return keepAlive(wrap<TcpStream | ReadHalf | OwnedReadHalf>(nativeOf<native.BufReader>(this, BufReader).intoInner()), keptBy(this))
  }

  /**
   * Closes the reader and the stream or half under it; pending calls reject with
   * `ERR_HANDLE_CLOSED`. Closing twice is a no-op.
   */
  override close(): void {
    super.close()
  }
}
