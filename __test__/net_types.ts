// Type-level test, compiled by `tsc --noEmit -p .` (never run): a tokio-net/net Socket, and the
// factory functions, go where Node's own types want a net.Socket, a Duplex or a connection
// factory, without a cast. This file imports the package as a CommonJS user does (the types in
// dist/net/index.d.ts); net_types.mts does the same through `import` (dist/net/index.d.mts).

import http from 'node:http'
import type nodeNet from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'

import type { NetStream } from 'ioredis/built/types'
import pg from 'pg'
import { Agent as UndiciAgent, Client as UndiciClient, type buildConnector } from 'undici'

import net, { Socket } from 'tokio-net/net'

// A Socket is a net.Socket and a Duplex, whichever way it was made.
const connected: nodeNet.Socket = net.connect(8080, '127.0.0.1')
const created: nodeNet.Socket = net.createConnection({ port: 8080, host: '127.0.0.1' })
const constructed: nodeNet.Socket = new Socket()
const duplex: Duplex = connected
const redisStream: NetStream = created

// tls: a client on a tokio-net Socket, and the server side of an accepted one.
tls.connect({ socket: connected, host: '127.0.0.1' })
net.createServer((accepted) => new tls.TLSSocket(accepted, { isServer: true }))

// http: the agent's factory and the request option take tokio-net/net's as they are.
const agent = new http.Agent({ keepAlive: true })
agent.createConnection = net.createConnection
http.get({ host: '127.0.0.1', port: 8080, agent: false, createConnection: net.createConnection })
http.request({ host: '127.0.0.1', port: 8080, createConnection: net.connect })

// undici: a connect function, typed by undici, that hands back a tokio-net Socket.
const connect: buildConnector.connector = (opts, callback) => {
  const socket = net.connect({ host: opts.hostname, port: Number(opts.port) })
  socket.once('connect', () => callback(null, socket))
  socket.once('error', (err) => callback(err, null))
}
new UndiciClient('http://127.0.0.1:8080', { connect })
new UndiciAgent({ connect })

// node-postgres: its `stream` factory.
new pg.Client({ stream: () => new Socket() })

// The checks above are not vacuous: something that is not a socket is still refused.
// @ts-expect-error: a Server is not a net.Socket
const notASocket: nodeNet.Socket = net.createServer()

export { constructed, duplex, notASocket, redisStream }
