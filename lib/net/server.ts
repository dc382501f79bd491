// `Server`: node:net's Server (an EventEmitter) over a tokio-net TcpListener.

import dns from 'node:dns'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import { isIP } from 'node:net'
import type { Server as NodeNetServer } from 'node:net'
import os from 'node:os'

import { TcpSocket } from '../../index.js'
import type { SocketAddr, TcpListener, TcpStream } from '../../index.js'

import { type ListenOptions, normalizeListenArgs } from './args.js'
import { codedError, emitGuarded, isHandleClosed, netError, reportUncaught } from './errors.js'
import { type NodeNetFunctions, kHandOver, listenNeedsNodeNet } from './handover.js'
import { enableKeepAlive } from './connect.js'
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
  #maxConnections: number | undefined = undefined
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
  /** Under the preload, the node:net server a `listen()` tokio-net does not serve went to (a Unix socket path, ...). */
  #nodeNetServer: NodeNetServer | null = null
  /** @internal Set by the preload on the servers it makes: where such a `listen()` goes. */
  declare [kHandOver]: NodeNetFunctions | undefined

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
    const hwm = this.#options.highWaterMark
    if (hwm !== undefined) {
      if (typeof hwm !== 'number' || Number.isNaN(hwm)) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.highWaterMark" property must be of type number. Received ${typeof hwm}`)
      }
      // node:net takes a negative one as the default.
      if (hwm < 0) this.#options.highWaterMark = undefined
    }
    if (connectionListener) this.on('connection', connectionListener)
  }

  /** Connections beyond this many are closed at once (and reported with a 'drop' event). */
  get maxConnections(): number | undefined {
    return this.#nodeNetServer ? this.#nodeNetServer.maxConnections : this.#maxConnections
  }

  set maxConnections(max: number | undefined) {
    this.#maxConnections = max
    if (this.#nodeNetServer && max !== undefined) this.#nodeNetServer.maxConnections = max
  }

  get listening(): boolean {
    return this.#nodeNetServer ? this.#nodeNetServer.listening : this.#listener !== null
  }

  listen(port?: number | string, hostname?: string, backlog?: number, listeningListener?: () => void): this
  listen(port?: number | string, hostname?: string, listeningListener?: () => void): this
  listen(port?: number | string, backlog?: number, listeningListener?: () => void): this
  listen(port?: number | string, listeningListener?: () => void): this
  listen(options: ListenOptions, listeningListener?: () => void): this
  listen(listeningListener?: () => void): this
  listen(...args: unknown[]): this {
    if (this.#listener || this.#binding || this.#nodeNetServer?.listening) {
      throw codedError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.')
    }
    const nodeNet = this[kHandOver]
    if (nodeNet && listenNeedsNodeNet(args)) {
      this.#listenOnNodeNet(nodeNet, args)
      return this
    }
    // A node:net server that failed to listen (or was closed) is let go: this listen is tokio's.
    this.#nodeNetServer = null
    const [options, cb] = normalizeListenArgs(args)
    if (cb) this.once('listening', cb)
    if (options.signal) {
      const signal = options.signal
      if (signal.aborted) {
        process.nextTick(() => this.close())
        return this
      }
      signal.addEventListener('abort', () => this.close(), { once: true })
    }
    keepReserveFd()
    const generation = this.#generation
    if (!options.host) {
      // No host: bound now, as node:net binds it, so address() answers right after listen();
      // 'listening' (or 'error') follows on the next tick.
      let listener: TcpListener
      try {
        listener = this.#bindAnyAddress(options)
      } catch (err) {
        process.nextTick(() => {
          if (generation === this.#generation) this.emit('error', err)
        })
        return this
      }
      this.#start(listener)
      process.nextTick(() => {
        if (this.#listener === listener) this.emit('listening')
      })
      return this
    }
    this.#binding = true
    const host = options.host
    this.#bindHost(host, options).then(
      (listener) => {
        this.#binding = false
        if (generation !== this.#generation) {
          listener.close()
          return
        }
        this.#start(listener)
        emitGuarded(this, 'listening')
      },
      (err: unknown) => {
        this.#binding = false
        if (generation !== this.#generation) return
        emitGuarded(this, 'error', err)
      },
    )
    return this
  }

  /** Listening from now on: the address is known and connections are accepted. */
  #start(listener: TcpListener): void {
    this.#listener = listener
    const a = listener.localAddr()
    this.#address = { address: a.ip(), family: a.isIpv6() ? 'IPv6' : 'IPv4', port: a.port() }
    if (this.#unrefed) listener.unref()
    // The loop reports what goes wrong inside it; this only keeps a bug there from passing unseen.
    this.#acceptLoopDone = this.#acceptLoop(listener).catch(reportUncaught)
  }

  async #bindHost(host: string, options: ListenOptions): Promise<TcpListener> {
    const ip = isIP(host) ? host : (await dns.promises.lookup(host)).address
    return this.#listenOn(ip, listenPort(options), listenBacklog(options), Boolean(options.ipv6Only))
  }

  /** No host: the IPv6 any-address (dual-stack on Linux unless ipv6Only), or IPv4's where IPv6 is missing, as Node does. */
  #bindAnyAddress(options: ListenOptions): TcpListener {
    const port = listenPort(options)
    const backlog = listenBacklog(options)
    try {
      return this.#listenOn('::', port, backlog, Boolean(options.ipv6Only))
    } catch (e) {
      const code = (e as { code?: string }).code
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw e
      return this.#listenOn('0.0.0.0', port, backlog, false)
    }
  }

  #listenOn(host: string, port: number, backlog: number, ipv6Only: boolean): TcpListener {
    let sock: TcpSocket | null = null
    try {
      const v6 = isIP(host) === 6
      sock = v6 ? TcpSocket.newV6() : TcpSocket.newV4()
      // libuv sets SO_REUSEADDR on every TCP listener: a restart can reuse a port in TIME_WAIT.
      sock.setReuseaddr(true)
      if (v6 && ipv6Only) sock.setOnlyV6(true)
      // Accepted connections inherit keepalive and its idle time from the listening socket.
      if (this.#options.keepAlive) enableKeepAlive(sock, Number(this.#options.keepAliveInitialDelay ?? 0))
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

  /** Under the preload: a `listen()` tokio-net does not serve goes to a node:net server, whose events become ours. */
  #listenOnNodeNet(nodeNet: NodeNetFunctions, args: unknown[]): void {
    const rest = [...args]
    const cb = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as () => void) : undefined
    // Listening again after an error (EADDRINUSE on a path, say) goes to the same server.
    const inner = this.#nodeNetServer ?? this.#nodeNetServerFrom(nodeNet)
    if (cb) this.once('listening', cb)
    try {
      ;(inner.listen as (...a: unknown[]) => unknown)(...rest)
    } catch (e) {
      if (cb) this.removeListener('listening', cb)
      throw e
    }
  }

  /** A node:net server with our options and settings, whose events become ours. */
  #nodeNetServerFrom(nodeNet: NodeNetFunctions): NodeNetServer {
    const inner = nodeNet.createServer(this.#options)
    if (this.#maxConnections !== undefined) inner.maxConnections = this.#maxConnections
    if (this.#unrefed) inner.unref()
    for (const event of ['listening', 'connection', 'error', 'drop']) {
      inner.on(event, (...a: unknown[]) => this.emit(event, ...a))
    }
    inner.on('close', () => {
      if (this.#nodeNetServer === inner) this.#nodeNetServer = null
      this.emit('close')
    })
    this.#nodeNetServer = inner
    return inner
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
        const code = (e as { code?: unknown }).code
        // A client that gave up while queued: nothing to report, as libuv reports nothing.
        if (code === 'ECONNABORTED') continue
        const outOfFds = code === 'EMFILE' || code === 'ENFILE'
        if (outOfFds && (await shedBacklog(listener))) continue
        emitGuarded(this, 'error', netError(e, 'accept'))
        // Let the event loop run (and descriptors free up) before trying again, rather than spin.
        await new Promise((r) => (outOfFds ? setTimeout(r, OUT_OF_FDS_RETRY_MS) : setImmediate(r)))
        continue
      }
      const max = this.#maxConnections
      if (max !== undefined && this.#connections >= max) {
        const dropped = { remoteAddress: peer.ip(), remotePort: peer.port(), remoteFamily: peer.isIpv6() ? 'IPv6' : 'IPv4' }
        stream.close()
        emitGuarded(this, 'drop', { ...dropped, localAddress: this.#address?.address, localPort: this.#address?.port, localFamily: this.#address?.family })
        continue
      }
      let socket: Socket
      try {
        socket = this.#wrap(stream, peer)
      } catch (e) {
        // Nothing a connection brings should stop the server: this one is dropped and reported.
        stream.close()
        reportUncaught(e)
        continue
      }
      this.#connections++
      // A 'connection' listener that throws does not stop the server, as on node:net.
      emitGuarded(this, 'connection', socket)
    }
  }

  #wrap(stream: TcpStream, peer: SocketAddr): Socket {
    const o = this.#options
    const socket = Socket.from(stream, {
      allowHalfOpen: o.allowHalfOpen,
      pauseOnCreate: o.pauseOnConnect,
      highWaterMark: o.highWaterMark,
      noDelay: o.noDelay,
    })
    if (o.noDelay) socket.setNoDelay(true)
    socket[kServer](this, peer)
    return socket
  }

  /** @internal Called by an accepted socket when it is destroyed. */
  _connectionClosed(_socket: Socket): void {
    this.#connections--
    this.#emitCloseIfDrained()
  }

  /**
   * The bound address, or null before listening and after closing. (Under the preload, a server
   * handed to node:net for a Unix socket path answers with the path, as node:net does; its type
   * there is node:net's.)
   */
  address(): AddressInfo | null {
    if (this.#nodeNetServer) return this.#nodeNetServer.address() as AddressInfo | null
    return this.#listener && this.#address ? { ...this.#address } : null
  }

  /** Stops accepting; 'close' (and `cb`) follow once every accepted connection has ended. */
  close(cb?: (err?: Error) => void): this {
    const inner = this.#nodeNetServer
    if (inner) {
      inner.close(typeof cb === 'function' ? (err?: Error) => cb.call(this, err) : undefined)
      if (!inner.listening) this.#nodeNetServer = null
      return this
    }
    if (typeof cb === 'function') {
      if (!this.#listener) {
        // Not listening yet (or any more), as node:net says even while a host is looked up.
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
      void loop.then(() => emitGuarded(this, 'close'))
      return
    }
    process.nextTick(() => this.emit('close'))
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    if (this.#nodeNetServer) {
      this.#nodeNetServer.getConnections(cb)
      return this
    }
    const count = this.#connections
    process.nextTick(() => cb(null, count))
    return this
  }

  ref(): this {
    this.#unrefed = false
    this.#listener?.ref()
    this.#nodeNetServer?.ref()
    return this
  }

  unref(): this {
    this.#unrefed = true
    this.#listener?.unref()
    this.#nodeNetServer?.unref()
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.listening && !this.#binding) return
    await new Promise<void>((resolve) => this.close(() => resolve()))
  }
}

function listenPort(options: ListenOptions): number {
  return typeof options.port === 'number' ? options.port : 0
}

function listenBacklog(options: ListenOptions): number {
  return options.backlog !== undefined && options.backlog >= 0 ? options.backlog : DEFAULT_BACKLOG
}

/** How long an accept that failed for want of a descriptor, with none in reserve, waits before trying again. */
const OUT_OF_FDS_RETRY_MS = 100

/**
 * One descriptor held in reserve for `shedBacklog`, as libuv holds one per loop; opened by the
 * first `listen()` (of this thread), and again after each use. `null`: none held.
 */
let reserveFd: number | null = null

function keepReserveFd(): void {
  if (reserveFd !== null) return
  try {
    reserveFd = fs.openSync(os.devNull, 'r')
  } catch {
    // Out of descriptors already: the next listen() or shed tries again.
  }
}

/**
 * libuv's answer to an accept that fails with EMFILE/ENFILE: free the reserved descriptor,
 * accept and close every connection already queued, and take the descriptor back. The clients
 * see their connection closed instead of waiting in a backlog that keeps the listener ready,
 * and the server neither spins on the failing accept nor reports an error. Returns false when
 * there was no descriptor to spend (the caller reports the error and waits).
 */
async function shedBacklog(listener: TcpListener): Promise<boolean> {
  // Another server of this thread is spending the reserve: wait for it, then try again.
  if (shedding) {
    await shedding
    return true
  }
  const fd = reserveFd
  if (fd === null) return false
  shedding = shedWithReserve(listener, fd)
  try {
    return await shedding
  } finally {
    shedding = null
  }
}

/** A shed in progress, while the reserved descriptor is spent. */
let shedding: Promise<boolean> | null = null

/** Spends the reserved descriptor `fd` to accept and close what `listener` has queued. */
async function shedWithReserve(listener: TcpListener, fd: number): Promise<boolean> {
  fs.closeSync(fd)
  reserveFd = null
  let shed = 0
  try {
    for (;;) {
      const take = new AbortController()
      const next = listener.accept({ signal: take.signal })
      // A connection already queued is taken within the call; one not queued yet is not waited for.
      take.abort()
      let stream: TcpStream
      try {
        ;[stream] = await next
      } catch (e) {
        // Aborted: the queue is empty. EMFILE again: something else took the freed descriptor.
        const code = (e as { code?: unknown }).code
        return shed > 0 || (code !== 'EMFILE' && code !== 'ENFILE')
      }
      stream.close()
      shed++
    }
  } finally {
    keepReserveFd()
  }
}
