// The ESM face of tokio-net/net: the same objects as the CommonJS build (one Socket class, one
// registry of handles), re-exported by name.
import cjs from './index.js'

export const { Socket, Stream, Server, connect, createConnection, createServer, isIP, isIPv4, isIPv6 } = cjs
export type { AddressInfo, ConnectOptions, ConnectionListener, ListenOptions, LookupFunction, OnReadOptions, ServerOptions, SocketOptions, SystemError } from './index.js'
export default cjs.default
