// BytesMut: the growable buffer `tryReadBuf` appends to.

import { kWrap, native, nativeOf, Wrapper } from './handle.js'

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
export class BytesMut extends Wrapper {
  /** An empty buffer with room for `capacity` bytes (default 0). */
  constructor(capacity?: number) {
    super(kWrap, new native.BytesMut(capacity))
  }

  /** The number of bytes held. */
  get length(): number {
    return nativeOf<native.BytesMut>(this, BytesMut).length
  }

  /** How many bytes it can hold without allocating. */
  get capacity(): number {
    return nativeOf<native.BytesMut>(this, BytesMut).capacity
  }

  /** Makes room for at least `additional` more bytes. */
  reserve(additional: number): void {
    nativeOf<native.BytesMut>(this, BytesMut).reserve(additional)
  }

  /** Empties the buffer, keeping its capacity. */
  clear(): void {
    nativeOf<native.BytesMut>(this, BytesMut).clear()
  }

  /** A copy of the bytes held, as a `Buffer`. */
  toBuffer(): Buffer {
    return nativeOf<native.BytesMut>(this, BytesMut).toBuffer()
  }
}
