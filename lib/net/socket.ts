// `Socket`: node:net's Socket (a Duplex) over a tokio-net TcpStream, as node:net's lib/net.js
// has it: connecting, addresses, options, timeouts, closing and events. The stream underneath is
// driven, as Node's lib/internal/stream_base_commons.js drives a handle, by a `ReadPump`
// (`read_pump.ts`: reads, backpressure, `onread`) and a `WriteQueue` (`write_queue.ts`: writes,
// their batching within a tick, write callbacks); `connect.ts` looks the peer up and connects.

import { isIP } from 'node:net'
import { Duplex, addAbortSignal } from 'node:stream'

import type { SocketAddr, TcpStream } from '../../index.js'

import { type ConnectCallback, type ConnectOptions, type OnReadOptions, normalizeConnectArgs, validateConnectOptions, validatePort } from './args.js'
import { ConnectCancel, connectFirst, destroyOnAbort, enableKeepAlive, lookupAddresses } from './connect.js'
import { codedError, reportUncaught, socketClosed } from './errors.js'
import { IdleTimeout } from './idle_timeout.js'
import { ReadPump } from './read_pump.js'
import type { StreamLink } from './stream_link.js'
import { type WriteCallback, WriteQueue } from './write_queue.js'

/** Node's `AddressInfo`. */
export interface AddressInfo {
  address: string
  family: string
  port: number
}

/** Options of `new Socket()` and `Socket.from()`. */
export interface SocketOptions {
  allowHalfOpen?: boolean
  highWaterMark?: number
  readableHighWaterMark?: number
  writableHighWaterMark?: number
  signal?: AbortSignal
  onread?: OnReadOptions
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
  /** Start paused: no read is issued until the socket is resumed (the server's `pauseOnConnect`). */
  pauseOnCreate?: boolean
}

/** What a listening server needs to hear from the sockets it accepted. */
export interface ConnectionOwner {
  _connectionClosed(socket: Socket): void
}

const kServer = Symbol('tokio-net.server')

function familyName(isV6: boolean): string {
  return isV6 ? 'IPv6' : 'IPv4'
}

export class Socket extends Duplex {
  /** True from `connect()` until the connection is made or fails. */
  connecting = false
  /** The idle timeout set by `setTimeout`, in milliseconds. */
  timeout: number | undefined = undefined
  /** The server that accepted this socket (as on node:net). */
  server: ConnectionOwner | null = null
  /** The same server, under the name node:net's internals and http use. */
  _server: ConnectionOwner | null = null
  declare allowHalfOpen: boolean

  #handle: TcpStream | null = null
  readonly #idle = new IdleTimeout()
  readonly #link: StreamLink = { handle: () => this.#handle, activity: () => this.#idle.refresh() }
  readonly #reader = new ReadPump(this, this.#link, null)
  readonly #writer = new WriteQueue(this, this.#link)
  #noDelay: boolean | undefined
  #keepAlive = false
  /** `keepAliveInitialDelay` / `setKeepAlive`'s `initialDelay`, in ms. */
  #keepAliveDelay = 0
  #unrefed = false
  #resetOnClose = false
  #connectAbort: ConnectCancel | null = null
  /** The peer's address, once asked for while connected (node:net remembers it only then). */
  #peer: AddressInfo | null = null
  /** The peer as `accept()` or `connect()` knew it, turned into `#peer` when first asked for. */
  #peerKnown: SocketAddr | AddressInfo | null = null
  #local: AddressInfo | null = null
  #pauseOnCreate: boolean
  #attempted = false

  constructor(options: SocketOptions = {}) {
    if (typeof options === 'number') throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', 'tokio-net/net Socket cannot open a file descriptor; use Socket.from(tcpStream)')
    const legacy = options as { fd?: unknown; handle?: unknown }
    if (legacy.fd !== undefined || legacy.handle !== undefined) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', 'tokio-net/net Socket takes no fd or handle; use Socket.from(tcpStream)')
    }
    super({
      allowHalfOpen: Boolean(options.allowHalfOpen),
      // node:net emits 'close' itself, with hadError, once the handle is closed.
      emitClose: false,
      autoDestroy: true,
      highWaterMark: options.highWaterMark,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    })
    const onread = (this.#reader.onread = options.onread ?? null)
    if (onread && typeof onread.callback !== 'function') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.onread.callback" property must be of type function')
    }
    if (options.noDelay) this.#noDelay = true
    if (options.keepAlive) this.setKeepAlive(true, options.keepAliveInitialDelay)
    this.#pauseOnCreate = Boolean(options.pauseOnCreate)
    this.on('end', onReadableStreamEnd)
    // Not through Duplex's own option: an aborted signal would destroy us before our fields exist.
    if (options.signal) addAbortSignal(options.signal, this)
  }

  /** Wraps a connected `TcpStream`: the socket owns it from now on. */
  static from(stream: TcpStream, options: SocketOptions = {}): Socket {
    const s = new Socket(options)
    s.#attempted = true
    s.#attach(stream)
    return s
  }

  /**
   * The addresses `connect()` tried, as `ip:port`, in order: the last one is the one connected
   * to. As on node:net, it is set only when a name's lookup gave several addresses to try in
   * turn (undefined otherwise, whatever the type says: node:net's type says the same).
   */
  declare autoSelectFamilyAttemptedAddresses: string[]

  /** The `TcpStream` underneath (for `ttl`, `takeError`, ...), or `null` before connecting and after closing. */
  get tcpStream(): TcpStream | null {
    return this.#handle
  }

  /** @internal Binds the socket to the server that accepted it, from the peer `accept()` reported. */
  [kServer](owner: ConnectionOwner, peer: SocketAddr): void {
    this.server = owner
    this._server = owner
    this.#peerKnown = peer
  }

  connect(options: ConnectOptions, connectListener?: ConnectCallback): this
  connect(port: number | string, host?: string, connectListener?: ConnectCallback): this
  connect(port: number | string, connectListener?: ConnectCallback): this
  connect(...args: unknown[]): this {
    const [options, cb] = normalizeConnectArgs(args)
    validateConnectOptions(options)
    if (this.connecting || this.#handle) {
      throw codedError(Error, 'ERR_SOCKET_CONNECTING', 'Socket is already connecting or connected')
    }
    if (this.destroyed) {
      // Destroyed before any attempt (an already-aborted signal): its error and close are on their way.
      if (!this.#attempted) return this
      this.#reuse()
    }
    this.#attempted = true
    const port = validatePort(options.port, 'Port')
    if (options.noDelay !== undefined) this.#noDelay = Boolean(options.noDelay)
    if (options.keepAlive) this.setKeepAlive(true, options.keepAliveInitialDelay)
    if (options.onread) this.#reader.onread = options.onread
    if (options.allowHalfOpen !== undefined) this.allowHalfOpen = Boolean(options.allowHalfOpen)
    if (cb) {
      // 'connect' passes no arguments, which is what a ConnectCallback is called with.
      const onConnect: () => void = cb
      this.once('connect', onConnect)
    }
    if (options.timeout) this.setTimeout(options.timeout)
    this.connecting = true
    const abort = new ConnectCancel()
    this.#connectAbort = abort
    if (options.signal) destroyOnAbort(this, options.signal)
    const host = options.host || 'localhost'
    const literal = isIP(host)
    // A name is looked up now, as node:net does: a lookup function that throws throws here.
    const addresses = literal ? [{ address: host, family: literal }] : lookupAddresses(this, host, port, options)
    connectFirst(addresses, port, options, abort, {
      trying: (tried) => {
        this.autoSelectFamilyAttemptedAddresses = tried
      },
      keepAliveDelay: () => (this.#keepAlive ? this.#keepAliveDelay : null),
      connected: (stream, address) => this.#connected(stream, address, port),
    }).catch((err: unknown) => {
      if (abort.aborted) return
      this.destroy(err instanceof Error ? err : new Error(String(err)))
    })
    return this
  }

  /** node:net lets a closed socket connect again: start over with fresh state. */
  #reuse(): void {
    ;(this as unknown as { _undestroy(): void })._undestroy()
    if (Object.prototype.hasOwnProperty.call(this, 'write')) delete (this as { write?: unknown }).write
    this.#reader.reset()
    this.#writer.reset()
    this.#peer = null
    this.#peerKnown = null
    delete (this as { autoSelectFamilyAttemptedAddresses?: string[] }).autoSelectFamilyAttemptedAddresses
    this.#local = null
    this.#resetOnClose = false
  }

  /** The connection is made: the stream is this socket's from now on. */
  #connected(stream: TcpStream, address: string, port: number): void {
    this.connecting = false
    this.#connectAbort = null
    this.#attach(stream)
    this.#peerKnown = { address, family: familyName(isIP(address) === 6), port }
    // A 'connect' listener that throws does not undo the connection, as on node:net.
    try {
      this.emit('connect')
      this.emit('ready')
    } catch (e) {
      reportUncaught(e)
    }
  }

  #attach(stream: TcpStream): void {
    this.#handle = stream
    this.#peer = null
    this.#reader.attach()
    if (this.#noDelay !== undefined) stream.setNodelay(this.#noDelay)
    if (this.#unrefed) stream.unref()
    this.#idle.refresh()
    if (this.#pauseOnCreate) this.pause()
    else this.#reader.startIfWanted(this.isPaused())
  }

  // ---- reading and writing: the `ReadPump` and the `WriteQueue` --------------------------

  override _read(): void {
    this.#reader.want()
  }

  /**
   * Readable's `read()`, which also emits buffered chunks as 'data' while flowing. A listener
   * that throws there (a chunk read synchronously inside `_read` is buffered and emitted from
   * here) leaves Readable flowing with a full buffer and nothing to drain it: the flow goes on
   * next tick, as node:net's handle goes on reading, and the exception goes on to the caller.
   */
  override read(size?: number): ReturnType<Duplex['read']> {
    try {
      return super.read(size)
    } catch (e) {
      this.#reader.readOnAfterThrow()
      throw e
    }
  }

  /** Bytes received so far. */
  get bytesRead(): number {
    return this.#reader.bytesRead
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: WriteCallback): void {
    this.#writer.write([chunk], cb)
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, cb: WriteCallback): void {
    const bufs = new Array<Buffer>(chunks.length)
    for (let i = 0; i < chunks.length; i++) bufs[i] = (chunks[i] as { chunk: Buffer }).chunk
    this.#writer.write(bufs, cb)
  }

  /** Bytes handed to the socket plus those still queued, as node:net counts them. */
  get bytesWritten(): number {
    return this.#writer.bytesWritten()
  }

  /** node:net's deprecated name for `writableLength`. */
  get bufferSize(): number {
    return this.writableLength
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.connecting) {
      this.once('connect', () => this._final(cb))
      return
    }
    this.#writer.shutdown(cb)
  }

  // ---- closing ---------------------------------------------------------------------------

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const wasConnecting = this.connecting
    this.connecting = false
    this.#connectAbort?.abort()
    this.#connectAbort = null
    this.#idle.clear()
    const hadError = Boolean(err)
    const h = this.#handle
    this.#handle = null
    this.#reader.stop()
    this.#writer.failPending()
    this.#local = null
    if (h) {
      if (this.#resetOnClose) {
        try {
          h.setZeroLinger()
        } catch {
          // already reset by the peer: closing is all that is left
        }
      } else {
        this.#writer.flushHeld(h)
      }
      h.close()
    }
    // An RST discards unsent data: the held write never leaves.
    this.#writer.dropHeld()
    cb(err)
    // The server counts the connection gone now, as node:net does in its _destroy: a server
    // closed meanwhile emits its 'close' before this socket's.
    this._server?._connectionClosed(this)
    // node:net emits 'close' from the handle's close callback: after 'error', on a later turn
    // (a connecting socket has a handle there too).
    // A socket that never had a connection emits it with no argument, as node:net does.
    if (h || wasConnecting) setImmediate(() => this.emit('close', hadError))
    else process.nextTick(() => this.emit('close'))
  }

  /** Ends the write side, then destroys the socket once the writes are flushed. */
  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  /** Closes with an RST instead of a FIN (zero linger), as node:net's `resetAndDestroy`. */
  resetAndDestroy(): this {
    if (this.#handle) {
      this.#resetOnClose = true
      this.destroy()
    } else if (this.connecting) {
      this.once('connect', () => this.resetAndDestroy())
    } else {
      this.destroy(socketClosed())
    }
    return this
  }

  // ---- options and timers ----------------------------------------------------------------

  setTimeout(msecs: number, callback?: () => void): this {
    this.#idle.set(this, msecs, callback)
    return this
  }

  setNoDelay(noDelay = true): this {
    const on = Boolean(noDelay)
    this.#noDelay = on
    this.#handle?.setNodelay(on)
    return this
  }

  /**
   * `SO_KEEPALIVE`, with `initialDelay` (ms) as the idle time before the first probe, in whole
   * seconds as node:net passes it (see `enableKeepAlive`). Before connecting it applies once
   * connected.
   */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.#keepAlive = Boolean(enable)
    this.#keepAliveDelay = Number(initialDelay)
    if (this.#handle) {
      if (this.#keepAlive) enableKeepAlive(this.#handle, this.#keepAliveDelay)
      else this.#handle.setKeepalive(false)
    }
    return this
  }

  ref(): this {
    this.#unrefed = false
    this.#handle?.ref()
    return this
  }

  unref(): this {
    this.#unrefed = true
    this.#handle?.unref()
    return this
  }

  // ---- addresses and state ---------------------------------------------------------------

  address(): AddressInfo | Record<string, never> {
    if (!this.#local && this.#handle) {
      try {
        const a = this.#handle.localAddr()
        this.#local = { address: a.ip(), family: familyName(a.isIpv6()), port: a.port() }
      } catch {
        return {}
      }
    }
    return this.#local ? { ...this.#local } : {}
  }

  get localAddress(): string | undefined {
    return (this.address() as Partial<AddressInfo>).address
  }

  get localPort(): number | undefined {
    return (this.address() as Partial<AddressInfo>).port
  }

  get localFamily(): string | undefined {
    return (this.address() as Partial<AddressInfo>).family
  }

  /** The peer's address, looked up once while connected and remembered after closing, as node:net does. */
  #peerInfo(): AddressInfo | null {
    const h = this.#handle
    if (!this.#peer && h && !this.connecting) {
      const known = this.#peerKnown
      if (known && 'address' in known) {
        this.#peer = known
      } else {
        try {
          const peer = known ?? h.peerAddr()
          this.#peer = { address: peer.ip(), family: familyName(peer.isIpv6()), port: peer.port() }
        } catch {
          return null
        }
      }
    }
    return this.#peer
  }

  get remoteAddress(): string | undefined {
    return this.#peerInfo()?.address
  }

  get remotePort(): number | undefined {
    return this.#peerInfo()?.port
  }

  get remoteFamily(): string | undefined {
    return this.#peerInfo()?.family
  }

  /** True until connected (and after closing): node:net's `pending`. */
  get pending(): boolean {
    return !this.#handle || this.connecting
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening'
    if (this.readable && this.writable) return 'open'
    if (this.readable && !this.writable) return 'readOnly'
    if (!this.readable && this.writable) return 'writeOnly'
    return 'closed'
  }
}

/** When the peer ends and half-open is off, later writes fail as node:net's do: EPIPE. */
function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) this.write = writeAfterFIN
}

function writeAfterFIN(this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
  if (!this.writableEnded) {
    return (Duplex.prototype.write as (this: Socket, ...a: unknown[]) => boolean).call(this, chunk, encoding, cb)
  }
  const callback = typeof encoding === 'function' ? encoding : cb
  const er = new Error('This socket has been ended by the other party') as Error & { code: string }
  er.code = 'EPIPE'
  if (typeof callback === 'function') process.nextTick(callback, er)
  this.destroy(er)
  return false
}

export { kServer }
