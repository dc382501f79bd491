// What a TcpStream and its four halves share: addresses, readiness, ref/unref and close
// (Connection), and the read and write members (ReadMethods, WriteMethods), mixed into the classes
// that have them as tokio's types implement AsyncRead and AsyncWrite.

import type { Ready, SocketAddr } from './addr.js'
import { type BytesMut } from './bytes_mut.js'
import { native, nativeOf, nativeOfAny, type PublicClass, RefHandle, toNative, wrap } from './handle.js'
import type { OpOptions } from './options.js'

type NativeConnection = native.TcpStream | native.ReadHalf | native.WriteHalf | native.OwnedReadHalf | native.OwnedWriteHalf
type NativeReader = native.TcpStream | native.ReadHalf | native.OwnedReadHalf
type NativeWriter = native.TcpStream | native.WriteHalf | native.OwnedWriteHalf

// The classes each mixin went into (mixin() fills them): whose `this` its members take.
const readers: PublicClass[] = []
const writers: PublicClass[] = []
const reader = (self: ReadMethods): NativeReader => nativeOfAny<NativeReader>(self, readers, 'TcpStream or a read half')
const writer = (self: WriteMethods): NativeWriter => nativeOfAny<NativeWriter>(self, writers, 'TcpStream or a write half')

/** A TCP connection or one of its halves. */
export abstract class Connection extends RefHandle {
  /** The local address this socket is bound to. */
  localAddr(): SocketAddr {
    return wrap(nativeOf<NativeConnection>(this, Connection).localAddr())
  }

  /** The address of the remote peer. */
  peerAddr(): SocketAddr {
    return wrap(nativeOf<NativeConnection>(this, Connection).peerAddr())
  }

  /**
   * Waits for any of the requested readiness states (`Interest` flags combined with `|`).
   *
   * The result may be a false positive: a later `tryRead`/`tryWrite` can still throw
   * `WouldBlock`. Readiness is cleared only when an operation hits WouldBlock.
   *
   * Cancel safety: cancel safe. Once readiness is seen, it stays set, and later waits return
   * at once, until an operation that finds the socket not ready after all (a `tryRead` or
   * `tryWrite` throwing `WouldBlock`) clears it; aborting a wait consumes nothing.
   */
  ready(interest: number, options?: OpOptions): Promise<Ready> {
    return nativeOf<NativeConnection>(this, Connection).ready(interest, options).then(wrap<Ready>)
  }
}

/** The read members of `TcpStream`, `ReadHalf` and `OwnedReadHalf` (tokio's AsyncRead and try_read family). */
export abstract class ReadMethods {
  /**
   * Receives data without removing it from the queue: the next read returns it again.
   * Resolves with the number of bytes copied into `buf`; 0 means the peer closed.
   *
   * Cancel safety: cancel safe. If aborted, no peek was made and `buf` was not written to.
   */
  peek(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return reader(this).peek(buf, options)
  }

  /**
   * Like `peek`, through tokio's `poll_peek`: settles when the poll would return `Ready`.
   * Concurrent calls all settle, one after another.
   */
  pollPeek(buf: Uint8Array): Promise<number> {
    return reader(this).pollPeek(buf)
  }

  /**
   * Waits until the socket is readable. May be a false positive: `tryRead` can still throw
   * `WouldBlock`, and then you wait again.
   *
   * Cancel safety: cancel safe. Once readiness is seen, it stays set, and later waits return
   * at once, until an operation that finds the socket not ready after all (a `tryRead` or
   * `tryWrite` throwing `WouldBlock`) clears it; aborting a wait consumes nothing.
   *
   * @example
   * ```ts
   * import { TcpStream, type NetError } from 'tokio-net'
   *
   * using stream = await TcpStream.connect('127.0.0.1:8080')
   * for (;;) {
   *   await stream.readable()
   *   const buf = new Uint8Array(4096)
   *   let n: number
   *   try {
   *     n = stream.tryRead(buf) // may still throw WouldBlock: readiness can be a false positive
   *   } catch (e) {
   *     if ((e as NetError).kind === 'WouldBlock') continue
   *     throw e
   *   }
   *   if (n === 0) break
   *   console.log(`read ${n} bytes`)
   * }
   * ```
   */
  readable(options?: OpOptions): Promise<void> {
    return reader(this).readable(options)
  }

  /**
   * Reads what is available now into `buf` without waiting, returning the byte count.
   * 0 means the peer closed its write side (or `buf` is empty). Throws `kind: 'WouldBlock'`
   * (`code: 'EAGAIN'`) when there is nothing to read; that clears the readiness. A read that
   * does not fill `buf` drained the socket, so on Linux, macOS and FreeBSD (edge-triggered
   * readiness) it clears the readiness too, as tokio's own `poll_read` does there: the next
   * `readable()` waits for new data (or the end of the stream) instead of settling at once
   * and leaving `tryRead` to throw `WouldBlock`.
   */
  tryRead(buf: Uint8Array): number {
    return reader(this).tryRead(buf)
  }

  /** `tryRead` into several buffers in order (`readv`), returning the total byte count. */
  tryReadVectored(bufs: Uint8Array[]): number {
    return reader(this).tryReadVectored(bufs)
  }

  /** `tryRead` that appends to a growable `BytesMut`, growing it when it is full. */
  tryReadBuf(buf: BytesMut): number {
    return reader(this).tryReadBuf(toNative(buf))
  }

  /**
   * Reads into `buf`, waiting until at least one byte is there; resolves with the count,
   * 0 at end of stream. Concurrent calls are served in call order with disjoint bytes.
   *
   * Cancel safety: cancel safe. If aborted, it is certain that no data was read: the bytes
   * stay queued in the socket and the next read gets them.
   *
   * @example
   * ```ts
   * import { TcpStream } from 'tokio-net'
   *
   * using stream = await TcpStream.connect('127.0.0.1:8080')
   * const buf = new Uint8Array(4096)
   * for (;;) {
   *   const n = await stream.read(buf, { signal: AbortSignal.timeout(10_000) })
   *   if (n === 0) break // the peer closed its write side
   *   console.log(`read ${n} bytes`)
   * }
   * ```
   */
  read(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return reader(this).read(buf, options)
  }

  /**
   * Fills `buf` completely; rejects with `kind: 'UnexpectedEof'` if the stream ends first.
   *
   * Cancel safety: not cancel safe. If aborted, some bytes may already be in `buf` (and are
   * gone from the socket), and there is no telling how many: use it only where the stream
   * is dropped after an abort.
   */
  readExact(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return reader(this).readExact(buf, options)
  }

  /**
   * Reads until end of stream and resolves with everything read, as a `Buffer`.
   *
   * Cancel safety: not cancel safe. If aborted, the bytes read so far are lost with the
   * future: they are gone from the socket and never handed back.
   */
  readToEnd(options?: OpOptions): Promise<Buffer> {
    return reader(this).readToEnd(options)
  }
}

/** The write members of `TcpStream`, `WriteHalf` and `OwnedWriteHalf` (tokio's AsyncWrite and try_write family). */
export abstract class WriteMethods {
  /**
   * Waits until the socket is writable. May be a false positive: `tryWrite` can still
   * throw `WouldBlock`.
   *
   * Cancel safety: cancel safe. Once readiness is seen, it stays set, and later waits return
   * at once, until an operation that finds the socket not ready after all (a `tryRead` or
   * `tryWrite` throwing `WouldBlock`) clears it; aborting a wait consumes nothing.
   */
  writable(options?: OpOptions): Promise<void> {
    return writer(this).writable(options)
  }

  /**
   * Writes what the socket takes now, without waiting; returns the byte count (possibly
   * fewer than `buf.length`). Throws `kind: 'WouldBlock'` when the send buffer is full.
   */
  tryWrite(buf: Uint8Array): number {
    return writer(this).tryWrite(buf)
  }

  /** `tryWrite` from several buffers in order (`writev`). */
  tryWriteVectored(bufs: Uint8Array[]): number {
    return writer(this).tryWriteVectored(bufs)
  }

  /**
   * Writes some of `buf`, waiting until the socket takes at least one byte; resolves with
   * the count. `buf` is not kept: what the socket does not take at once is copied during
   * the call. Concurrent writes are served in call order.
   *
   * Cancel safety: cancel safe. If aborted, it is certain that no data was written.
   */
  write(buf: Uint8Array, options?: OpOptions): Promise<number> {
    return writer(this).write(buf, options)
  }

  /**
   * Writes all of `buf`.
   *
   * Cancel safety: not cancel safe. If aborted, part of `buf` may have been written, and
   * there is no telling how much; a new `writeAll` starts over from the start of its buffer.
   *
   * @example
   * ```ts
   * import { TcpStream } from 'tokio-net'
   *
   * using stream = await TcpStream.connect('127.0.0.1:8080')
   * await stream.writeAll(Buffer.from('hello world!'))
   * ```
   */
  writeAll(buf: Uint8Array, options?: OpOptions): Promise<void> {
    return writer(this).writeAll(buf, options)
  }

  /**
   * Writes from several buffers in order with one `writev`; resolves with the count.
   *
   * Cancel safety: cancel safe. If aborted, it is certain that no data was written.
   */
  writeVectored(bufs: Uint8Array[], options?: OpOptions): Promise<number> {
    return writer(this).writeVectored(bufs, options)
  }

  /** A TCP socket has nothing to flush; resolves once the writes queued before it are done. */
  flush(options?: OpOptions): Promise<void> {
    return writer(this).flush(options)
  }

  /**
   * Shuts the write direction down (sends a FIN) after the writes queued before it. The
   * read direction stays open. Calling it again is fine.
   */
  shutdown(options?: OpOptions): Promise<void> {
    return writer(this).shutdown(options)
  }
}

/**
 * Puts the members of the read or write mixin on `into`'s prototype (its type says so with an
 * interface of the same name), and lets them take `into`'s objects as `this`.
 */
export function mixin(into: PublicClass, ...from: (typeof ReadMethods | typeof WriteMethods)[]): void {
  for (const source of from) {
    ;(source === ReadMethods ? readers : writers).push(into)
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(source.prototype))) {
      if (name !== 'constructor') Object.defineProperty(into.prototype, name, descriptor)
    }
  }
}
