// The ESM face of tokio-net/net: the same objects as the CommonJS build (one Socket class, one
// registry of handles), re-exported by name.
import cjs from './index.js'
import type { Server as ServerClass, Socket as SocketClass } from './index.js'

export const { Socket, Stream, Server, connect, createConnection, createServer, isIP, isIPv4, isIPv6 } = cjs
// The classes are types too, as they are for CommonJS users: `const s: Socket = net.connect(...)`.
export type Socket = SocketClass
export type Stream = SocketClass
export type Server = ServerClass
export type { AddressInfo, ConnectCallback, ConnectOptions, ConnectionListener, ListenOptions, LookupFunction, OnReadOptions, ServerOptions, SocketOptions, SystemError } from './index.js'
export default cjs.default
