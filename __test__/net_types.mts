// Type-level test, compiled by `tsc --noEmit -p .` (never run): net_types.ts's checks for an ES
// module user, whose types come from dist/net/index.d.mts.

import http from 'node:http'
import type nodeNet from 'node:net'
import tls from 'node:tls'

import net, { Socket, createConnection } from 'tokio-net/net'

const socket: nodeNet.Socket = net.connect(8080, '127.0.0.1')
const constructed: nodeNet.Socket = new Socket()
tls.connect({ socket })
const agent = new http.Agent()
agent.createConnection = createConnection
http.get({ agent: false, createConnection: net.createConnection })

// @ts-expect-error: a Server is not a net.Socket
const notASocket: nodeNet.Socket = net.createServer()

export { constructed, notASocket }
