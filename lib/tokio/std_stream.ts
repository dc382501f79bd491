// StdTcpStream: std::net::TcpStream, the blocking socket tokio's from_std/into_std trade in.

import { toNativeAddrs, type ToSocketAddrs, type SocketAddr } from './addr.js'
import { Handle, native, nativeOf, registerWrapper, wrap } from './handle.js'

/**
 * A `std::net::TcpStream`: blocking by default, so its methods block the JS thread as they
 * block a Rust thread. Use it to hand sockets to and from `TcpStream`, not for I/O in a server.
 *
 * @example
 * ```ts
 * import { StdTcpStream, TcpStream } from 'tokio-net'
 *
 * const std = StdTcpStream.connect('127.0.0.1:8080')
 * std.setNonblocking(true)
 * const stream = TcpStream.fromStd(std)
 * await stream.writeAll(Buffer.from('hello'))
 * const back = stream.intoStd() // blocking again after setNonblocking(false)
 * back.setNonblocking(false)
 * back.close()
 * ```
 */
export class StdTcpStream extends Handle {
  static {
    registerWrapper(native.StdTcpStream, this)
  }

  /**
   * Connects, blocking the calling thread until connected or failed. Each resolved address
   * is tried in turn; the last error is reported.
   */
  static connect(addr: ToSocketAddrs): StdTcpStream {
    return wrap(native.StdTcpStream.connect(toNativeAddrs(addr)))
  }

  /** Moves the socket into or out of non-blocking mode. `TcpStream.fromStd` needs `true`. */
  setNonblocking(nonblocking: boolean): void {
    nativeOf<native.StdTcpStream>(this, StdTcpStream).setNonblocking(nonblocking)
  }

  /**
   * Reads into `buf`, blocking until some bytes arrive (in non-blocking mode, throws
   * `kind: 'WouldBlock'` instead). Returns the count; 0 at end of stream.
   */
  read(buf: Uint8Array): number {
    return nativeOf<native.StdTcpStream>(this, StdTcpStream).read(buf)
  }

  /** Fills `buf` completely, blocking; throws `kind: 'UnexpectedEof'` if the stream ends first. */
  readExact(buf: Uint8Array): void {
    nativeOf<native.StdTcpStream>(this, StdTcpStream).readExact(buf)
  }

  /** Writes some of `buf`, blocking until the socket takes it; returns the count. */
  write(buf: Uint8Array): number {
    return nativeOf<native.StdTcpStream>(this, StdTcpStream).write(buf)
  }

  /** Writes all of `buf`, blocking. */
  writeAll(buf: Uint8Array): void {
    nativeOf<native.StdTcpStream>(this, StdTcpStream).writeAll(buf)
  }

  /** The local address of the socket. */
  localAddr(): SocketAddr {
    return wrap(nativeOf<native.StdTcpStream>(this, StdTcpStream).localAddr())
  }

  /** The address of the remote peer. */
  peerAddr(): SocketAddr {
    return wrap(nativeOf<native.StdTcpStream>(this, StdTcpStream).peerAddr())
  }

  /** Closes the socket. */
  override close(): void {
    super.close()
  }

  /**
   * The OS file descriptor. The stream still owns it. Unix only: on Windows it throws
   * `kind: 'Unsupported'` (use `asRawSocket()`).
   */
  asRawFd(): number {
    return nativeOf<native.StdTcpStream>(this, StdTcpStream).asRawFd()
  }

  /**
   * The OS socket handle. The stream still owns it. Windows only: elsewhere it throws
   * `kind: 'Unsupported'` (use `asRawFd()`).
   */
  asRawSocket(): number {
    return nativeOf<native.StdTcpStream>(this, StdTcpStream).asRawSocket()
  }
}
