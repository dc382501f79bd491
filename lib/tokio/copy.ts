// tokio::io's copies, run in Rust: the bytes never reach JS.

import type { BufReader } from './buf_reader.js'
import type { BufWriter } from './buf_writer.js'
import type { OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf } from './halves.js'
import { native, toNative } from './handle.js'
import type { OpOptions } from './options.js'
import type { TcpStream } from './stream.js'

/**
 * Copies everything `reader` gives until its end of stream into `writer`, then flushes
 * `writer`, as tokio's `io::copy` does; resolves with the number of bytes copied. The bytes never
 * reach JS. `reader` is a `TcpStream`, `ReadHalf`, `OwnedReadHalf` or `BufReader`; `writer` a
 * `TcpStream`, `WriteHalf`, `OwnedWriteHalf` or `BufWriter`. Both are borrowed, not consumed:
 * their other reads (of `reader`) and writes (of `writer`) wait until the copy is over, in call
 * order. Closing either ends the copy with `ERR_HANDLE_CLOSED`.
 *
 * Cancel safety: not cancel safe. If aborted, bytes already read from `reader` but not yet
 * written to `writer` are lost.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream, copy } from 'tokio-net'
 *
 * // An echo server: every connection's bytes go straight back, without entering JS.
 * const listener = await TcpListener.bind('127.0.0.1:8080')
 * for await (const [stream] of listener) {
 *   const [reader, writer] = stream.intoSplit()
 *   copy(reader, writer)
 *     .then((n) => console.log(`echoed ${n} bytes`), console.error)
 *     .finally(() => { reader.close(); writer.close() }) // copy never shuts `writer` down itself
 * }
 * ```
 */
export function copy(reader: TcpStream | ReadHalf | OwnedReadHalf | BufReader, writer: TcpStream | WriteHalf | OwnedWriteHalf | BufWriter, options?: OpOptions): Promise<number> {
  return native.copy(toNative(reader), toNative(writer), options)
}

/**
 * Copies in both directions between `a` and `b` at once, as tokio's `io::copy_bidirectional`:
 * when one side reaches end of stream, the other side's write direction is shut down, and the
 * promise resolves with `[aToB, bToA]`, the byte counts, once both directions are done. The
 * bytes never reach JS. `a` and `b` are two different `TcpStream`s, borrowed: their other
 * reads and writes wait until the copy is over. Closing either ends it with
 * `ERR_HANDLE_CLOSED`.
 *
 * Cancel safety: not cancel safe. If aborted, bytes read but not yet written are lost.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream, copyBidirectional } from 'tokio-net'
 *
 * // A TCP proxy: each client is joined to its own connection to the upstream server.
 * const listener = await TcpListener.bind('127.0.0.1:8081')
 * for await (const [client] of listener) {
 *   const upstream = await TcpStream.connect('127.0.0.1:8080')
 *   copyBidirectional(client, upstream)
 *     .then(([up, down]) => console.log(`${up} bytes up, ${down} down`), console.error)
 *     .finally(() => { client.close(); upstream.close() })
 * }
 * ```
 */
export function copyBidirectional(a: TcpStream, b: TcpStream, options?: OpOptions): Promise<[number, number]> {
  return native.copyBidirectional(toNative(a), toNative(b), options)
}

/**
 * `copy` for a `BufReader`, using its buffer instead of a buffer of the copy's own, as tokio's
 * `io::copy_buf` does; resolves with the number of bytes copied (those already buffered
 * included).
 *
 * Cancel safety: cancel safe on the reading side (bytes not yet written stay in the
 * `BufReader`'s buffer); what was written is gone from it.
 */
export function copyBuf(reader: BufReader, writer: TcpStream | WriteHalf | OwnedWriteHalf | BufWriter, options?: OpOptions): Promise<number> {
  return native.copyBuf(toNative(reader), toNative(writer), options)
}
