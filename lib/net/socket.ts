// `Socket`: node:net's Socket (a Duplex) over a tokio-net TcpStream.
//
// Reads pull: `_read` reads once and pushes what it gets, so a paused socket holds at most one
// highWaterMark plus one read. A read waits for readiness holding no buffer, whether the socket
// is new or idle after traffic. Writes go to the socket synchronously first
// (`tryWrite`/`tryWriteVectored`) and fall back to one `writeAll`/`writeVectored` loop; the later
// writes of a burst made in one tick are handed over together, as `cork()`ed writes are, and
// leave in one `writev`.

import dns from 'node:dns'
import { getDefaultAutoSelectFamily, isIP } from 'node:net'
import { Duplex, addAbortSignal } from 'node:stream'

import { TcpSocket, TcpStream } from '../../index.js'
import type { SocketAddr } from '../../index.js'

import { type ConnectArgs, type ConnectCallback, type ConnectOptions, type LookupAddress, type LookupFunction, type LookupOptions, type OnReadOptions, normalizeConnectArgs, validateConnectOptions, validatePort } from './args.js'
import { callGuarded, codedError, isHandleClosed, isWouldBlock, netError, reportUncaught, socketClosed } from './errors.js'

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

/** The size of one read: libuv's, so large transfers move in the same chunks as on node:net. */
const READ_SIZE = 64 * 1024
/** The most buffers one vectored call into the addon takes (`IOV_MAX`; the addon refuses more). */
const MAX_BUFS = 1024
/** Reads in a row without waiting, before the event loop gets a turn (libuv reads up to 32). */
const MAX_SYNC_READS = 32

const kServer = Symbol('tokio-net.server')

/**
 * A number that changes once per tick: two writes that see the same one were made in the same
 * tick. One `process.nextTick` per tick advances it, shared by every socket.
 */
let tick = 0
let tickAdvanceQueued = false
function advanceTick(): void {
  tick++
  tickAdvanceQueued = false
}
function currentTick(): number {
  if (!tickAdvanceQueued) {
    tickAdvanceQueued = true
    process.nextTick(advanceTick)
  }
  return tick
}

function familyName(isV6: boolean): string {
  return isV6 ? 'IPv6' : 'IPv4'
}

type WriteCallback = (err?: Error | null) => void

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
  #bytesRead = 0
  #bytesDispatched = 0
  #pendingWrite: { bufs: Buffer[]; cb: WriteCallback } | null = null
  /** A second write of this tick, written at the end of the tick (see `_write`). */
  #held: { bufs: Buffer[]; cb: WriteCallback } | null = null
  /** The tick (`currentTick()`) of the last write that went to the socket at once. */
  #lastWriteTick = -1
  #reading = false
  #mayHaveData = false
  #syncReads = 0
  #readWanted = false
  #onread: OnReadOptions | null = null
  #timer: NodeJS.Timeout | null = null
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
    this.#onread = options.onread ?? null
    if (this.#onread && typeof this.#onread.callback !== 'function') {
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
    const [options, cb] = normalizeConnectArgs(args as unknown as ConnectArgs)
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
    if (options.onread) this.#onread = options.onread
    if (options.allowHalfOpen !== undefined) this.allowHalfOpen = Boolean(options.allowHalfOpen)
    // 'connect' passes no arguments, which is what a ConnectCallback is called with.
    if (cb) this.once('connect', cb as () => void)
    if (options.timeout) this.setTimeout(options.timeout)
    this.connecting = true
    const abort = new ConnectCancel()
    this.#connectAbort = abort
    if (options.signal) {
      const signal = options.signal
      const onAbort = (): void => {
        this.destroy(abortError(signal.reason))
      }
      if (signal.aborted) process.nextTick(onAbort)
      else {
        signal.addEventListener('abort', onAbort, { once: true })
        this.once('close', () => signal.removeEventListener('abort', onAbort))
      }
    }
    const host = options.host || 'localhost'
    const literal = isIP(host)
    // A name is looked up now, as node:net does: a lookup function that throws throws here.
    const addresses = literal ? [{ address: host, family: literal }] : this.#lookup(host, port, options)
    this.#open(addresses, port, options, abort).catch((err: unknown) => {
      if (abort.aborted) return
      this.destroy(err instanceof Error ? err : new Error(String(err)))
    })
    return this
  }

  /** node:net lets a closed socket connect again: start over with fresh state. */
  #reuse(): void {
    ;(this as unknown as { _undestroy(): void })._undestroy()
    if (Object.prototype.hasOwnProperty.call(this, 'write')) delete (this as { write?: unknown }).write
    this.#bytesRead = 0
    this.#bytesDispatched = 0
    this.#reading = false
    this.#pendingWrite = null
    this.#held = null
    this.#peer = null
    this.#peerKnown = null
    delete (this as { autoSelectFamilyAttemptedAddresses?: string[] }).autoSelectFamilyAttemptedAddresses
    this.#local = null
    this.#resetOnClose = false
  }

  async #open(lookedUp: LookupAddress[] | Promise<LookupAddress[]>, port: number, options: ConnectOptions, signal: ConnectCancel): Promise<void> {
    const addresses = await lookedUp
    if (signal.aborted) return
    const errors: Error[] = []
    const tried: string[] | null = addresses.length > 1 ? [] : null
    if (tried) this.autoSelectFamilyAttemptedAddresses = tried
    for (const { address } of addresses) {
      tried?.push(`${address}:${port}`)
      let stream: TcpStream
      try {
        stream = await this.#connectOne(address, port, options, signal)
      } catch (e) {
        if (signal.aborted) return
        errors.push(e instanceof LocalBindError ? e.error : netError(e, 'connect', address, port))
        continue
      }
      if (signal.aborted) {
        stream.close()
        return
      }
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
      return
    }
    if (errors.length === 1) throw errors[0]
    const last = errors[errors.length - 1] as Error & { code?: string }
    const agg = new AggregateError(errors, last?.message) as AggregateError & { code?: string }
    agg.code = last?.code
    throw agg
  }

  /**
   * Looks `host` up as node:net does, calling the lookup function now (a throw reaches the caller
   * of `connect()`). With no family asked for, no local address and `autoSelectFamily` on (the
   * default), every address is asked for (`all: true`) and they are tried in turn, the families
   * alternating; otherwise the one address the lookup gives. Settles with the addresses to try.
   */
  #lookup(host: string, port: number, options: ConnectOptions): Promise<LookupAddress[]> {
    const lookup: LookupFunction = options.lookup ?? (dns.lookup as unknown as LookupFunction)
    const family = dnsFamily(options.family)
    const dnsopts: LookupOptions = { family, hints: options.hints || 0 }
    if (process.platform !== 'win32' && family !== 4 && family !== 6 && dnsopts.hints === 0) dnsopts.hints = dns.ADDRCONFIG
    const autoSelect = options.autoSelectFamily ?? getDefaultAutoSelectFamily()
    const all = family !== 4 && family !== 6 && !options.localAddress && autoSelect
    if (all) dnsopts.all = true
    let settle!: { resolve(a: LookupAddress[]): void; reject(e: unknown): void }
    const found = new Promise<LookupAddress[]>((resolve, reject) => {
      settle = { resolve, reject }
    })
    lookup(host, dnsopts, (err, answer, answerFamily) => {
      if (err) {
        this.emit('lookup', err, undefined, undefined, host)
        settle.reject(err)
        return
      }
      if (!all) {
        this.emit('lookup', err, answer, answerFamily, host)
        const bad = lookupAnswerError([{ address: answer as string, family: answerFamily as number }], host, port)
        if (bad) settle.reject(bad)
        else settle.resolve([{ address: answer as string, family: answerFamily as number }])
        return
      }
      // node:net reads the answer as a list whatever it is, entry by entry.
      const list = Array.from(answer as ArrayLike<LookupAddress>, (a) => (a !== null && typeof a === 'object' ? a : ({} as LookupAddress)))
      const byFamily: [LookupAddress[], LookupAddress[]] = [[], []]
      let firstFamily = 0
      for (const a of list) {
        this.emit('lookup', null, a.address, a.family, host)
        if (!isIP(a.address) || (a.family !== 4 && a.family !== 6)) continue
        firstFamily ||= a.family
        const group = byFamily[a.family === firstFamily ? 0 : 1]
        if (!group.some((b) => b.address === a.address)) group.push(a)
      }
      if (byFamily[0].length === 0) {
        settle.reject(lookupAnswerError(list, host, port) ?? codedError(TypeError, 'ERR_INVALID_IP_ADDRESS', 'Invalid IP address: undefined'))
        return
      }
      const [first, second] = byFamily
      const toTry: LookupAddress[] = []
      for (let i = 0; i < Math.max(first.length, second.length); i++) {
        if (i < first.length) toTry.push(first[i] as LookupAddress)
        if (i < second.length) toTry.push(second[i] as LookupAddress)
      }
      settle.resolve(toTry)
    })
    return found
  }

  async #connectOne(address: string, port: number, options: ConnectOptions, cancel: ConnectCancel): Promise<TcpStream> {
    // Always through a TcpSocket: closing it cancels the attempt (destroy() while connecting).
    // It is never unref'd: a pending connect keeps the process alive even on an unref'd socket,
    // as libuv's connect request does; unref() applies to the stream once connected.
    const v6 = isIP(address) === 6
    const sock = v6 ? TcpSocket.newV6() : TcpSocket.newV4()
    try {
      if (this.#keepAlive) this.#applyKeepAlive(sock)
      if (options.localAddress != null || options.localPort != null) {
        const local = options.localAddress ?? (v6 ? '::' : '0.0.0.0')
        const localPort = options.localPort ?? 0
        try {
          sock.bind([local, localPort])
        } catch (e) {
          // node:net reports this as the bind it is, with the local address.
          throw new LocalBindError(netError(e, 'bind', local, localPort))
        }
      }
    } catch (e) {
      sock.close()
      throw e
    }
    cancel.socket = sock
    try {
      return await sock.connect([address, port])
    } finally {
      cancel.socket = null
    }
  }

  #flushPendingWrite(): void {
    const pending = this.#pendingWrite
    if (!pending) return
    this.#pendingWrite = null
    this.#writeGeneric(pending.bufs, pending.cb)
  }

  #applyKeepAlive(target: TcpSocket | TcpStream): void {
    enableKeepAlive(target, this.#keepAliveDelay)
  }

  #attach(stream: TcpStream): void {
    this.#handle = stream
    this.#peer = null
    this.#mayHaveData = false
    if (this.#noDelay !== undefined) stream.setNodelay(this.#noDelay)
    if (this.#unrefed) stream.unref()
    this.#activity()
    if (this.#pauseOnCreate) {
      this.pause()
    } else if (this.#readWanted || !this.isPaused()) {
      // Start the first read at once, as node:net does: it notices an early EOF or reset.
      this.#readWanted = false
      process.nextTick(() => this.#startRead())
    }
  }

  // ---- reading ---------------------------------------------------------------------------
  //
  // A read waits for readiness without a buffer (`pollReadReady`), then reads synchronously with
  // `tryRead` into the thread's one read buffer (`readScratch`), which no two reads can use at
  // once. What a read returns leaves in a buffer of its own: the whole read buffer when the read
  // filled it (and a new one takes its place), a copy of its size otherwise (from Node's pool
  // when small). No socket holds read memory between reads, as node:net's sockets hold none, so
  // an idle connection costs no buffer. A short read drained the socket, and the addon's
  // `tryRead` then clears tokio's readiness, so the next wait is a real one rather than a wake-up
  // that ends in `WouldBlock`. When a read fills its room (`#mayHaveData`), the next one is tried
  // at once: a bulk transfer moves without a promise per chunk. With `onread`, the caller's
  // buffer is read into, with one `read(buffer)` call per wait.

  override _read(): void {
    if (!this.#handle) {
      this.#readWanted = true
      return
    }
    this.#startRead()
  }

  #startRead(): void {
    const h = this.#handle
    if (!h || this.#reading || this.destroyed) return
    if (this.#mayHaveData) {
      if (this.#syncReads >= MAX_SYNC_READS) {
        // A fast sender could keep a synchronous read loop going: let the event loop turn.
        this.#syncReads = 0
        this.#reading = true
        setImmediate(() => {
          if (h !== this.#handle) return
          this.#reading = false
          this.#startRead()
        })
        return
      }
      this.#syncReads++
      if (this.#tryReadOnce(h)) return
    }
    this.#reading = true
    const onread = this.#onread
    if (onread === null) {
      // `pollReadReady` rather than `readable()`: the same wait, and about 250 bytes less of the
      // addon's memory per waiting connection (2.2 KB against 2.46 KB, measured).
      h.pollReadReady().then(
        () => {
          if (h !== this.#handle) return
          this.#reading = false
          this.#syncReads = 0
          // A false positive (WouldBlock) waits again.
          if (!this.#tryReadOnce(h)) this.#startRead()
        },
        (err: unknown) => this.#readFailed(h, err),
      )
      return
    }
    const room = onreadRoom(onread)
    h.read(room).then(
      (n: number) => {
        if (h !== this.#handle) return
        this.#reading = false
        this.#syncReads = 0
        this.#mayHaveData = n === room.length
        this.#deliver(n, room)
      },
      (err: unknown) => this.#readFailed(h, err),
    )
  }

  #readFailed(h: TcpStream, err: unknown): void {
    if (h !== this.#handle) return
    this.#reading = false
    this.destroy(netError(err, 'read'))
  }

  /** One `tryRead`: delivers data, EOF or an error and returns true, or returns false on WouldBlock. */
  #tryReadOnce(h: TcpStream): boolean {
    const onread = this.#onread
    const room = onread ? onreadRoom(onread) : readScratch
    let n: number
    try {
      n = h.tryRead(room)
    } catch (e) {
      if (isWouldBlock(e)) {
        this.#mayHaveData = false
        return false
      }
      this.destroy(netError(e, 'read'))
      return true
    }
    this.#mayHaveData = n === room.length
    this.#deliver(n, onread || n === 0 ? room : takeRead(n))
    return true
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
      this.#readOnAfterThrow()
      throw e
    }
  }

  /**
   * Next tick, what Readable would have done had a listener not thrown inside it: drain the
   * buffer while flowing (which asks for the next read once it is empty), or ask for the next
   * read.
   */
  #readOnAfterThrow(): void {
    process.nextTick(() => {
      if (this.destroyed) return
      if (this.readableFlowing) while (this.read() !== null);
      else this.read(0)
    })
  }

  /** Hands `n` bytes to the reader (0: end of stream): `data` is the chunk, or with `onread` the buffer read into. */
  #deliver(n: number, data: Uint8Array): void {
    if (n === 0) {
      this.#mayHaveData = false
      this.#onEof()
      return
    }
    this.#bytesRead += n
    this.#activity()
    const onread = this.#onread
    if (onread) {
      let more: boolean | void = true
      try {
        more = onread.callback.call(this, n, data)
      } catch (e) {
        // As on node:net, a throwing callback does not stop the reads.
        reportUncaught(e)
      }
      if (more === false) {
        this.pause()
        this.once('resume', () => this.#startRead())
      } else {
        process.nextTick(() => this.#startRead())
      }
      return
    }
    this.#push(data as Buffer)
  }

  /**
   * `push()`, with a listener that throws inside it ('data', 'readable') reported as uncaught.
   * Readable stops pulling when that happens; node:net's handle goes on reading, so we ask for
   * the next read as Readable would have.
   */
  #push(chunk: Buffer | null): void {
    try {
      this.push(chunk)
    } catch (e) {
      reportUncaught(e)
      this.#readOnAfterThrow()
    }
  }

  #onEof(): void {
    this.#push(null)
    // Nothing reads 'end' out of the buffer while paused; node:net still reports EOF to the write side.
    try {
      this.read(0)
    } catch (e) {
      reportUncaught(e)
    }
  }

  /** Bytes received so far. */
  get bytesRead(): number {
    return this.#bytesRead
  }

  // ---- writing ---------------------------------------------------------------------------
  //
  // The first write of a tick goes to the socket at once, as on node:net. A second, small write
  // in the same tick is held until the end of the tick: Writable then queues every later write
  // behind it, and hands them all over in one `_writev` when the held write is done, so a burst
  // of n small writes costs three calls into the addon (and three syscalls) instead of n. Large
  // writes are not held: each is a syscall of its own either way, and holding one only makes
  // the writer wait for 'drain' (bulk 64 KiB writes lost a quarter of their throughput). Before
  // the socket closes, a held write and the writes queued behind it are still tried, so data
  // written before `destroy()` leaves as it does on node:net.

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: WriteCallback): void {
    this.#writeOrHold([chunk], cb)
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, cb: WriteCallback): void {
    const bufs = new Array<Buffer>(chunks.length)
    for (let i = 0; i < chunks.length; i++) bufs[i] = (chunks[i] as { chunk: Buffer }).chunk
    this.#writeOrHold(bufs, cb)
  }

  #writeOrHold(bufs: Buffer[], cb: WriteCallback): void {
    const tick = currentTick()
    if (this.#lastWriteTick === tick && this.#handle !== null && !this.connecting && isSmall(bufs)) {
      this.#held = { bufs, cb }
      process.nextTick(() => this.#releaseHeld())
      return
    }
    this.#lastWriteTick = tick
    this.#writeGeneric(bufs, cb)
  }

  /** The end of the tick: the held write goes now, and the queue behind it right after. */
  #releaseHeld(): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    // Not counted as this tick's write: the `_writev` that Writable makes from inside its
    // callback, with the writes queued meanwhile, must go at once too.
    this.#lastWriteTick = -1
    this.#writeGeneric(held.bufs, held.cb)
  }

  /** Before closing: what was held, and what Writable queued behind it, gets one try. */
  #flushHeld(h: TcpStream): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    const bufs = [...held.bufs]
    const queued = (this as unknown as { writableBuffer?: Array<{ chunk: Buffer | string; encoding: BufferEncoding }> }).writableBuffer ?? []
    for (const { chunk, encoding } of queued) bufs.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk)
    let written = 0
    let total = 0
    for (const b of held.bufs) total += b.length
    try {
      written = tryWriteNow(h, bufs)
    } catch {
      // Closing anyway: what the socket did not take is lost, as on node:net.
    }
    this.#bytesDispatched += total
    held.cb(written >= total ? null : socketClosed())
  }

  #writeGeneric(bufs: Buffer[], cb: WriteCallback): void {
    if (this.connecting) {
      // node:net writes it from a 'connect' listener added now: after the listeners added
      // before, and before 'ready'.
      this.#pendingWrite = { bufs, cb }
      this.once('connect', () => this.#flushPendingWrite())
      return
    }
    const h = this.#handle
    if (!h) {
      cb(socketClosed())
      return
    }
    this.#activity()
    let total = 0
    for (const b of bufs) total += b.length
    this.#bytesDispatched += total
    let written: number
    try {
      written = tryWriteNow(h, bufs)
    } catch (e) {
      cb(netError(e, 'write'))
      return
    }
    if (written === total) {
      cb()
      return
    }
    const rest = remainder(bufs, written)
    // The callback runs Writable's bookkeeping and the user's write callbacks and 'drain'
    // listeners: one that throws is reported, not turned into a rejection nobody sees.
    writeLoop(h, rest).then(
      () => {
        this.#activity()
        callGuarded(cb)
      },
      (err: unknown) => {
        callGuarded(cb, h !== this.#handle || isHandleClosed(err) ? socketClosed() : netError(err, 'write'))
      },
    )
  }

  /** Bytes handed to the socket plus those still queued, as node:net counts them. */
  get bytesWritten(): number {
    let pending = 0
    const queued = (this as unknown as { writableBuffer?: Array<{ chunk: Buffer | string; encoding: BufferEncoding }> }).writableBuffer ?? []
    for (const entry of queued) {
      pending += typeof entry.chunk === 'string' ? Buffer.byteLength(entry.chunk, entry.encoding) : entry.chunk.length
    }
    if (this.#pendingWrite) for (const b of this.#pendingWrite.bufs) pending += b.length
    if (this.#held) for (const b of this.#held.bufs) pending += b.length
    return this.#bytesDispatched + pending
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
    const h = this.#handle
    if (!h) {
      cb()
      return
    }
    h.shutdown().then(
      () => callGuarded(cb),
      (err: unknown) => {
        callGuarded(cb, h !== this.#handle || isHandleClosed(err) ? null : netError(err, 'shutdown'))
      },
    )
  }

  // ---- closing ---------------------------------------------------------------------------

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const wasConnecting = this.connecting
    this.connecting = false
    this.#connectAbort?.abort()
    this.#connectAbort = null
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    const hadError = Boolean(err)
    const h = this.#handle
    this.#handle = null
    this.#reading = false
    if (this.#pendingWrite) {
      const { cb: writeCb } = this.#pendingWrite
      this.#pendingWrite = null
      writeCb(codedError(Error, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established'))
    }
    this.#local = null
    if (h) {
      if (this.#resetOnClose) {
        try {
          h.setZeroLinger()
        } catch {
          // already reset by the peer: closing is all that is left
        }
      } else {
        this.#flushHeld(h)
      }
      h.close()
    }
    if (this.#held) {
      // An RST discards unsent data: the held write never leaves.
      const { cb: writeCb } = this.#held
      this.#held = null
      writeCb(socketClosed())
    }
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
    if (typeof msecs !== 'number') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "msecs" argument must be of type number. Received ${typeof msecs}`)
    }
    if (callback !== undefined && typeof callback !== 'function') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "callback" argument must be of type function. Received ${typeof callback}`)
    }
    if (!Number.isFinite(msecs) || msecs < 0) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${String(msecs)}`)
    }
    this.timeout = msecs
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (msecs === 0) {
      if (callback) this.removeListener('timeout', callback)
    } else {
      if (!this.destroyed) {
        // A socket's idle timer never keeps the process alive, as on node:net.
        this.#timer = setTimeout(() => this.emit('timeout'), msecs).unref()
      }
      if (callback) this.once('timeout', callback)
    }
    return this
  }

  /** Restarts the idle timer: called on every read and write. */
  #activity(): void {
    this.#timer?.refresh()
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
      if (this.#keepAlive) this.#applyKeepAlive(this.#handle)
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
  if (typeof callback === 'function') process.nextTick(callback as (e: Error) => void, er)
  this.destroy(er)
  return false
}

/** node:net's `family` option as a lookup takes it: 'IPv4' and 'IPv6' become 4 and 6. */
function dnsFamily(family: unknown): number {
  if (family === 'IPv4') return 4
  if (family === 'IPv6') return 6
  return family as number
}

/** What node:net says of a lookup answer's first entry when none of it can be connected to. */
function lookupAnswerError(answer: LookupAddress[], host: string, port: number): Error | null {
  const first = answer[0]
  if (!isIP(first?.address as string)) return codedError(TypeError, 'ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(first?.address)}`)
  if (first?.family !== 4 && first?.family !== 6) {
    return codedError(RangeError, 'ERR_INVALID_ADDRESS_FAMILY', `Invalid address family: ${String(first?.family)} ${host}:${port}`)
  }
  return null
}

/** A connect whose local `bind` failed: its error is reported as the bind's, not the connect's. */
class LocalBindError extends Error {
  constructor(readonly error: Error) {
    super(error.message)
  }
}

/** The connect attempts of one `connect()` call: `abort()` stops them. */
class ConnectCancel {
  aborted = false
  /** The socket being connected now: closing it cancels the attempt. */
  socket: TcpSocket | null = null

  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.socket?.close()
    this.socket = null
  }
}

function abortError(reason: unknown): Error {
  const e = new Error('The operation was aborted', { cause: reason }) as Error & { code: string }
  e.name = 'AbortError'
  e.code = 'ABORT_ERR'
  return e
}

/**
 * Keepalive on, as node:net (libuv) sets it: the delay is truncated to whole seconds
 * (`~~(ms / 1000)`) and becomes the idle time before the first probe, then a probe a second,
 * ten of them, so a dead peer is found about ten seconds after the delay. A delay that comes to
 * less than a second, or one the OS refuses (Linux takes 1 to 32,767 s), leaves the system's
 * timing, where libuv ignores the failed `setsockopt` too.
 */
export function enableKeepAlive(target: TcpSocket | TcpStream, delayMs: number): void {
  const seconds = ~~(delayMs / 1000)
  if (seconds > 0) {
    try {
      target.setTcpKeepalive({ time: seconds * 1000, interval: 1000, retries: 10 })
      return
    } catch (e) {
      if (isHandleClosed(e)) throw e
    }
  }
  target.setKeepalive(true)
}

/** Where every synchronous read of this thread lands (see "reading" in `Socket`). */
let readScratch = Buffer.allocUnsafe(READ_SIZE)

/** The `n` bytes a read just put in `readScratch`, in a buffer of their own. */
function takeRead(n: number): Buffer {
  if (n < readScratch.length) return Buffer.from(readScratch.subarray(0, n))
  const full = readScratch
  readScratch = Buffer.allocUnsafe(READ_SIZE)
  return full
}

/** The buffer an `onread` option gives for the next read. */
function onreadRoom(onread: OnReadOptions): Uint8Array {
  return typeof onread.buffer === 'function' ? onread.buffer() : onread.buffer
}

/** Below this many bytes a write costs more in the call and syscall than in copying: worth holding. */
const SMALL_WRITE = 4 * 1024

function isSmall(bufs: Buffer[]): boolean {
  let total = 0
  for (const b of bufs) {
    total += b.length
    if (total >= SMALL_WRITE) return false
  }
  return true
}

function remainder(bufs: Buffer[], written: number): Buffer[] {
  let skip = written
  const out: Buffer[] = []
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length
      continue
    }
    out.push(skip ? b.subarray(skip) : b)
    skip = 0
  }
  return out
}

async function writeLoop(h: TcpStream, bufs: Buffer[]): Promise<void> {
  if (bufs.length === 1) {
    await h.writeAll(bufs[0] as Buffer)
    return
  }
  let rest = bufs
  while (rest.length) {
    const n = await h.writeVectored(rest.length > MAX_BUFS ? rest.slice(0, MAX_BUFS) : rest)
    rest = remainder(rest, n)
  }
}

/**
 * Writes what the socket takes now, `MAX_BUFS` buffers per call; returns the bytes written.
 * A full socket (WouldBlock) ends it early; any other error is thrown.
 */
function tryWriteNow(h: TcpStream, bufs: Buffer[]): number {
  let written = 0
  try {
    if (bufs.length === 1) return h.tryWrite(bufs[0] as Buffer)
    for (let start = 0; start < bufs.length; start += MAX_BUFS) {
      const part = start === 0 && bufs.length <= MAX_BUFS ? bufs : bufs.slice(start, start + MAX_BUFS)
      let size = 0
      for (const b of part) size += b.length
      const n = h.tryWriteVectored(part)
      written += n
      if (n < size) break
    }
  } catch (e) {
    if (!isWouldBlock(e)) throw e
  }
  return written
}

export { kServer }
