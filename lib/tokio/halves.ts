// The halves of a TcpStream: `split()` borrows (ReadHalf, WriteHalf), `intoSplit()` owns
// (OwnedReadHalf, OwnedWriteHalf, which `reunite` puts back together).

/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type --
   the read and write members are put on the prototype by mixin(); the interface of the
   class's name is how its type says so (TypeScript's mixin pattern) */

import { Connection, mixin, ReadMethods, WriteMethods } from './connection.js'
import { reuniteOrThrow } from './errors.js'
import { keepAlive, native, nativeOf, registerWrapper, toNative, wrap } from './handle.js'
import type { TcpStream } from './stream.js'

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
export class ReadHalf extends Connection {
  static {
    registerWrapper(native.ReadHalf, this)
  }

  /**
   * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
   * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
   * closed together with this half.
   */
  asRef(): TcpStream {
    return keepAlive(wrap<TcpStream>(nativeOf<native.ReadHalf>(this, ReadHalf).asRef()), this)
  }
}

export interface ReadHalf extends ReadMethods {}
mixin(ReadHalf, ReadMethods)

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
export class WriteHalf extends Connection {
  static {
    registerWrapper(native.WriteHalf, this)
  }

  /**
   * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
   * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
   * closed together with this half.
   */
  asRef(): TcpStream {
    return keepAlive(wrap<TcpStream>(nativeOf<native.WriteHalf>(this, WriteHalf).asRef()), this)
  }
}

export interface WriteHalf extends WriteMethods {}
mixin(WriteHalf, WriteMethods)

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
export class OwnedReadHalf extends Connection {
  static {
    registerWrapper(native.OwnedReadHalf, this)
  }

  /**
   * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
   * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
   * closed together with this half.
   */
  asRef(): TcpStream {
    return keepAlive(wrap<TcpStream>(nativeOf<native.OwnedReadHalf>(this, OwnedReadHalf).asRef()), this)
  }

  /**
   * Joins this half with `other` into the `TcpStream` they came from. Both halves are
   * consumed. Halves of different sockets throw a `ReuniteError` (`code: 'ERR_REUNITE'`)
   * whose `readHalf` and `writeHalf` are the two halves, still usable.
   */
  reunite(other: OwnedWriteHalf): TcpStream {
    return reuniteOrThrow(this, other, () => wrap(nativeOf<native.OwnedReadHalf>(this, OwnedReadHalf).reunite(toNative(other))))
  }
}

export interface OwnedReadHalf extends ReadMethods {}
mixin(OwnedReadHalf, ReadMethods)

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
export class OwnedWriteHalf extends Connection {
  static {
    registerWrapper(native.OwnedWriteHalf, this)
  }

  /**
   * A `TcpStream` view of the socket this half belongs to, for the `&self` methods
   * (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
   * closed together with this half.
   */
  asRef(): TcpStream {
    return keepAlive(wrap<TcpStream>(nativeOf<native.OwnedWriteHalf>(this, OwnedWriteHalf).asRef()), this)
  }

  /**
   * Joins this half with `other` into the `TcpStream` they came from, as
   * `OwnedReadHalf.reunite` does.
   */
  reunite(other: OwnedReadHalf): TcpStream {
    return reuniteOrThrow(other, this, () => wrap(nativeOf<native.OwnedWriteHalf>(this, OwnedWriteHalf).reunite(toNative(other))))
  }

  /**
   * Gives up this half without shutting the write direction down: the socket's write side
   * stays open until the read half is closed too. This half is consumed.
   */
  forget(): void {
    nativeOf<native.OwnedWriteHalf>(this, OwnedWriteHalf).forget()
  }
}

export interface OwnedWriteHalf extends WriteMethods {}
mixin(OwnedWriteHalf, WriteMethods)

