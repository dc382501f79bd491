declare abstract class Wrapper {
	#private;
	protected constructor(token: symbol, handle: object);
}
declare abstract class Handle extends Wrapper {
	/**
	 * Drops the handle now. Pending operations on it reject with `ERR_HANDLE_CLOSED`; any
	 * later call throws `ERR_HANDLE_CLOSED`. Closing twice is fine.
	 * `[Symbol.dispose]()` and `[Symbol.asyncDispose]()` do the same, so `using` works.
	 */
	close(): void;
	/** Same as `close()`: `using stream = ...` closes it at the end of the scope. */
	[Symbol.dispose](): void;
	/** Same as `close()`, for `await using`. */
	[Symbol.asyncDispose](): Promise<void>;
}
declare abstract class RefHandle extends Handle {
	/**
	 * Lets this handle's pending operations keep the process alive again (the default),
	 * undoing `unref()`.
	 */
	ref(): void;
	/**
	 * Stops this handle's pending operations from keeping the process alive: Node may exit
	 * while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
	 * (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
	 * setting of the handle it came from.
	 */
	unref(): void;
}
/** One address in any of the forms tokio's `ToSocketAddrs` accepts. */
export type SocketAddrLike = string | [
	string,
	number
] | {
	ip: string;
	port: number;
} | SocketAddr;
/**
 * What `connect` and `bind` take: `'127.0.0.1:8080'`, `'[::1]:8080'`, `'localhost:8080'` (resolved,
 * every address tried), `['127.0.0.1', 8080]`, `{ ip: '127.0.0.1', port: 8080 }`, a `SocketAddr`,
 * or an array of these.
 */
export type ToSocketAddrs = SocketAddrLike | SocketAddrLike[];
/**
 * An IPv4 or IPv6 socket address: an IP and a port (Rust's `std::net::SocketAddr`).
 *
 * @example
 * ```ts
 * import { SocketAddr } from 'tokio-net'
 *
 * const addr = SocketAddr.parse('[::1]:8080')
 * console.log(addr.ip(), addr.port(), addr.isIpv6()) // '::1' 8080 true
 * ```
 */
export declare class SocketAddr extends Wrapper {
	/** Parses `'127.0.0.1:8080'` or `'[::1]:8080'`; anything else throws `kind: 'InvalidInput'`. */
	static parse(addr: string): SocketAddr;
	/** The IP address, as `'127.0.0.1'` or `'::1'`. */
	ip(): string;
	/** The port number. */
	port(): number;
	/** Whether the IP is an IPv4 address. */
	isIpv4(): boolean;
	/** Whether the IP is an IPv6 address. */
	isIpv6(): boolean;
	/** `'127.0.0.1:8080'` or `'[::1]:8080'`, as Rust displays it. */
	toString(): string;
	/** Whether `other` is a `SocketAddr` with the same IP and port. */
	equals(other: SocketAddr): boolean;
}
/**
 * The readiness a `ready()` call observed. As in tokio it may be a false positive: a
 * `tryRead` after `isReadable()` can still throw `WouldBlock`.
 *
 * @example
 * ```ts
 * import { Interest, TcpStream } from 'tokio-net'
 *
 * using stream = await TcpStream.connect('127.0.0.1:8080')
 * const ready = await stream.ready(Interest.READABLE | Interest.WRITABLE)
 * if (ready.isReadable()) console.log('data (or the end of the stream) is waiting')
 * if (ready.isWritable()) console.log('the socket takes writes')
 * ```
 */
export declare class Ready extends Wrapper {
	/** The socket has data to read (or the read side is closed). */
	isReadable(): boolean;
	/** The socket can take writes (or the write side is closed). */
	isWritable(): boolean;
	/** The peer closed its write side: reads will return 0. */
	isReadClosed(): boolean;
	/** The write side is closed: writes will fail. */
	isWriteClosed(): boolean;
	/** An error is pending on the socket (see `takeError()`). */
	isError(): boolean;
	/** Priority (out-of-band) data is available. Always `false` off Linux and Android. */
	isPriority(): boolean;
	/** No readiness at all. */
	isEmpty(): boolean;
}
/**
 * Readiness event interest, as bit flags that combine with `|`:
 * `stream.ready(Interest.READABLE | Interest.WRITABLE)` works as written in the tokio docs.
 * `PRIORITY` (out-of-band data) is Linux and Android only.
 */
export declare const Interest: Readonly<{
	/** The socket has data to read, or its read side closed. */
	readonly READABLE: 1;
	/** The socket can take writes, or its write side closed. */
	readonly WRITABLE: 2;
	/** An error is pending on the socket. */
	readonly ERROR: 4;
	/** Priority (out-of-band) data can be read. Linux and Android only. */
	readonly PRIORITY: 8;
}>;
/** One `Interest` flag. */
export type Interest = (typeof Interest)[keyof typeof Interest];
/**
 * A growable byte buffer. `tryReadBuf` appends to it, growing it when it is full, exactly as
 * tokio's `try_read_buf` does with a `bytes::BytesMut`.
 *
 * @example
 * ```ts
 * import { BytesMut, TcpStream, type NetError } from 'tokio-net'
 *
 * using stream = await TcpStream.connect('127.0.0.1:8080')
 * const buf = new BytesMut(4096)
 * await stream.readable()
 * try {
 *   const n = stream.tryReadBuf(buf) // appends, growing the buffer when it is full
 *   console.log(`read ${n} bytes, ${buf.length} held`)
 * } catch (e) {
 *   if ((e as NetError).kind !== 'WouldBlock') throw e
 * }
 * ```
 */
export declare class BytesMut extends Wrapper {
	/** An empty buffer with room for `capacity` bytes (default 0). */
	constructor(capacity?: number);
	/** The number of bytes held. */
	get length(): number;
	/** How many bytes it can hold without allocating. */
	get capacity(): number;
	/** Makes room for at least `additional` more bytes. */
	reserve(additional: number): void;
	/** Empties the buffer, keeping its capacity. */
	clear(): void;
	/** A copy of the bytes held, as a `Buffer`. */
	toBuffer(): Buffer;
}
/** Options every async method takes as its last argument. */
export interface OpOptions {
	/** Aborting drops the Rust future (tokio's cancellation) and rejects with an `AbortError`. */
	signal?: AbortSignal;
}
/** The timing of TCP keepalive probes, for `setTcpKeepalive` (socket2's `TcpKeepalive`). */
export interface TcpKeepaliveParams {
	/** Idle time in ms before the first probe (`TCP_KEEPIDLE`). */
	time?: number;
	/** Time in ms between probes (`TCP_KEEPINTVL`). **[Unix, Win]** */
	interval?: number;
	/** Unanswered probes before the connection is dropped (`TCP_KEEPCNT`). **[Unix]** */
	retries?: number;
}
declare abstract class Connection extends RefHandle {
	/** The local address this socket is bound to. */
	localAddr(): SocketAddr;
	/** The address of the remote peer. */
	peerAddr(): SocketAddr;
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
	ready(interest: number, options?: OpOptions): Promise<Ready>;
}
declare abstract class ReadMethods {
	/**
	 * Receives data without removing it from the queue: the next read returns it again.
	 * Resolves with the number of bytes copied into `buf`; 0 means the peer closed.
	 *
	 * Cancel safety: cancel safe. If aborted, no peek was made and `buf` was not written to.
	 */
	peek(buf: Uint8Array, options?: OpOptions): Promise<number>;
	/**
	 * Like `peek`, through tokio's `poll_peek`: settles when the poll would return `Ready`.
	 * Concurrent calls all settle, one after another.
	 */
	pollPeek(buf: Uint8Array): Promise<number>;
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
	readable(options?: OpOptions): Promise<void>;
	/**
	 * Reads what is available now into `buf` without waiting, returning the byte count.
	 * 0 means the peer closed its write side (or `buf` is empty). Throws `kind: 'WouldBlock'`
	 * (`code: 'EAGAIN'`) when there is nothing to read; that clears the readiness. A read that
	 * does not fill `buf` drained the socket, so on Linux, macOS and FreeBSD (edge-triggered
	 * readiness) it clears the readiness too, as tokio's own `poll_read` does there: the next
	 * `readable()` waits for new data (or the end of the stream) instead of settling at once
	 * and leaving `tryRead` to throw `WouldBlock`.
	 */
	tryRead(buf: Uint8Array): number;
	/** `tryRead` into several buffers in order (`readv`), returning the total byte count. */
	tryReadVectored(bufs: Uint8Array[]): number;
	/** `tryRead` that appends to a growable `BytesMut`, growing it when it is full. */
	tryReadBuf(buf: BytesMut): number;
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
	read(buf: Uint8Array, options?: OpOptions): Promise<number>;
	/**
	 * Fills `buf` completely; rejects with `kind: 'UnexpectedEof'` if the stream ends first.
	 *
	 * Cancel safety: not cancel safe. If aborted, some bytes may already be in `buf` (and are
	 * gone from the socket), and there is no telling how many: use it only where the stream
	 * is dropped after an abort.
	 */
	readExact(buf: Uint8Array, options?: OpOptions): Promise<number>;
	/**
	 * Reads until end of stream and resolves with everything read, as a `Buffer`.
	 *
	 * Cancel safety: not cancel safe. If aborted, the bytes read so far are lost with the
	 * future: they are gone from the socket and never handed back.
	 */
	readToEnd(options?: OpOptions): Promise<Buffer>;
}
declare abstract class WriteMethods {
	/**
	 * Waits until the socket is writable. May be a false positive: `tryWrite` can still
	 * throw `WouldBlock`.
	 *
	 * Cancel safety: cancel safe. Once readiness is seen, it stays set, and later waits return
	 * at once, until an operation that finds the socket not ready after all (a `tryRead` or
	 * `tryWrite` throwing `WouldBlock`) clears it; aborting a wait consumes nothing.
	 */
	writable(options?: OpOptions): Promise<void>;
	/**
	 * Writes what the socket takes now, without waiting; returns the byte count (possibly
	 * fewer than `buf.length`). Throws `kind: 'WouldBlock'` when the send buffer is full.
	 */
	tryWrite(buf: Uint8Array): number;
	/** `tryWrite` from several buffers in order (`writev`). */
	tryWriteVectored(bufs: Uint8Array[]): number;
	/**
	 * Writes some of `buf`, waiting until the socket takes at least one byte; resolves with
	 * the count. `buf` is not kept: what the socket does not take at once is copied during
	 * the call. Concurrent writes are served in call order.
	 *
	 * Cancel safety: cancel safe. If aborted, it is certain that no data was written.
	 */
	write(buf: Uint8Array, options?: OpOptions): Promise<number>;
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
	writeAll(buf: Uint8Array, options?: OpOptions): Promise<void>;
	/**
	 * Writes from several buffers in order with one `writev`; resolves with the count.
	 *
	 * Cancel safety: cancel safe. If aborted, it is certain that no data was written.
	 */
	writeVectored(bufs: Uint8Array[], options?: OpOptions): Promise<number>;
	/** A TCP socket has nothing to flush; resolves once the writes queued before it are done. */
	flush(options?: OpOptions): Promise<void>;
	/**
	 * Shuts the write direction down (sends a FIN) after the writes queued before it. The
	 * read direction stays open. Calling it again is fine.
	 */
	shutdown(options?: OpOptions): Promise<void>;
}
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
export declare class StdTcpStream extends Handle {
	/**
	 * Connects, blocking the calling thread until connected or failed. Each resolved address
	 * is tried in turn; the last error is reported.
	 */
	static connect(addr: ToSocketAddrs): StdTcpStream;
	/** Moves the socket into or out of non-blocking mode. `TcpStream.fromStd` needs `true`. */
	setNonblocking(nonblocking: boolean): void;
	/**
	 * Reads into `buf`, blocking until some bytes arrive (in non-blocking mode, throws
	 * `kind: 'WouldBlock'` instead). Returns the count; 0 at end of stream.
	 */
	read(buf: Uint8Array): number;
	/** Fills `buf` completely, blocking; throws `kind: 'UnexpectedEof'` if the stream ends first. */
	readExact(buf: Uint8Array): void;
	/** Writes some of `buf`, blocking until the socket takes it; returns the count. */
	write(buf: Uint8Array): number;
	/** Writes all of `buf`, blocking. */
	writeAll(buf: Uint8Array): void;
	/** The local address of the socket. */
	localAddr(): SocketAddr;
	/** The address of the remote peer. */
	peerAddr(): SocketAddr;
	/** Closes the socket. */
	close(): void;
	/**
	 * The OS file descriptor. The stream still owns it. Unix only: on Windows it throws
	 * `kind: 'Unsupported'` (use `asRawSocket()`).
	 */
	asRawFd(): number;
	/**
	 * The OS socket handle. The stream still owns it. Windows only: elsewhere it throws
	 * `kind: 'Unsupported'` (use `asRawFd()`).
	 */
	asRawSocket(): number;
}
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
export declare class TcpStream extends Connection {
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
	static connect(addr: ToSocketAddrs, options?: OpOptions): Promise<TcpStream>;
	/**
	 * Takes over a `StdTcpStream`, which must already be in non-blocking mode
	 * (`setNonblocking(true)`): a blocking socket is refused with `kind: 'InvalidInput'`, where
	 * in Rust it would block a runtime thread. The `StdTcpStream` is consumed.
	 */
	static fromStd(stream: StdTcpStream): TcpStream;
	/**
	 * Turns this stream into a `StdTcpStream`, left in non-blocking mode as tokio leaves it.
	 * This object is consumed: later calls throw `ERR_HANDLE_CLOSED`.
	 */
	intoStd(): StdTcpStream;
	/**
	 * Whether `SO_KEEPALIVE` is set. Not part of tokio's `TcpStream`, which leaves keepalive to
	 * socket2 (`SockRef::from(&stream).keepalive()`); `net.Socket.setKeepAlive` needs it.
	 */
	keepalive(): boolean;
	/**
	 * Sets `SO_KEEPALIVE` on the connection, with the system's probe timing (socket2's
	 * `set_keepalive`; `setTcpKeepalive` also sets the timing).
	 */
	setKeepalive(on: boolean): void;
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
	setTcpKeepalive(params: TcpKeepaliveParams): void;
	/** The pending socket error (`SO_ERROR`), cleared by reading it, or `null`. */
	takeError(): Error | null;
	/** Settles when tokio's `poll_read_ready` would return `Ready`. Concurrent calls all settle. */
	pollReadReady(): Promise<void>;
	/** Settles when tokio's `poll_write_ready` would return `Ready`. Concurrent calls all settle. */
	pollWriteReady(): Promise<void>;
	/** `AsyncWrite::poll_write`: settles with the count once some of `buf` was written. */
	pollWrite(buf: Uint8Array): Promise<number>;
	/** `AsyncWrite::poll_write_vectored`, with one `writev`. */
	pollWriteVectored(bufs: Uint8Array[]): Promise<number>;
	/** `true`: a TCP stream has an efficient `writev`. */
	isWriteVectored(): boolean;
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
	tryIo<T>(interest: number, f: () => T): T;
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
	asyncIo<T>(interest: number, f: () => T, options?: OpOptions): Promise<T>;
	/** Whether `TCP_NODELAY` is set (Nagle's algorithm off). */
	nodelay(): boolean;
	/** Sets `TCP_NODELAY`: with `true`, small writes go out at once instead of being coalesced. */
	setNodelay(nodelay: boolean): void;
	/** Whether `TCP_QUICKACK` is set. Linux only; elsewhere throws `kind: 'Unsupported'`. */
	quickack(): boolean;
	/**
	 * Sets `TCP_QUICKACK` (send ACKs at once). The kernel may clear it again by itself.
	 * Linux only; elsewhere throws `kind: 'Unsupported'`.
	 */
	setQuickack(quickack: boolean): void;
	/** `SO_LINGER` in milliseconds, or `null` when it is off. */
	linger(): number | null;
	/**
	 * Sets `SO_LINGER` to `ms` milliseconds, or turns it off with `null`. With a non-zero linger
	 * the OS's close waits until the unsent data is out or the time is up; tokio-net does that
	 * close on a thread of its own, so `close()` returns at once and the event loop never waits.
	 * `setZeroLinger()` (reset on close) is the useful case.
	 *
	 * @deprecated tokio deprecates `set_linger` because the close it causes blocks a thread; use
	 * `setZeroLinger()` for a reset, or `shutdown()` and wait for the peer for a graceful close.
	 */
	setLinger(ms: number | null): void;
	/** Sets `SO_LINGER` to zero: closing then resets the connection (an RST) instead of a FIN. */
	setZeroLinger(): void;
	/** The IP time-to-live of outgoing packets. */
	ttl(): number;
	/** Sets the IP time-to-live (1 to 255). */
	setTtl(ttl: number): void;
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
	split(): [
		ReadHalf,
		WriteHalf
	];
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
	intoSplit(): [
		OwnedReadHalf,
		OwnedWriteHalf
	];
	/**
	 * The OS file descriptor. The stream still owns it: do not close it. Unix only: on Windows
	 * it throws `kind: 'Unsupported'` (use `asRawSocket()`).
	 */
	asRawFd(): number;
	/**
	 * The OS socket handle. The stream still owns it: do not close it. Windows only: elsewhere
	 * it throws `kind: 'Unsupported'` (use `asRawFd()`).
	 */
	asRawSocket(): number;
}
export interface TcpStream extends ReadMethods, WriteMethods {
}
/**
 * The read half of `stream.split()`. It borrows the stream: it closes when the stream closes.
 *
 * @example
 * ```ts
 * import { TcpStream } from 'tokio-net'
 *
 * using stream = await TcpStream.connect('127.0.0.1:8080')
 * const [reader] = stream.split()
 * const buf = new Uint8Array(1024)
 * const n = await reader.read(buf)
 * console.log(n === 0 ? 'the peer closed' : `read ${n} bytes`)
 * ```
 */
export declare class ReadHalf extends Connection {
	/**
	 * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
	 * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
	 * closed together with this half.
	 */
	asRef(): TcpStream;
}
export interface ReadHalf extends ReadMethods {
}
/**
 * The write half of `stream.split()`. It borrows the stream: it closes when the stream
 * closes, and closing it shuts nothing down.
 *
 * @example
 * ```ts
 * import { TcpStream } from 'tokio-net'
 *
 * using stream = await TcpStream.connect('127.0.0.1:8080')
 * const [, writer] = stream.split()
 * await writer.writeAll(Buffer.from('hello'))
 * ```
 */
export declare class WriteHalf extends Connection {
	/**
	 * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
	 * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
	 * closed together with this half.
	 */
	asRef(): TcpStream;
}
export interface WriteHalf extends WriteMethods {
}
/**
 * The read half of `stream.intoSplit()`, owning its share of the socket.
 *
 * @example
 * ```ts
 * import { TcpStream } from 'tokio-net'
 *
 * const [reader, writer] = (await TcpStream.connect('127.0.0.1:8080')).intoSplit()
 * const buf = Buffer.alloc(4)
 * await reader.peek(buf) // the next read returns the same bytes
 * const stream = reader.reunite(writer)
 * stream.close()
 * ```
 */
export declare class OwnedReadHalf extends Connection {
	/**
	 * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
	 * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
	 * closed together with this half.
	 */
	asRef(): TcpStream;
	/**
	 * Joins this half with `other` into the `TcpStream` they came from. Both halves are
	 * consumed. Halves of different sockets throw a `ReuniteError` (`code: 'ERR_REUNITE'`)
	 * whose `readHalf` and `writeHalf` are the two halves, still usable.
	 */
	reunite(other: OwnedWriteHalf): TcpStream;
}
export interface OwnedReadHalf extends ReadMethods {
}
/**
 * The write half of `stream.intoSplit()`. Closing it (or letting it be collected) shuts the
 * write direction down, sending a FIN, unless `forget()` was called: as dropping tokio's
 * `OwnedWriteHalf` does.
 *
 * @example
 * ```ts
 * import { TcpStream } from 'tokio-net'
 *
 * const [reader, writer] = (await TcpStream.connect('127.0.0.1:8080')).intoSplit()
 * await writer.writeAll(Buffer.from('request'))
 * writer.close() // a FIN: the peer knows the request is complete
 * const reply = await reader.readToEnd()
 * console.log(reply.toString())
 * ```
 */
export declare class OwnedWriteHalf extends Connection {
	/**
	 * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
	 * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
	 * closed together with this half.
	 */
	asRef(): TcpStream;
	/**
	 * Joins this half with `other` into the `TcpStream` they came from, as
	 * `OwnedReadHalf.reunite` does.
	 */
	reunite(other: OwnedReadHalf): TcpStream;
	/**
	 * Gives up this half without shutting the write direction down: the socket's write side
	 * stays open until the read half is closed too. This half is consumed.
	 */
	forget(): void;
}
export interface OwnedWriteHalf extends WriteMethods {
}
/**
 * The lines of a `BufReader`, as `AsyncBufReadExt::lines` gives them: an async iterator of
 * strings without the line ending (LF or CRLF), ending at end of stream. Made by
 * `BufReader.lines()`, which it consumes; `close()` (or collection) closes the socket, or the
 * half.
 *
 * Iterating takes every complete line buffered at once, so a line costs no more than in a
 * `split` on line feeds. Leaving a `for await` early (`break`) keeps the lines not yet seen: the
 * next iteration or `nextLine()` starts with them. Closing the `Lines` ends an iteration.
 *
 * A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
 * bytes of UTF-8, about 512 MiB, on 64-bit systems) fails the `nextLine()` or iteration step
 * that reaches it with `code: 'ERR_STRING_TOO_LONG'` (`kind: 'InvalidData'`), once it has been
 * read to its end; the message gives its length. The lines before it come first; the line is
 * consumed, and the next `nextLine()` or iteration goes on with the line after it.
 */
export declare class Lines extends RefHandle {
	#private;
	/**
	 * Lets this handle's pending operations keep the process alive again (the default),
	 * undoing `unref()`.
	 */
	ref(): void;
	/**
	 * Stops this handle's pending operations from keeping the process alive: Node may exit
	 * while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
	 * (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
	 * setting of the handle it came from.
	 */
	unref(): void;
	/**
	 * The next line without its line ending (LF or CRLF), or `null` at end of stream (tokio's
	 * `Lines::next_line`). A line that is not UTF-8 rejects with `kind: 'InvalidData'`.
	 *
	 * A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
	 * bytes of UTF-8, about 512 MiB, on 64-bit systems) rejects with `code: 'ERR_STRING_TOO_LONG'`
	 * (`kind: 'InvalidData'`) once it has been read to its end; the message gives its length.
	 * Both failures consume the line: the next call returns the one after it.
	 *
	 * Cancel safety: cancel safe. If aborted, the part of a line read so far stays buffered and
	 * the next call returns the whole line. A call waiting behind earlier calls (or an iteration
	 * step) rejects as soon as its signal aborts, and takes no line.
	 */
	nextLine(options?: OpOptions): Promise<string | null>;
	/**
	 * The lines, without their line endings, until end of stream (or until closed). Each step takes
	 * every complete line buffered at once; leaving the loop early keeps the lines not yet seen for
	 * the next iteration or `nextLine()`.
	 */
	[Symbol.asyncIterator](): AsyncIterableIterator<string>;
	/**
	 * Closes the lines and the stream or half under them; a pending `nextLine` rejects with
	 * `ERR_HANDLE_CLOSED`, a pending iteration step is `done`. Closing twice is a no-op.
	 */
	close(): void;
}
/**
 * tokio's `BufReader`: reads from a `TcpStream`, `ReadHalf` or `OwnedReadHalf` in large,
 * infrequent reads into a buffer held in Rust (8 KiB unless `capacity` says otherwise), and
 * serves `read`, `readLine`, `readUntil`, `lines()` and `fillBuf` from it.
 *
 * `new BufReader(reader)` takes `reader` over, as `BufReader::new(reader)` moves it in Rust:
 * the object passed in is closed from then on (its pending operations reject with
 * `ERR_HANDLE_CLOSED`), and `intoInner()` gives it back as a new object. Calls are served one at
 * a time, in call order. The sync members (`buffer()`, `consume()`, `lines()`, `intoInner()`)
 * throw `kind: 'ResourceBusy'` while a call is running, where Rust's borrow checker would refuse
 * them. `close()` (or collection) closes the socket, or the half.
 *
 * @example
 * ```ts
 * import { EOL } from 'node:os'
 * import { BufReader, TcpStream } from 'tokio-net'
 *
 * const stream = await TcpStream.connect('127.0.0.1:8080')
 * const [readHalf, writeHalf] = stream.intoSplit()
 * await writeHalf.writeAll(Buffer.from('PING' + EOL))
 * using reader = new BufReader(readHalf)
 * const line = await reader.readLine() // the reply, line ending included; '' at end of stream
 * console.log(line.trimEnd())
 * ```
 */
export declare class BufReader extends RefHandle {
	/**
	 * Lets this handle's pending operations keep the process alive again (the default),
	 * undoing `unref()`.
	 */
	ref(): void;
	/**
	 * Stops this handle's pending operations from keeping the process alive: Node may exit
	 * while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
	 * (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
	 * setting of the handle it came from.
	 */
	unref(): void;
	/**
	 * Wraps `reader` (a `TcpStream`, `ReadHalf` or `OwnedReadHalf`) with a buffer of `capacity`
	 * bytes (default 8 KiB, tokio's). `reader` is taken over: using it afterwards throws
	 * `ERR_HANDLE_CLOSED`.
	 */
	constructor(reader: TcpStream | ReadHalf | OwnedReadHalf, capacity?: number);
	/**
	 * Reads into `buf`: from the buffer if it holds anything, else from the socket (straight into
	 * `buf` when `buf` is at least as large as the buffer, as tokio does). Resolves with the
	 * count, 0 at end of stream (or for an empty `buf`).
	 *
	 * Cancel safety: cancel safe. If aborted, no data was read.
	 */
	read(buf: Uint8Array, options?: OpOptions): Promise<number>;
	/**
	 * Fills `buf` completely, from the buffer first; rejects with `kind: 'UnexpectedEof'` if the
	 * stream ends first. Resolves with `buf.length`.
	 *
	 * Cancel safety: not cancel safe. If aborted, some bytes may already be in `buf` and gone
	 * from the reader.
	 */
	readExact(buf: Uint8Array, options?: OpOptions): Promise<number>;
	/**
	 * Reads up to and including the next line feed (LF) and resolves with that line as a string (the line
	 * ending kept, as tokio's `read_line` keeps it); `''` at end of stream. A line that is not
	 * UTF-8 rejects with `kind: 'InvalidData'`.
	 *
	 * A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
	 * bytes of UTF-8, about 512 MiB, on 64-bit systems) rejects with `code: 'ERR_STRING_TOO_LONG'`
	 * (`kind: 'InvalidData'`) once it has been read to its end; the message gives its length.
	 * Both failures consume the line: the next call reads the one after it. Where lines may be
	 * that long, read them with `readUntil(0x0a)`, which resolves with a `Buffer`.
	 *
	 * Cancel safety: not cancel safe. If aborted, the part of a line read so far is lost; use
	 * `lines()`, whose `nextLine` is cancel safe.
	 */
	readLine(options?: OpOptions): Promise<string>;
	/**
	 * Reads up to and including the next `byte` (0-255), or to the end of the stream, and resolves
	 * with those bytes; an empty `Buffer` at end of stream.
	 *
	 * Cancel safety: not cancel safe. If aborted, the bytes read so far are lost (in Rust they
	 * would be left in the caller's `Vec`).
	 */
	readUntil(byte: number, options?: OpOptions): Promise<Buffer>;
	/**
	 * Returns the buffered bytes, reading from the socket first if the buffer is empty; an empty
	 * `Buffer` at end of stream. The bytes stay buffered until `consume(n)`.
	 *
	 * Cancel safety: cancel safe.
	 */
	fillBuf(options?: OpOptions): Promise<Buffer>;
	/**
	 * Marks `n` buffered bytes as read, so `fillBuf` and reads no longer return them. `n` beyond
	 * what is buffered consumes all of it (tokio clamps too).
	 */
	consume(n: number): void;
	/** A copy of the bytes buffered and not yet read (tokio's `buffer()`). */
	buffer(): Buffer;
	/** The size of the buffer in bytes. */
	capacity(): number;
	/**
	 * Turns this reader into its lines: an async iterator of strings without the line ending,
	 * ending at end of stream (`for await (const line of reader.lines())`). This `BufReader` is
	 * consumed, as `lines(self)` consumes it in Rust; bytes it had buffered are kept.
	 *
	 * @example
	 * ```ts
	 * import { BufReader, TcpStream } from 'tokio-net'
	 *
	 * const stream = await TcpStream.connect('127.0.0.1:8080')
	 * for await (const line of new BufReader(stream).lines()) {
	 *   console.log(line)
	 * }
	 * ```
	 */
	lines(): Lines;
	/**
	 * Gives the stream or half back as a new object of its kind, consuming this reader. As in
	 * tokio, bytes still buffered are lost: read them (`buffer()`) first if they matter. Throws
	 * `kind: 'ResourceBusy'` while a call is running.
	 */
	intoInner(): TcpStream | ReadHalf | OwnedReadHalf;
	/**
	 * Closes the reader and the stream or half under it; pending calls reject with
	 * `ERR_HANDLE_CLOSED`. Closing twice is a no-op.
	 */
	close(): void;
}
/**
 * tokio's `BufWriter`: gathers writes to a `TcpStream`, `WriteHalf` or `OwnedWriteHalf` in a
 * buffer held in Rust (8 KiB unless `capacity` says otherwise) and writes it out when it is
 * full, on `flush()` and on `shutdown()`. A write that fits in the buffer settles without any
 * I/O.
 *
 * `new BufWriter(writer)` takes `writer` over, as `BufWriter::new(writer)` moves it in Rust: the
 * object passed in is closed from then on, and `intoInner()` gives it back as a new object.
 * Calls are served one at a time, in call order; `buffer()` and `intoInner()` throw
 * `kind: 'ResourceBusy'` while a call is running, where Rust's borrow checker would refuse them.
 * As in tokio, **buffered bytes are not written
 * when the writer is closed or collected**: `flush()` (or `shutdown()`) first.
 *
 * @example
 * ```ts
 * import { EOL } from 'node:os'
 * import { BufWriter, TcpStream } from 'tokio-net'
 *
 * const stream = await TcpStream.connect('127.0.0.1:8080')
 * using writer = new BufWriter(stream)
 * for (let i = 0; i < 1000; i++) {
 *   await writer.write(Buffer.from(`message ${i}${EOL}`)) // gathered in the buffer
 * }
 * await writer.flush() // out they go, in a few large writes
 * ```
 */
export declare class BufWriter extends RefHandle {
	/**
	 * Lets this handle's pending operations keep the process alive again (the default),
	 * undoing `unref()`.
	 */
	ref(): void;
	/**
	 * Stops this handle's pending operations from keeping the process alive: Node may exit
	 * while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
	 * (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
	 * setting of the handle it came from.
	 */
	unref(): void;
	/**
	 * Wraps `writer` (a `TcpStream`, `WriteHalf` or `OwnedWriteHalf`) with a buffer of `capacity`
	 * bytes (default 8 KiB, tokio's). `writer` is taken over: using it afterwards throws
	 * `ERR_HANDLE_CLOSED`.
	 */
	constructor(writer: TcpStream | WriteHalf | OwnedWriteHalf, capacity?: number);
	/**
	 * Writes `buf` into the buffer, first writing the buffer out if `buf` does not fit, or
	 * straight to the socket if `buf` is at least as large as the buffer (as tokio does).
	 * Resolves with the count taken, which may be less than `buf.length`. The bytes are copied
	 * when the call is made: `buf` may be reused at once.
	 *
	 * Cancel safety: cancel safe. If aborted, nothing of `buf` was taken.
	 */
	write(buf: Uint8Array, options?: OpOptions): Promise<number>;
	/**
	 * Writes all of `buf` (through the buffer), waiting as long as it takes. Resolves when the
	 * last byte is in the buffer or out; `flush()` to be sure it is out.
	 *
	 * Cancel safety: not cancel safe. If aborted, some of `buf` may have been taken, and there
	 * is no telling how much.
	 */
	writeAll(buf: Uint8Array, options?: OpOptions): Promise<void>;
	/**
	 * Writes everything buffered out to the socket.
	 *
	 * Cancel safety: cancel safe in that nothing is lost: what was not written yet stays
	 * buffered, and a later `flush()` writes it.
	 */
	flush(options?: OpOptions): Promise<void>;
	/**
	 * Writes everything buffered out, then shuts the write direction down (the peer reads end
	 * of stream), as tokio's `BufWriter::shutdown` does.
	 *
	 * Cancel safety: as `flush()`; the shutdown happens only once everything is out.
	 */
	shutdown(options?: OpOptions): Promise<void>;
	/**
	 * A copy of the bytes buffered and not yet written out (tokio's `buffer()`). Throws
	 * `kind: 'ResourceBusy'` while a call is running.
	 */
	buffer(): Buffer;
	/** The size of the buffer in bytes. */
	capacity(): number;
	/**
	 * Gives the stream or half back as a new object of its kind, consuming this writer. As in
	 * tokio, bytes still buffered are lost: `flush()` first. Throws `kind: 'ResourceBusy'` while
	 * a call is running.
	 */
	intoInner(): TcpStream | WriteHalf | OwnedWriteHalf;
	/**
	 * Closes the writer and the stream or half under it, without writing what is buffered (as
	 * dropping a tokio `BufWriter` does); pending calls reject with `ERR_HANDLE_CLOSED`. Closing
	 * twice is a no-op.
	 */
	close(): void;
}
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
export declare function copy(reader: TcpStream | ReadHalf | OwnedReadHalf | BufReader, writer: TcpStream | WriteHalf | OwnedWriteHalf | BufWriter, options?: OpOptions): Promise<number>;
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
export declare function copyBidirectional(a: TcpStream, b: TcpStream, options?: OpOptions): Promise<[
	number,
	number
]>;
/**
 * `copy` for a `BufReader`, using its buffer instead of a buffer of the copy's own, as tokio's
 * `io::copy_buf` does; resolves with the number of bytes copied (those already buffered
 * included).
 *
 * Cancel safety: cancel safe on the reading side (bytes not yet written stay in the
 * `BufReader`'s buffer); what was written is gone from it.
 */
export declare function copyBuf(reader: BufReader, writer: TcpStream | WriteHalf | OwnedWriteHalf | BufWriter, options?: OpOptions): Promise<number>;
/** A `std::io::ErrorKind` variant name, as Rust prints it. */
export type NetErrorKind = "NotFound" | "PermissionDenied" | "ConnectionRefused" | "ConnectionReset" | "HostUnreachable" | "NetworkUnreachable" | "ConnectionAborted" | "NotConnected" | "AddrInUse" | "AddrNotAvailable" | "NetworkDown" | "BrokenPipe" | "AlreadyExists" | "WouldBlock" | "NotADirectory" | "IsADirectory" | "DirectoryNotEmpty" | "ReadOnlyFilesystem" | "StaleNetworkFileHandle" | "InvalidInput" | "InvalidData" | "TimedOut" | "WriteZero" | "StorageFull" | "NotSeekable" | "QuotaExceeded" | "FileTooLarge" | "ResourceBusy" | "ExecutableFileBusy" | "Deadlock" | "CrossesDevices" | "TooManyLinks" | "InvalidFilename" | "ArgumentListTooLong" | "Interrupted" | "Unsupported" | "UnexpectedEof" | "OutOfMemory" | "InProgress" | "Other" | "Uncategorized";
/**
 * The codes tokio-net gives its errors: the errno symbol Node would use where the OS gave an error,
 * tokio-net's own `ERR_*` codes, and `ERR_<KIND>` for an I/O error the OS did not raise.
 */
export type NetErrorCode = "EAGAIN" | "ECONNREFUSED" | "ECONNRESET" | "ECONNABORTED" | "EPIPE" | "ETIMEDOUT" | "EADDRINUSE" | "EADDRNOTAVAIL" | "ENOTCONN" | "EISCONN" | "EINVAL" | "EBADF" | "EHOSTUNREACH" | "ENETUNREACH" | "ENETDOWN" | "EACCES" | "EPERM" | "EINPROGRESS" | "EALREADY" | "ENOTSOCK" | "EMFILE" | "ENFILE" | "ENOBUFS" | "ENOMEM" | "EAFNOSUPPORT" | "EPROTONOSUPPORT" | "EOPNOTSUPP" | "ENOPROTOOPT" | "EINTR" | "EFAULT" | "EMSGSIZE" | "EDESTADDRREQ" | "ESHUTDOWN" | "ENOENT" | "ABORT_ERR" | "ERR_HANDLE_CLOSED" | "ERR_INVALID_ARG_TYPE" | "ERR_OUT_OF_RANGE" | "ERR_INVALID_ARG_VALUE" | "ERR_REUNITE" | "ERR_INTERNAL" | "ERR_BUFFER_DETACHED" | "ERR_ADDR_IN_USE" | "ERR_ADDR_NOT_AVAILABLE" | "ERR_ALREADY_EXISTS" | "ERR_ARGUMENT_LIST_TOO_LONG" | "ERR_BROKEN_PIPE" | "ERR_CONNECTION_ABORTED" | "ERR_CONNECTION_REFUSED" | "ERR_CONNECTION_RESET" | "ERR_CROSSES_DEVICES" | "ERR_DEADLOCK" | "ERR_DIRECTORY_NOT_EMPTY" | "ERR_EXECUTABLE_FILE_BUSY" | "ERR_FILE_TOO_LARGE" | "ERR_HOST_UNREACHABLE" | "ERR_INTERRUPTED" | "ERR_INVALID_DATA" | "ERR_INVALID_FILENAME" | "ERR_INVALID_INPUT" | "ERR_IN_PROGRESS" | "ERR_IS_A_DIRECTORY" | "ERR_NETWORK_DOWN" | "ERR_NETWORK_UNREACHABLE" | "ERR_NOT_A_DIRECTORY" | "ERR_NOT_CONNECTED" | "ERR_NOT_FOUND" | "ERR_NOT_SEEKABLE" | "ERR_OTHER" | "ERR_OUT_OF_MEMORY" | "ERR_PERMISSION_DENIED" | "ERR_QUOTA_EXCEEDED" | "ERR_READ_ONLY_FILESYSTEM" | "ERR_RESOURCE_BUSY" | "ERR_STALE_NETWORK_FILE_HANDLE" | "ERR_STORAGE_FULL" | "ERR_TIMED_OUT" | "ERR_TOO_MANY_LINKS" | "ERR_UNCATEGORIZED" | "ERR_UNEXPECTED_EOF" | "ERR_UNSUPPORTED" | "ERR_WOULD_BLOCK" | "ERR_WRITE_ZERO" | "ERR_ILLEGAL_CONSTRUCTOR" | "ERR_INVALID_THIS" | "ERR_STRING_TOO_LONG";
/** The error every failing method throws or rejects with. */
export interface NetError extends Error {
	/** The `std::io::ErrorKind` variant name as Rust prints it: `'WouldBlock'`, `'ConnectionRefused'`, ... */
	kind: NetErrorKind;
	/** The errno symbol (`'EAGAIN'`, `'ECONNREFUSED'`, ...) or a stable `'ERR_*'` code. */
	code: NetErrorCode;
	/** The OS error number, when the OS gave one. */
	errno?: number;
	/** The system call that failed, where known. */
	syscall?: string;
}
/**
 * The error `reunite` throws for halves of two different sockets (tokio's `ReuniteError(r, w)`,
 * `code: 'ERR_REUNITE'`): `readHalf` and `writeHalf` hand both halves back, still usable. Test
 * for it with `err instanceof ReuniteError`; only `reunite` makes one (`new` throws).
 */
export declare class ReuniteError extends Error implements NetError {
	readonly name = "ReuniteError";
	readonly code = "ERR_REUNITE";
	readonly kind = "Other";
	/** The read half passed to `reunite`, still usable. */
	readonly readHalf: OwnedReadHalf;
	/** The write half passed to `reunite`, still usable. */
	readonly writeHalf: OwnedWriteHalf;
	private constructor();
}
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
export declare class TcpListener extends RefHandle {
	/**
	 * Binds a listener to `addr` (port 0 picks a free port). With several addresses, each is
	 * tried in turn and the first that binds is used.
	 */
	static bind(addr: ToSocketAddrs, options?: OpOptions): Promise<TcpListener>;
	/** Lets pending `accept` calls keep the process alive again (the default), undoing `unref()`. */
	ref(): void;
	/** Stops pending `accept` calls from keeping the process alive, as `net.Server.unref()`. */
	unref(): void;
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
	accept(options?: OpOptions): Promise<[
		TcpStream,
		SocketAddr
	]>;
	/** Like `accept`, through tokio's `poll_accept`: settles when the poll would return `Ready`. */
	pollAccept(): Promise<[
		TcpStream,
		SocketAddr
	]>;
	/** The local address the listener is bound to. */
	localAddr(): SocketAddr;
	/** The IP time-to-live of the listener's socket. */
	ttl(): number;
	/** Sets the IP time-to-live (1 to 255). */
	setTtl(ttl: number): void;
	/**
	 * Stops listening now; pending `accept` calls reject with `ERR_HANDLE_CLOSED` and async
	 * iteration ends.
	 */
	close(): void;
	/** Accepts connections, `[stream, peerAddress]` each, until the listener is closed. */
	[Symbol.asyncIterator](): AsyncIterableIterator<[
		TcpStream,
		SocketAddr
	]>;
}
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
export declare class TcpSocket extends RefHandle {
	/** Whether `SO_REUSEADDR` is set (reuse a local address in TIME_WAIT). */
	reuseaddr(): boolean;
	/** Sets `SO_REUSEADDR`, before `bind`. */
	setReuseaddr(on: boolean): void;
	/** Whether `SO_KEEPALIVE` is set (TCP keepalive probes). */
	keepalive(): boolean;
	/** Sets `SO_KEEPALIVE`. */
	setKeepalive(on: boolean): void;
	/** Whether `TCP_NODELAY` is set (Nagle's algorithm off). */
	nodelay(): boolean;
	/** Sets `TCP_NODELAY`: with `true`, small writes go out at once. */
	setNodelay(on: boolean): void;
	/** Whether `SO_REUSEPORT` is set. Unix only: on Windows it throws `kind: 'Unsupported'`. */
	reuseport(): boolean;
	/** Sets `SO_REUSEPORT` (several sockets may bind the same port), before `bind`. Unix only: on Windows it throws `kind: 'Unsupported'`. */
	setReuseport(on: boolean): void;
	/** The send buffer size (`SO_SNDBUF`) in bytes, as the kernel reports it (Linux doubles what was set). */
	sendBufferSize(): number;
	/** Sets the send buffer size (`SO_SNDBUF`) in bytes. */
	setSendBufferSize(size: number): void;
	/** The receive buffer size (`SO_RCVBUF`) in bytes, as the kernel reports it (Linux doubles what was set). */
	recvBufferSize(): number;
	/** Sets the receive buffer size (`SO_RCVBUF`) in bytes. */
	setRecvBufferSize(size: number): void;
	/** A new IPv4 socket. */
	static newV4(): TcpSocket;
	/** A new IPv6 socket. */
	static newV6(): TcpSocket;
	/** Binds the socket to a local address (`'127.0.0.1:0'` picks a free port). */
	bind(addr: string | SocketAddr | [
		string,
		number
	] | {
		ip: string;
		port: number;
	}): void;
	/**
	 * Connects to `addr`, consuming the socket; resolves with the `TcpStream`. Until it settles,
	 * `close()` cancels the attempt (it rejects with `ERR_HANDLE_CLOSED`) and `unref()` lets the
	 * process exit without waiting for it; every other member throws `ERR_HANDLE_CLOSED`.
	 *
	 * Cancel safety: aborting drops the connection attempt and the socket.
	 */
	connect(addr: string | SocketAddr | [
		string,
		number
	] | {
		ip: string;
		port: number;
	}, options?: OpOptions): Promise<TcpStream>;
	/**
	 * Whether `IPV6_V6ONLY` is set: an IPv6 socket that takes no IPv4-mapped traffic. Not part
	 * of tokio's `TcpSocket` (socket2's `only_v6`); `net.Server`'s `ipv6Only` needs it.
	 */
	onlyV6(): boolean;
	/**
	 * Sets `IPV6_V6ONLY` on an IPv6 socket, before `bind` (socket2's `set_only_v6`). An IPv4
	 * socket refuses it with the OS's error.
	 */
	setOnlyV6(on: boolean): void;
	/**
	 * Sets `SO_KEEPALIVE` with the given probe timing, as `setTcpKeepalive` on a `TcpStream`
	 * does (socket2's `set_tcp_keepalive`; not part of tokio's `TcpSocket`).
	 */
	setTcpKeepalive(params: TcpKeepaliveParams): void;
	/** Lets a pending `connect` keep the process alive (the default): the opposite of `unref()`. */
	ref(): void;
	/**
	 * Lets the process exit while a `connect` of this socket is pending, as `unref()` on a
	 * `TcpStream` does for its operations. The `TcpStream` that `connect` makes starts unref'd
	 * too. Not part of tokio (Node's and Deno's handles have it).
	 */
	unref(): void;
	/** Starts listening with a queue of `backlog` pending connections, consuming the socket. */
	listen(backlog: number): TcpListener;
	/** The local address the socket is bound to. */
	localAddr(): SocketAddr;
	/** The pending socket error (`SO_ERROR`), cleared by reading it, or `null`. */
	takeError(): Error | null;
	/** `SO_LINGER` in milliseconds, or `null` when it is off. */
	linger(): number | null;
	/**
	 * Sets `SO_LINGER` to `ms` milliseconds, or off with `null`. A stream made from this socket
	 * is closed on a thread of its own when it lingers, so `close()` never blocks the event loop.
	 *
	 * @deprecated tokio deprecates `set_linger` because the close it causes blocks a thread; use
	 * `setZeroLinger()` for a reset.
	 */
	setLinger(ms: number | null): void;
	/** Sets `SO_LINGER` to zero: closing resets the connection. */
	setZeroLinger(): void;
	/** Closes the socket. */
	close(): void;
	/**
	 * The IPv4 type-of-service byte (`IP_TOS`). Unix only: on Windows it throws
	 * `kind: 'Unsupported'`.
	 */
	tos(): number;
	/**
	 * Sets the IPv4 type-of-service byte (`IP_TOS`, 0 to 255). Unix only: on Windows it throws
	 * `kind: 'Unsupported'`.
	 */
	setTos(tos: number): void;
}
/** The live registry entries of each kind in the calling Node environment. */
export interface ActiveHandles {
	/** `TcpStream`s, `asRef()` views included. */
	streams: number;
	/** Halves, borrowed and owned. */
	halves: number;
	listeners: number;
	/** `TcpSocket`s not yet connected or listening. */
	sockets: number;
	stdStreams: number;
}
/**
 * The number of live handles of each kind in the calling Node environment (the main thread
 * or one worker). Everything closed or collected is no longer counted: all zeros means
 * nothing leaked.
 */
export declare function activeHandles(): ActiveHandles;
/**
 * Where tokio's I/O driver runs for the calling Node environment:
 *
 * - `'js-thread'`: the env has its own current-thread tokio runtime, and Node's event loop turns
 *   its I/O driver whenever a socket is ready, so operations wake on the JS thread with no thread
 *   hop. The default on Node on Linux.
 * - `'workers'`: one tokio multi-thread runtime shared by every env of the process drives the
 *   sockets on its worker threads (one per core, or `TOKIO_WORKER_THREADS`). Used on other
 *   systems, under Bun and Deno (they have no libuv to watch the driver with), when the JS-thread
 *   probe fails, and when `TOKIO_NET_IO_DRIVER=workers` asks for it.
 *
 * Decided once per env when the module loads; both places run the same tokio code with the
 * same semantics.
 *
 * @example
 * ```ts
 * import { driverPlace } from 'tokio-net'
 *
 * console.log(`tokio's I/O driver runs on ${driverPlace() === 'js-thread' ? 'the JS thread' : 'tokio workers'}`)
 * ```
 */
export declare function driverPlace(): "js-thread" | "workers";
/**
 * Which binding artifact the loader loaded: `'native'` for a native addon, otherwise the
 * `platformArchABI` of a WASI flavor (`NAPI_RS_NATIVE_LIBRARY_PATH` can point the loader at one).
 */
export declare const __napiBindingTarget: "native" | "wasm32-wasi" | "wasm32-wasip1";

export {};
