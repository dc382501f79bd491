// tokio-net: tokio's TcpStream, TcpListener and TcpSocket (with tokio::io's buffered I/O and
// copies) for Node.js. The classes here hold the addon's native objects (binding.js) and give
// them their JavaScript face: types, docs, iteration, disposal and ReuniteError.

import { native } from './handle.js'

export { SocketAddr, Ready, Interest, type SocketAddrLike, type ToSocketAddrs } from './addr.js'
export { BufReader } from './buf_reader.js'
export { BufWriter } from './buf_writer.js'
export { BytesMut } from './bytes_mut.js'
export { copy, copyBidirectional, copyBuf } from './copy.js'
export { ReuniteError, type NetError, type NetErrorCode, type NetErrorKind } from './errors.js'
export { OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf } from './halves.js'
export { Lines } from './lines.js'
export { TcpListener } from './listener.js'
export type { OpOptions, TcpKeepaliveParams } from './options.js'
export { TcpSocket } from './socket.js'
export { StdTcpStream } from './std_stream.js'
export { TcpStream } from './stream.js'

/** The live registry entries of each kind in the calling Node environment. */
export interface ActiveHandles {
  /** `TcpStream`s, `asRef()` views included. */
  streams: number
  /** Halves, borrowed and owned. */
  halves: number
  listeners: number
  /** `TcpSocket`s not yet connected or listening. */
  sockets: number
  stdStreams: number
}

/**
 * The number of live handles of each kind in the calling Node environment (the main thread
 * or one worker). Everything closed or collected is no longer counted: all zeros means
 * nothing leaked.
 */
export function activeHandles(): ActiveHandles {
  return native.activeHandles()
}

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
export function driverPlace(): 'js-thread' | 'workers' {
  return native.driverPlace()
}

/**
 * Which binding artifact the loader loaded: `'native'` for a native addon, otherwise the
 * `platformArchABI` of a WASI flavor (`NAPI_RS_NATIVE_LIBRARY_PATH` can point the loader at one).
 */
export const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1' = native.__napiBindingTarget
