// TcpStream: a TCP connection, on tokio.

/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging --
   the read and write members are put on the prototype by mixin(); the interface of the
   class's name is how its type says so (TypeScript's mixin pattern) */

import { toNativeAddrs, type ToSocketAddrs } from './addr.js'
import { Connection, mixin, ReadMethods, WriteMethods } from './connection.js'
import type { OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf } from './halves.js'
import { keepAlive, native, nativeOf, registerWrapper, toNative, wrap, wrapPair } from './handle.js'
import type { OpOptions, TcpKeepaliveParams } from './options.js'
import type { StdTcpStream } from './std_stream.js'

/**
 * A TCP stream between a local and a remote socket, driven by tokio.
 *
 * Make one with `TcpStream.connect(addr)` or accept one from a `TcpListener`. Reading and
 * writing go through `read`/`write` (and friends) or the readiness + `try*` pairs, with tokio's
 * semantics. The socket closes with `close()`, `using`, or when the object is collected.
 *
 * @example
 * ```ts
 * import { TcpStream } from 'tokio-net'
 *
 * // Connect to a peer and write some data.
 * using stream = await TcpStream.connect('127.0.0.1:8080')
 * await stream.writeAll(Buffer.from('hello world!'))
 * // Shut the write direction down: the peer reads 0.
 * await stream.shutdown()
 * ```
 */
export class TcpStream extends Connection {
  static {
    registerWrapper(native.TcpStream, this)
  }

  /**
   * Opens a TCP connection to `addr`. Every resolved address is tried in turn; if all fail,
   * the last error is reported (e.g. `kind: 'ConnectionRefused'`, `code: 'ECONNREFUSED'`).
   *
   * Cancel safety: aborting drops the connection attempt.
   *
   * @example
   * ```ts
   * import { TcpStream } from 'tokio-net'
   *
   * const stream = await TcpStream.connect('127.0.0.1:8080', { signal: AbortSignal.timeout(5_000) })
   * console.log('connected to', stream.peerAddr().toString())
   * ```
   */
  static connect(addr: ToSocketAddrs, options?: OpOptions): Promise<TcpStream> {
    return native.TcpStream.connect(toNativeAddrs(addr), options).then(wrap<TcpStream>)
  }

  /**
   * Takes over a `StdTcpStream`, which must already be in non-blocking mode
   * (`setNonblocking(true)`): a blocking socket is refused with `kind: 'InvalidInput'`, where
   * in Rust it would block a runtime thread. The `StdTcpStream` is consumed.
   */
  static fromStd(stream: StdTcpStream): TcpStream {
    return wrap(native.TcpStream.fromStd(toNative(stream)))
  }

  /**
   * Turns this stream into a `StdTcpStream`, left in non-blocking mode as tokio leaves it.
   * This object is consumed: later calls throw `ERR_HANDLE_CLOSED`.
   */
  intoStd(): StdTcpStream {
    return wrap(nativeOf<native.TcpStream>(this, TcpStream).intoStd())
  }

  /**
   * Whether `SO_KEEPALIVE` is set. Not part of tokio's `TcpStream`, which leaves keepalive to
   * socket2 (`SockRef::from(&stream).keepalive()`); `net.Socket.setKeepAlive` needs it.
   */
  keepalive(): boolean {
    return nativeOf<native.TcpStream>(this, TcpStream).keepalive()
  }

  /**
   * Sets `SO_KEEPALIVE` on the connection, with the system's probe timing (socket2's
   * `set_keepalive`; `setTcpKeepalive` also sets the timing).
   */
  setKeepalive(on: boolean): void {
    nativeOf<native.TcpStream>(this, TcpStream).setKeepalive(on)
  }

  /**
   * Turns keepalive on with the given timing, as socket2's `set_tcp_keepalive` does:
   * `time` is the idle time in ms before the first probe (Node's `initialDelay`), `interval` the
   * ms between probes and `retries` the probes sent before the connection is dropped
   * (`ETIMEDOUT`). Omitted fields keep the system's values.
   *
   * @example
   * ```ts
   * import { TcpStream } from 'tokio-net'
   *
   * using stream = await TcpStream.connect('127.0.0.1:8080')
   * // Probe after 10 s of silence, every 1 s, and give up after 3 unanswered probes.
   * stream.setTcpKeepalive({ time: 10_000, interval: 1_000, retries: 3 })
   * ```
   */
  setTcpKeepalive(params: TcpKeepaliveParams): void {
    nativeOf<native.TcpStream>(this, TcpStream).setTcpKeepalive(params)
  }

  /** The pending socket error (`SO_ERROR`), cleared by reading it, or `null`. */
  takeError(): Error | null {
    return nativeOf<native.TcpStream>(this, TcpStream).takeError()
  }

  /** Settles when tokio's `poll_read_ready` would return `Ready`. Concurrent calls all settle. */
  pollReadReady(): Promise<void> {
    return nativeOf<native.TcpStream>(this, TcpStream).pollReadReady()
  }

  /** Settles when tokio's `poll_write_ready` would return `Ready`. Concurrent calls all settle. */
  pollWriteReady(): Promise<void> {
    return nativeOf<native.TcpStream>(this, TcpStream).pollWriteReady()
  }

  /** `AsyncWrite::poll_write`: settles with the count once some of `buf` was written. */
  pollWrite(buf: Uint8Array): Promise<number> {
    return nativeOf<native.TcpStream>(this, TcpStream).pollWrite(buf)
  }

  /** `AsyncWrite::poll_write_vectored`, with one `writev`. */
  pollWriteVectored(bufs: Uint8Array[]): Promise<number> {
    return nativeOf<native.TcpStream>(this, TcpStream).pollWriteVectored(bufs)
  }

  /** `true`: a TCP stream has an efficient `writev`. */
  isWriteVectored(): boolean {
    return nativeOf<native.TcpStream>(this, TcpStream).isWriteVectored()
  }

  /**
   * Runs `f` synchronously if tokio says the socket is ready for `interest`; `f` does its own
   * I/O on `asRawFd()`. If `f` throws an error whose `code` is `'EAGAIN'`/`'EWOULDBLOCK'` (or
   * `kind` is `'WouldBlock'`), readiness is cleared and `tryIo` throws `kind: 'WouldBlock'`;
   * any other error `f` throws comes through as it is. Returns what `f` returned.
   *
   * `interest` is one flag: tokio clears readiness per direction, so a combination is refused
   * (`code: 'ERR_INVALID_ARG_VALUE'`). Inside `f`, do the I/O on the descriptor yourself: calling
   * this stream's own methods there would take readiness from under `tryIo`.
   */
  tryIo<T>(interest: number, f: () => T): T {
    return nativeOf<native.TcpStream>(this, TcpStream).tryIo(interest, f)
  }

  /**
   * Waits for `interest` readiness and runs `f` as `tryIo` does, again and again until `f`
   * does not block; resolves with what `f` returned (rejects with what it threw). Between two
   * rounds the event loop gets a turn, so timers run and an abort can end a closure that keeps
   * blocking. `interest` is one flag, as for `tryIo`. Inside `f`, do the I/O on the
   * descriptor yourself: calling this stream's own methods there would take readiness from
   * under `asyncIo` and can make it wait for an event that already came.
   *
   * Cancel safety: cancel safe while waiting; `f` itself always runs to completion.
   */
  asyncIo<T>(interest: number, f: () => T, options?: OpOptions): Promise<T> {
    return nativeOf<native.TcpStream>(this, TcpStream).asyncIo(interest, f, options)
  }

  /** Whether `TCP_NODELAY` is set (Nagle's algorithm off). */
  nodelay(): boolean {
    return nativeOf<native.TcpStream>(this, TcpStream).nodelay()
  }

  /** Sets `TCP_NODELAY`: with `true`, small writes go out at once instead of being coalesced. */
  setNodelay(nodelay: boolean): void {
    nativeOf<native.TcpStream>(this, TcpStream).setNodelay(nodelay)
  }

  /** Whether `TCP_QUICKACK` is set. Linux only; elsewhere throws `kind: 'Unsupported'`. */
  quickack(): boolean {
    return nativeOf<native.TcpStream>(this, TcpStream).quickack()
  }

  /**
   * Sets `TCP_QUICKACK` (send ACKs at once). The kernel may clear it again by itself.
   * Linux only; elsewhere throws `kind: 'Unsupported'`.
   */
  setQuickack(quickack: boolean): void {
    nativeOf<native.TcpStream>(this, TcpStream).setQuickack(quickack)
  }

  /** `SO_LINGER` in milliseconds, or `null` when it is off. */
  linger(): number | null {
    return nativeOf<native.TcpStream>(this, TcpStream).linger()
  }

  /**
   * Sets `SO_LINGER` to `ms` milliseconds, or turns it off with `null`. With a non-zero linger
   * the OS's close waits until the unsent data is out or the time is up; tokio-net does that
   * close on a thread of its own, so `close()` returns at once and the event loop never waits.
   * `setZeroLinger()` (reset on close) is the useful case.
   *
   * @deprecated tokio deprecates `set_linger` because the close it causes blocks a thread; use
   * `setZeroLinger()` for a reset, or `shutdown()` and wait for the peer for a graceful close.
   */
  setLinger(ms: number | null): void {
    nativeOf<native.TcpStream>(this, TcpStream).setLinger(ms)
  }

  /** Sets `SO_LINGER` to zero: closing then resets the connection (an RST) instead of a FIN. */
  setZeroLinger(): void {
    nativeOf<native.TcpStream>(this, TcpStream).setZeroLinger()
  }

  /** The IP time-to-live of outgoing packets. */
  ttl(): number {
    return nativeOf<native.TcpStream>(this, TcpStream).ttl()
  }

  /** Sets the IP time-to-live (1 to 255). */
  setTtl(ttl: number): void {
    nativeOf<native.TcpStream>(this, TcpStream).setTtl(ttl)
  }

  /**
   * Borrowed halves: a `ReadHalf` and a `WriteHalf` sharing this stream, which stays usable.
   * They are closed with the stream. Closing a `WriteHalf` does not shut anything down. As in
   * Rust, where the halves borrow the stream, the halves keep this object alive: a stream
   * you no longer refer to is not collected while its halves are in use.
   *
   * @example
   * ```ts
   * import { TcpStream } from 'tokio-net'
   *
   * using stream = await TcpStream.connect('127.0.0.1:8080')
   * const [reader, writer] = stream.split()
   * await writer.writeAll(Buffer.from('hello'))
   * const buf = Buffer.alloc(5)
   * await reader.readExact(buf)
   * ```
   */
  split(): [ReadHalf, WriteHalf] {
    const halves = wrapPair<ReadHalf, WriteHalf>(nativeOf<native.TcpStream>(this, TcpStream).split())
    for (const half of halves) keepAlive(half, this)
    return halves
  }

  /**
   * Owned halves that can live and be closed apart. This stream is consumed. Closing the
   * `OwnedWriteHalf` shuts the write direction down (unless `forget()` was called); the
   * socket closes when both halves are closed. `reunite` puts them back together.
   *
   * @example
   * ```ts
   * import { TcpStream } from 'tokio-net'
   *
   * const [reader, writer] = (await TcpStream.connect('127.0.0.1:8080')).intoSplit()
   * // The halves live apart: write on one side while the other reads.
   * const echo = reader.readToEnd()
   * await writer.writeAll(Buffer.from('ping'))
   * writer.close() // sends a FIN, as dropping tokio's OwnedWriteHalf does
   * console.log((await echo).toString())
   * ```
   */
  intoSplit(): [OwnedReadHalf, OwnedWriteHalf] {
    return wrapPair<OwnedReadHalf, OwnedWriteHalf>(nativeOf<native.TcpStream>(this, TcpStream).intoSplit())
  }

  /**
   * The OS file descriptor. The stream still owns it: do not close it. Unix only: on Windows
   * it throws `kind: 'Unsupported'` (use `asRawSocket()`).
   */
  asRawFd(): number {
    return nativeOf<native.TcpStream>(this, TcpStream).asRawFd()
  }

  /**
   * The OS socket handle. The stream still owns it: do not close it. Windows only: elsewhere
   * it throws `kind: 'Unsupported'` (use `asRawFd()`).
   */
  asRawSocket(): number {
    return nativeOf<native.TcpStream>(this, TcpStream).asRawSocket()
  }
}

export interface TcpStream extends ReadMethods, WriteMethods {}
mixin(TcpStream, ReadMethods, WriteMethods)
