// Addresses (SocketAddr and the forms ToSocketAddrs takes), Interest and Ready.

import { native, nativeOf, registerWrapper, toNative, Wrapper, wrap } from './handle.js'

/** One address in any of the forms tokio's `ToSocketAddrs` accepts. */
export type SocketAddrLike = string | [string, number] | { ip: string; port: number } | SocketAddr

/**
 * What `connect` and `bind` take: `'127.0.0.1:8080'`, `'[::1]:8080'`, `'localhost:8080'` (resolved,
 * every address tried), `['127.0.0.1', 8080]`, `{ ip: '127.0.0.1', port: 8080 }`, a `SocketAddr`,
 * or an array of these.
 */
export type ToSocketAddrs = SocketAddrLike | SocketAddrLike[]

/** An address argument on its way to the binding: `SocketAddr`s, alone or in an array, become native. */
export function toNativeAddrs(addr: unknown): unknown {
  try {
    if (!Array.isArray(addr)) return toNative(addr)
    // Present indices only, by descriptor: a sparse array may claim a length of 2**32 - 1 (the
    // binding refuses it with a RangeError; walking every index would hang), and a getter is
    // left for the binding to call, once, where what it throws becomes the call's rejection.
    const items = Object.getOwnPropertyDescriptors(addr) as Record<string, PropertyDescriptor>
    let converted: unknown[] | undefined
    for (const [key, item] of Object.entries(items)) {
      if (key === 'length' || !('value' in item)) continue
      const handle = toNative(item.value)
      if (handle === item.value) continue
      if (converted === undefined) {
        const indexed = { ...items }
        delete indexed.length
        converted = Object.defineProperties(new Array<unknown>(addr.length), indexed)
      }
      converted[Number(key)] = handle
    }
    return converted ?? addr
  } catch {
    // A revoked proxy or a throwing trap: the binding reads the argument itself and answers.
    return addr
  }
}

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
export class SocketAddr extends Wrapper {
  static {
    registerWrapper(native.SocketAddr, this)
  }

  /** Parses `'127.0.0.1:8080'` or `'[::1]:8080'`; anything else throws `kind: 'InvalidInput'`. */
  static parse(addr: string): SocketAddr {
    return wrap(native.SocketAddr.parse(addr))
  }

  /** The IP address, as `'127.0.0.1'` or `'::1'`. */
  ip(): string {
    return nativeOf<native.SocketAddr>(this, SocketAddr).ip()
  }

  /** The port number. */
  port(): number {
    return nativeOf<native.SocketAddr>(this, SocketAddr).port()
  }

  /** Whether the IP is an IPv4 address. */
  isIpv4(): boolean {
    return nativeOf<native.SocketAddr>(this, SocketAddr).isIpv4()
  }

  /** Whether the IP is an IPv6 address. */
  isIpv6(): boolean {
    return nativeOf<native.SocketAddr>(this, SocketAddr).isIpv6()
  }

  /** `'127.0.0.1:8080'` or `'[::1]:8080'`, as Rust displays it. */
  toString(): string {
    return nativeOf<native.SocketAddr>(this, SocketAddr).toString()
  }

  /** Whether `other` is a `SocketAddr` with the same IP and port. */
  equals(other: SocketAddr): boolean {
    return nativeOf<native.SocketAddr>(this, SocketAddr).equals(toNative(other))
  }
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
export class Ready extends Wrapper {
  static {
    registerWrapper(native.Ready, this)
  }

  /** The socket has data to read (or the read side is closed). */
  isReadable(): boolean {
    return nativeOf<native.Ready>(this, Ready).isReadable()
  }

  /** The socket can take writes (or the write side is closed). */
  isWritable(): boolean {
    return nativeOf<native.Ready>(this, Ready).isWritable()
  }

  /** The peer closed its write side: reads will return 0. */
  isReadClosed(): boolean {
    return nativeOf<native.Ready>(this, Ready).isReadClosed()
  }

  /** The write side is closed: writes will fail. */
  isWriteClosed(): boolean {
    return nativeOf<native.Ready>(this, Ready).isWriteClosed()
  }

  /** An error is pending on the socket (see `takeError()`). */
  isError(): boolean {
    return nativeOf<native.Ready>(this, Ready).isError()
  }

  /** Priority (out-of-band) data is available. Always `false` off Linux and Android. */
  isPriority(): boolean {
    return nativeOf<native.Ready>(this, Ready).isPriority()
  }

  /** No readiness at all. */
  isEmpty(): boolean {
    return nativeOf<native.Ready>(this, Ready).isEmpty()
  }
}

/**
 * Readiness event interest, as bit flags that combine with `|`:
 * `stream.ready(Interest.READABLE | Interest.WRITABLE)` works as written in the tokio docs.
 * `PRIORITY` (out-of-band data) is Linux and Android only.
 */
export const Interest = Object.freeze({
  /** The socket has data to read, or its read side closed. */
  READABLE: 1,
  /** The socket can take writes, or its write side closed. */
  WRITABLE: 2,
  /** An error is pending on the socket. */
  ERROR: 4,
  /** Priority (out-of-band) data can be read. Linux and Android only. */
  PRIORITY: 8,
} as const)

/** One `Interest` flag. */
export type Interest = (typeof Interest)[keyof typeof Interest]
