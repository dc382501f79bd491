// Argument normalisation for connect() and listen(), with Node's validation errors.

import dns from 'node:dns'
import { isIP } from 'node:net'
import util from 'node:util'

import { codedError, onlyTcp } from './errors.js'

/** Options of `connect()` / `createConnection()` (TCP forms of `net.TcpNetConnectOpts`). */
export interface ConnectOptions {
  /** `null` is accepted as a type (http's request options allow it) and refused at run time, as node:net refuses it. */
  port?: number | string | null
  /** `null` (or empty) means `'localhost'`, as on node:net. */
  host?: string | null
  localAddress?: string | null
  localPort?: number | null
  family?: number | null
  hints?: number | null
  lookup?: LookupFunction | null
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
  timeout?: number
  allowHalfOpen?: boolean
  signal?: AbortSignal
  onread?: OnReadOptions
  highWaterMark?: number
  /** Unix domain sockets are not supported: a string here throws `ERR_INVALID_ARG_VALUE`. */
  path?: string | null
  autoSelectFamily?: boolean
  autoSelectFamilyAttemptTimeout?: number
}

export interface LookupAddress {
  address: string
  family: number
}

export interface LookupOptions {
  /** 0, 4 or 6; undefined when `connect()` was given no family, as node:net passes it. */
  family?: number
  hints?: number
  /** Set when `connect()` wants every address (no family asked for, `autoSelectFamily` on). */
  all?: boolean
}

/**
 * `dns.lookup`'s shape. Called as node:net calls it: with `all: true` (answer a list) unless a
 * family, a local address or `autoSelectFamily: false` was given (answer one address).
 */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void

export interface OnReadOptions {
  /** Reused for every read, or a function returning the buffer to read into. */
  buffer: Uint8Array | (() => Uint8Array)
  /** Called with each chunk's size and the buffer; returning `false` pauses the socket. */
  callback(bytesWritten: number, buf: Uint8Array): boolean | void
}

/**
 * The `connect` listener: called with no arguments once connected, as on node:net. Typed to take
 * a function of any parameters, so that a callback of another shape that tolerates that call
 * type-checks as it runs: http's `createConnection(options, oncreate)` passes its `oncreate(err,
 * socket)` here, and ignores the call because `createConnection` returned the socket.
 */
export type ConnectCallback = (...args: never[]) => void
export type ConnectArgs = [ConnectOptions | number | string, (string | ConnectCallback)?, ConnectCallback?]

/** node:net's test: a string that is not a non-negative number names a pipe. */
export function isPipeName(s: unknown): boolean {
  return typeof s === 'string' && !(Number(s) >= 0)
}

/** `(port[, host][, cb])` or `(options[, cb])` → `[options, cb]`. A path string throws. */
export function normalizeConnectArgs(args: readonly unknown[]): [ConnectOptions, ConnectCallback | undefined] {
  let options: ConnectOptions
  const first = args[0]
  if (first !== null && typeof first === 'object') {
    options = first
  } else if (isPipeName(first)) {
    throw onlyTcp('path', first)
  } else {
    options = { port: first as number | string }
    if (typeof args[1] === 'string') options.host = args[1]
  }
  if (typeof options.path === 'string') throw onlyTcp('options.path', options.path)
  const last = args[args.length - 1]
  return [options, typeof last === 'function' ? (last as ConnectCallback) : undefined]
}

function badPort(name: string, port: unknown): RangeError {
  return codedError(
    RangeError,
    'ERR_SOCKET_BAD_PORT',
    `${name} should be >= 0 and < 65536. Received ${typeof port} (${util.inspect(port)}).`,
  )
}

/** Node's `validatePort`: a number or numeric string in 0..65535 (`allowZero` false for connect). */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  const ok =
    (typeof port === 'number' || (typeof port === 'string' && port.trim().length !== 0)) &&
    +port === +port >>> 0 &&
    +port <= 0xffff &&
    (allowZero || +port !== 0)
  if (!ok) throw badPort(name, port)
  return +port
}

const VALID_HINTS = dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL

export function validateConnectOptions(o: ConnectOptions): void {
  if (o.port === undefined) {
    throw codedError(TypeError, 'ERR_MISSING_ARGS', 'The "options" or "port" or "path" argument must be specified')
  }
  if (typeof o.port !== 'number' && typeof o.port !== 'string') {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.port" property must be one of type number or string. Received ${util.inspect(o.port)}`)
  }
  if (o.hints != null && o.hints !== 0 && (typeof o.hints !== 'number' || (o.hints & ~VALID_HINTS) !== 0)) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'hints' is invalid. Received ${util.inspect(o.hints)}`)
  }
  if (o.host !== undefined && o.host !== null && typeof o.host !== 'string') {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.host" property must be of type string. Received ${util.inspect(o.host)}`)
  }
  if (o.localAddress != null && !isIP(o.localAddress)) {
    throw codedError(TypeError, 'ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(o.localAddress)}`)
  }
  if (o.localPort != null && typeof o.localPort !== 'number') {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.localPort" property must be of type number. Received ${util.inspect(o.localPort)}`)
  }
  if (o.lookup != null && typeof o.lookup !== 'function') {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.lookup" property must be of type function. Received ${util.inspect(o.lookup)}`)
  }
}

/** Options of `Server.listen()` (TCP forms of `net.ListenOptions`). */
export interface ListenOptions {
  port?: number | string
  host?: string
  backlog?: number
  ipv6Only?: boolean
  exclusive?: boolean
  signal?: AbortSignal
  /** Unix domain sockets are not supported: a string here throws `ERR_INVALID_ARG_VALUE`. */
  path?: string
}

export type ListenCallback = () => void

/** Every `listen()` form → `[options, cb]`; Node's `normalizeArgs` plus `(port, backlog, cb)`. */
export function normalizeListenArgs(args: readonly unknown[]): [ListenOptions, ListenCallback | undefined] {
  const rest = [...args]
  const cb = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as ListenCallback) : undefined
  const first = rest[0]
  let options: ListenOptions
  if (first !== null && typeof first === 'object') {
    const o = first as ListenOptions & { fd?: unknown; handle?: unknown; _handle?: unknown }
    if (o.fd !== undefined || o.handle !== undefined || o._handle !== undefined) throw onlyTcp('options', first)
    options = { ...o }
    if (options.port === undefined && typeof options.path !== 'string' && options.host === undefined) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'options' must have the property "port" or "path". Received ${util.inspect(first)}`)
    }
  } else if (isPipeName(first)) {
    throw onlyTcp('path', first)
  } else {
    options = {}
    if (first !== undefined && first !== null) options.port = first as number | string
    if (typeof rest[1] === 'string') {
      options.host = rest[1]
      if (typeof rest[2] === 'number') options.backlog = rest[2]
    } else if (typeof rest[1] === 'number') {
      options.backlog = rest[1]
    }
  }
  if (typeof options.path === 'string') throw onlyTcp('options.path', options.path)
  if (options.port !== undefined) options.port = validatePort(options.port, 'options.port')
  return [options, cb]
}
