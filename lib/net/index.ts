// tokio-net/net: node:net's TCP surface (Socket, Server, connect, createServer, isIP*) on tokio.
// `import net from 'tokio-net/net'` in place of `import net from 'node:net'`.

import { isIP, isIPv4, isIPv6 } from 'node:net'

import { type ConnectCallback, type ConnectOptions, normalizeConnectArgs } from './args.js'
import { type ConnectionListener, Server, type ServerOptions } from './server.js'
import { Socket } from './socket.js'

export type { ConnectCallback, ConnectOptions, ListenOptions, LookupFunction, OnReadOptions } from './args.js'
export type { SystemError } from './errors.js'
export type { ConnectionListener, ServerOptions } from './server.js'
export type { AddressInfo, SocketOptions } from './socket.js'
export { Server, Socket, isIP, isIPv4, isIPv6 }

/**
 * `connect(options[, cb])`, `connect(port[, host][, cb])`: a new Socket, connecting. Its type
 * fits where Node's types take a connection factory (`http.Agent#createConnection`, the
 * `createConnection` request option), so it is handed over without a cast.
 */
export function connect(options: ConnectOptions, connectListener?: ConnectCallback): Socket
export function connect(port: number | string, host?: string, connectListener?: ConnectCallback): Socket
export function connect(port: number | string, connectListener?: ConnectCallback): Socket
export function connect(...args: unknown[]): Socket {
  const [options] = normalizeConnectArgs(args)
  const socket = new Socket({
    allowHalfOpen: options.allowHalfOpen,
    highWaterMark: options.highWaterMark,
    signal: options.signal,
    onread: options.onread,
    noDelay: options.noDelay,
    keepAlive: options.keepAlive,
    keepAliveInitialDelay: options.keepAliveInitialDelay,
  })
  return (socket.connect as (...a: unknown[]) => Socket)(...args)
}

/** The same function as `connect`. */
export const createConnection = connect

/** `createServer([options][, connectionListener])`: a new, not yet listening Server. */
export function createServer(connectionListener?: ConnectionListener): Server
export function createServer(options?: ServerOptions, connectionListener?: ConnectionListener): Server
export function createServer(options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener): Server {
  return typeof options === 'function' ? new Server(options) : new Server(options, connectionListener)
}

/** node:net's legacy alias of `Socket`. */
export const Stream = Socket

const net = { Socket, Stream, Server, connect, createConnection, createServer, isIP, isIPv4, isIPv6 }
export default net
