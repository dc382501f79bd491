// TcpSocket: a TCP socket before it connects or listens, for setting options first.

import { toNativeAddrs, type SocketAddr } from './addr.js'
import { native, nativeOf, registerWrapper, RefHandle, wrap } from './handle.js'
import type { TcpListener } from './listener.js'
import type { OpOptions, TcpKeepaliveParams } from './options.js'
import type { TcpStream } from './stream.js'

/**
 * A TCP socket that has not been turned into a `TcpStream` or `TcpListener` yet: create it with
 * `newV4()`/`newV6()`, set options, `bind`, then `connect` or `listen` (both consume it).
 *
 * @example
 * ```ts
 * import { TcpSocket } from 'tokio-net'
 *
 * const socket = TcpSocket.newV4()
 * socket.setReuseaddr(true)
 * socket.bind('127.0.0.1:0')
 * const listener = socket.listen(1024)
 * console.log('listening on', listener.localAddr().toString())
 * ```
 */
export class TcpSocket extends RefHandle {
  static {
    registerWrapper(native.TcpSocket, this)
  }

  /** Whether `SO_REUSEADDR` is set (reuse a local address in TIME_WAIT). */
  reuseaddr(): boolean {
    return nativeOf<native.TcpSocket>(this, TcpSocket).reuseaddr()
  }

  /** Sets `SO_REUSEADDR`, before `bind`. */
  setReuseaddr(on: boolean): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setReuseaddr(on)
  }

  /** Whether `SO_KEEPALIVE` is set (TCP keepalive probes). */
  keepalive(): boolean {
    return nativeOf<native.TcpSocket>(this, TcpSocket).keepalive()
  }

  /** Sets `SO_KEEPALIVE`. */
  setKeepalive(on: boolean): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setKeepalive(on)
  }

  /** Whether `TCP_NODELAY` is set (Nagle's algorithm off). */
  nodelay(): boolean {
    return nativeOf<native.TcpSocket>(this, TcpSocket).nodelay()
  }

  /** Sets `TCP_NODELAY`: with `true`, small writes go out at once. */
  setNodelay(on: boolean): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setNodelay(on)
  }

  /** Whether `SO_REUSEPORT` is set. Unix only: on Windows it throws `kind: 'Unsupported'`. */
  reuseport(): boolean {
    return nativeOf<native.TcpSocket>(this, TcpSocket).reuseport()
  }

  /** Sets `SO_REUSEPORT` (several sockets may bind the same port), before `bind`. Unix only: on Windows it throws `kind: 'Unsupported'`. */
  setReuseport(on: boolean): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setReuseport(on)
  }

  /** The send buffer size (`SO_SNDBUF`) in bytes, as the kernel reports it (Linux doubles what was set). */
  sendBufferSize(): number {
    return nativeOf<native.TcpSocket>(this, TcpSocket).sendBufferSize()
  }

  /** Sets the send buffer size (`SO_SNDBUF`) in bytes. */
  setSendBufferSize(size: number): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setSendBufferSize(size)
  }

  /** The receive buffer size (`SO_RCVBUF`) in bytes, as the kernel reports it (Linux doubles what was set). */
  recvBufferSize(): number {
    return nativeOf<native.TcpSocket>(this, TcpSocket).recvBufferSize()
  }

  /** Sets the receive buffer size (`SO_RCVBUF`) in bytes. */
  setRecvBufferSize(size: number): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setRecvBufferSize(size)
  }

  /** A new IPv4 socket. */
  static newV4(): TcpSocket {
    return wrap(native.TcpSocket.newV4())
  }

  /** A new IPv6 socket. */
  static newV6(): TcpSocket {
    return wrap(native.TcpSocket.newV6())
  }

  /** Binds the socket to a local address (`'127.0.0.1:0'` picks a free port). */
  bind(addr: string | SocketAddr | [string, number] | { ip: string, port: number }): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).bind(toNativeAddrs(addr))
  }

  /**
   * Connects to `addr`, consuming the socket; resolves with the `TcpStream`. Until it settles,
   * `close()` cancels the attempt (it rejects with `ERR_HANDLE_CLOSED`) and `unref()` lets the
   * process exit without waiting for it; every other member throws `ERR_HANDLE_CLOSED`.
   *
   * Cancel safety: aborting drops the connection attempt and the socket.
   */
  connect(addr: string | SocketAddr | [string, number] | { ip: string, port: number }, options?: OpOptions): Promise<TcpStream> {
    return nativeOf<native.TcpSocket>(this, TcpSocket).connect(toNativeAddrs(addr), options).then(wrap<TcpStream>)
  }

  /**
   * Whether `IPV6_V6ONLY` is set: an IPv6 socket that takes no IPv4-mapped traffic. Not part
   * of tokio's `TcpSocket` (socket2's `only_v6`); `net.Server`'s `ipv6Only` needs it.
   */
  onlyV6(): boolean {
    return nativeOf<native.TcpSocket>(this, TcpSocket).onlyV6()
  }

  /**
   * Sets `IPV6_V6ONLY` on an IPv6 socket, before `bind` (socket2's `set_only_v6`). An IPv4
   * socket refuses it with the OS's error.
   */
  setOnlyV6(on: boolean): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setOnlyV6(on)
  }

  /**
   * Sets `SO_KEEPALIVE` with the given probe timing, as `setTcpKeepalive` on a `TcpStream`
   * does (socket2's `set_tcp_keepalive`; not part of tokio's `TcpSocket`).
   */
  setTcpKeepalive(params: TcpKeepaliveParams): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setTcpKeepalive(params)
  }

  /** Lets a pending `connect` keep the process alive (the default): the opposite of `unref()`. */
  override ref(): void {
    super.ref()
  }

  /**
   * Lets the process exit while a `connect` of this socket is pending, as `unref()` on a
   * `TcpStream` does for its operations. The `TcpStream` that `connect` makes starts unref'd
   * too. Not part of tokio (Node's and Deno's handles have it).
   */
  override unref(): void {
    super.unref()
  }

  /** Starts listening with a queue of `backlog` pending connections, consuming the socket. */
  listen(backlog: number): TcpListener {
    return wrap(nativeOf<native.TcpSocket>(this, TcpSocket).listen(backlog))
  }

  /** The local address the socket is bound to. */
  localAddr(): SocketAddr {
    return wrap(nativeOf<native.TcpSocket>(this, TcpSocket).localAddr())
  }

  /** The pending socket error (`SO_ERROR`), cleared by reading it, or `null`. */
  takeError(): Error | null {
    return nativeOf<native.TcpSocket>(this, TcpSocket).takeError()
  }

  /** `SO_LINGER` in milliseconds, or `null` when it is off. */
  linger(): number | null {
    return nativeOf<native.TcpSocket>(this, TcpSocket).linger()
  }

  /**
   * Sets `SO_LINGER` to `ms` milliseconds, or off with `null`. A stream made from this socket
   * is closed on a thread of its own when it lingers, so `close()` never blocks the event loop.
   *
   * @deprecated tokio deprecates `set_linger` because the close it causes blocks a thread; use
   * `setZeroLinger()` for a reset.
   */
  setLinger(ms: number | null): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setLinger(ms)
  }

  /** Sets `SO_LINGER` to zero: closing resets the connection. */
  setZeroLinger(): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setZeroLinger()
  }

  /** Closes the socket. */
  override close(): void {
    super.close()
  }

  /**
   * The IPv4 type-of-service byte (`IP_TOS`). Unix only: on Windows it throws
   * `kind: 'Unsupported'`.
   */
  tos(): number {
    return nativeOf<native.TcpSocket>(this, TcpSocket).tos()
  }

  /**
   * Sets the IPv4 type-of-service byte (`IP_TOS`, 0 to 255). Unix only: on Windows it throws
   * `kind: 'Unsupported'`.
   */
  setTos(tos: number): void {
    nativeOf<native.TcpSocket>(this, TcpSocket).setTos(tos)
  }
}
