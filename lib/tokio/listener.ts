// TcpListener: a TCP server socket, accepting connections on tokio.

import { toNativeAddrs, type ToSocketAddrs, type SocketAddr } from './addr.js'
import { native, nativeOf, registerWrapper, RefHandle, wrap, wrapPair } from './handle.js'
import type { NativeListenerSteps } from './native.js'
import type { OpOptions } from './options.js'
import type { TcpStream } from './stream.js'

/**
 * A TCP socket server, listening for connections.
 *
 * `for await (const [stream, addr] of listener)` accepts connections until the listener is
 * closed.
 *
 * @example
 * ```ts
 * import { TcpListener } from 'tokio-net'
 *
 * const listener = await TcpListener.bind('127.0.0.1:8080')
 * for await (const [socket, addr] of listener) {
 *   console.log('new client', addr.toString())
 *   await socket.writeAll(Buffer.from('hello'))
 *   socket.close()
 * }
 * ```
 */
export class TcpListener extends RefHandle {
  static {
    registerWrapper(native.TcpListener, this)
  }

  /**
   * Binds a listener to `addr` (port 0 picks a free port). With several addresses, each is
   * tried in turn and the first that binds is used.
   */
  static bind(addr: ToSocketAddrs, options?: OpOptions): Promise<TcpListener> {
    return native.TcpListener.bind(toNativeAddrs(addr), options).then(wrap<TcpListener>)
  }

  /** Lets pending `accept` calls keep the process alive again (the default), undoing `unref()`. */
  override ref(): void {
    super.ref()
  }

  /** Stops pending `accept` calls from keeping the process alive, as `net.Server.unref()`. */
  override unref(): void {
    super.unref()
  }

  /**
   * Waits for a connection; resolves with `[stream, peerAddress]`.
   *
   * Cancel safety: cancel safe. If aborted, it is certain that no connection was taken from
   * the queue: the next `accept` gets it.
   *
   * @example
   * ```ts
   * import { TcpListener } from 'tokio-net'
   *
   * const listener = await TcpListener.bind('127.0.0.1:8080')
   * const [socket, addr] = await listener.accept()
   * console.log(`new client: ${addr}`)
   * socket.close()
   * ```
   */
  accept(options?: OpOptions): Promise<[TcpStream, SocketAddr]> {
    return nativeOf<native.TcpListener>(this, TcpListener).accept(options).then(wrapPair<TcpStream, SocketAddr>)
  }

  /** Like `accept`, through tokio's `poll_accept`: settles when the poll would return `Ready`. */
  pollAccept(): Promise<[TcpStream, SocketAddr]> {
    return nativeOf<native.TcpListener>(this, TcpListener).pollAccept().then(wrapPair<TcpStream, SocketAddr>)
  }

  /** The local address the listener is bound to. */
  localAddr(): SocketAddr {
    return wrap(nativeOf<native.TcpListener>(this, TcpListener).localAddr())
  }

  /** The IP time-to-live of the listener's socket. */
  ttl(): number {
    return nativeOf<native.TcpListener>(this, TcpListener).ttl()
  }

  /** Sets the IP time-to-live (1 to 255). */
  setTtl(ttl: number): void {
    nativeOf<native.TcpListener>(this, TcpListener).setTtl(ttl)
  }

  /**
   * Stops listening now; pending `accept` calls reject with `ERR_HANDLE_CLOSED` and async
   * iteration ends.
   */
  override close(): void {
    super.close()
  }

  /** Accepts connections, `[stream, peerAddress]` each, until the listener is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<[TcpStream, SocketAddr]> {
    const handle = nativeOf<native.TcpListener>(this, TcpListener) as native.TcpListener & NativeListenerSteps
    return {
      next: () =>
        handle
          .acceptNext()
          .then((step) => (step.done ? step : { value: wrapPair<TcpStream, SocketAddr>(step.value), done: false })),
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
}
