// `Server`: node:net's Server (an EventEmitter) over a tokio-net TcpListener.

import dns from 'node:dns'
import { EventEmitter } from 'node:events'
import { isIP } from 'node:net'

import { TcpSocket } from '../../index.js'
import type { SocketAddr, TcpListener, TcpStream } from '../../index.js'

import { type ListenOptions, normalizeListenArgs } from './args.js'
import { codedError, isHandleClosed, netError } from './errors.js'
import { type AddressInfo, type ConnectionOwner, Socket, kServer } from './socket.js'

/** Options of `createServer()` / `new Server()`. */
export interface ServerOptions {
  allowHalfOpen?: boolean
  pauseOnConnect?: boolean
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
  highWaterMark?: number
}

export type ConnectionListener = (socket: Socket) => void

/** node:net's default listen backlog. */
const DEFAULT_BACKLOG = 511

export class Server extends EventEmitter implements ConnectionOwner {
  /** Connections beyond this many are closed at once (and reported with a 'drop' event). */
  maxConnections: number | undefined = undefined
  #options: ServerOptions
  #listener: TcpListener | null = null
  /** Aborts the pending accept on close(): dropping the accept future first keeps it from taking one more connection. */
  #acceptAbort: AbortController | null = null
  #address: AddressInfo | null = null
  #connections = 0
  #binding = false
  #unrefed = false
  /** Settles when the accept loop has seen its last accept settle: only then is the port free. */
  #acceptLoopDone: Promise<void> | null = null
  /** Bumped by close(): a bind still in flight then knows to give its listener back. */
  #generation = 0

  constructor(connectionListener?: ConnectionListener)
  constructor(options?: ServerOptions, connectionListener?: ConnectionListener)
  constructor(options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener) {
    super()
    if (typeof options === 'function') {
      connectionListener = options
      options = {}
    } else if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options" argument must be of type object. Received ${typeof options}`)
    }
    this.#options = { ...(options ?? {}) }
    if (connectionListener) this.on('connection', connectionListener)
  }

  get listening(): boolean {
    return this.#listener !== null
  }

  listen(port?: number | string, hostname?: string, backlog?: number, listeningListener?: () => void): this
  listen(port?: number | string, hostname?: string, listeningListener?: () => void): this
  listen(port?: number | string, backlog?: number, listeningListener?: () => void): this
  listen(port?: number | string, listeningListener?: () => void): this
  listen(options: ListenOptions, listeningListener?: () => void): this
  listen(listeningListener?: () => void): this
  listen(...args: unknown[]): this {
    const [options, cb] = normalizeListenArgs(args)
    if (this.#listener || this.#binding) {
      throw codedError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.')
    }
    if (cb) this.once('listening', cb)
    if (options.signal) {
      const signal = options.signal
      if (signal.aborted) {
        process.nextTick(() => this.close())
        return this
      }
      signal.addEventListener('abort', () => this.close(), { once: true })
    }
    this.#binding = true
    const generation = this.#generation
    this.#bind(options).then(
      (listener) => {
        this.#binding = false
        if (generation !== this.#generation) {
          listener.close()
          return
        }
        this.#listener = listener
        const a = listener.localAddr()
        this.#address = { address: a.ip(), family: a.isIpv6() ? 'IPv6' : 'IPv4', port: a.port() }
        if (this.#unrefed) listener.unref()
        this.emit('listening')
        this.#acceptLoopDone = this.#acceptLoop(listener)
      },
      (err: unknown) => {
        this.#binding = false
        if (generation !== this.#generation) return
        this.emit('error', err)
      },
    )
    return this
  }

  async #bind(options: ListenOptions): Promise<TcpListener> {
    const port = typeof options.port === 'number' ? options.port : 0
    let host = options.host
    if (host && !isIP(host)) host = (await dns.promises.lookup(host)).address
    const backlog = options.backlog !== undefined && options.backlog >= 0 ? options.backlog : DEFAULT_BACKLOG
    const ipv6Only = Boolean(options.ipv6Only)
    if (host) return this.#listenOn(host, port, backlog, ipv6Only)
    // No host: the IPv6 any-address (dual-stack on Linux unless ipv6Only), or IPv4's where IPv6
    // is missing, as Node does.
    try {
      return await this.#listenOn('::', port, backlog, ipv6Only)
    } catch (e) {
      const code = (e as { code?: string }).code
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw e
      return this.#listenOn('0.0.0.0', port, backlog, false)
    }
  }

  async #listenOn(host: string, port: number, backlog: number, ipv6Only: boolean): Promise<TcpListener> {
    let sock: TcpSocket | null = null
    try {
      const v6 = isIP(host) === 6
      sock = v6 ? TcpSocket.newV6() : TcpSocket.newV4()
      // libuv sets SO_REUSEADDR on every TCP listener: a restart can reuse a port in TIME_WAIT.
      sock.setReuseaddr(true)
      if (v6 && ipv6Only) sock.setOnlyV6(true)
      // Accepted connections inherit keepalive and its idle time from the listening socket.
      const delay = this.#options.keepAliveInitialDelay
      if (this.#options.keepAlive && delay && delay > 0) sock.setTcpKeepalive({ time: Math.floor(delay) })
      else if (this.#options.keepAlive) sock.setKeepalive(true)
      if (this.#options.noDelay) sock.setNodelay(true)
      sock.bind([host, port])
      const listener = sock.listen(backlog)
      sock = null
      return listener
    } catch (e) {
      sock?.close()
      throw netError(e, 'listen', host, port, true)
    }
  }

  async #acceptLoop(listener: TcpListener): Promise<void> {
    const abort = new AbortController()
    this.#acceptAbort = abort
    for (;;) {
      let stream: TcpStream
      let peer: SocketAddr
      try {
        ;[stream, peer] = await listener.accept({ signal: abort.signal })
      } catch (e) {
        if (listener !== this.#listener || abort.signal.aborted || isHandleClosed(e)) return
        this.emit('error', netError(e, 'accept'))
        // EMFILE and the like: let the event loop run before trying again.
        await new Promise((r) => setImmediate(r))
        continue
      }
      if (this.maxConnections !== undefined && this.#connections >= this.maxConnections) {
        const dropped = { remoteAddress: peer.ip(), remotePort: peer.port(), remoteFamily: peer.isIpv6() ? 'IPv6' : 'IPv4' }
        stream.close()
        this.emit('drop', { ...dropped, localAddress: this.#address?.address, localPort: this.#address?.port, localFamily: this.#address?.family })
        continue
      }
      const o = this.#options
      const socket = Socket.from(stream, {
        allowHalfOpen: o.allowHalfOpen,
        pauseOnCreate: o.pauseOnConnect,
        highWaterMark: o.highWaterMark,
        noDelay: o.noDelay,
      })
      if (o.noDelay) socket.setNoDelay(true)
      socket[kServer](this, peer)
      this.#connections++
      this.emit('connection', socket)
    }
  }

  /** @internal Called by an accepted socket when it is destroyed. */
  _connectionClosed(_socket: Socket): void {
    this.#connections--
    this.#emitCloseIfDrained()
  }

  address(): AddressInfo | null {
    return this.#listener && this.#address ? { ...this.#address } : null
  }

  /** Stops accepting; 'close' (and `cb`) follow once every accepted connection has ended. */
  close(cb?: (err?: Error) => void): this {
    if (typeof cb === 'function') {
      if (!this.#listener && !this.#binding) {
        this.once('close', () => cb(codedError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.')))
      } else {
        this.once('close', cb)
      }
    }
    this.#generation++
    this.#binding = false
    if (this.#listener) {
      this.#acceptAbort?.abort()
      this.#acceptAbort = null
      this.#listener.close()
      this.#listener = null
    }
    this.#emitCloseIfDrained()
    return this
  }

  #emitCloseIfDrained(): void {
    if (this.#listener || this.#binding || this.#connections > 0) return
    const loop = this.#acceptLoopDone
    if (loop) {
      // The listening socket is released once its pending accept has settled: 'close' after that,
      // so a close callback can bind the same port again.
      this.#acceptLoopDone = null
      void loop.then(() => this.emit('close'))
      return
    }
    process.nextTick(() => this.emit('close'))
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    const count = this.#connections
    process.nextTick(() => cb(null, count))
    return this
  }

  ref(): this {
    this.#unrefed = false
    this.#listener?.ref()
    return this
  }

  unref(): this {
    this.#unrefed = true
    this.#listener?.unref()
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#listener && !this.#binding) return
    await new Promise<void>((resolve) => this.close(() => resolve()))
  }
}
