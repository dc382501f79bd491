// The tokio-net/net specs' helpers (net_*.spec.ts, node_net_*.spec.ts): servers, sockets and
// events of the node:net-compatible adapter. Not re-exported by index.ts: this file loads
// tokio-net/net (lib/net), which the core specs (run under Bun and Deno too, see
// runtimes/plan.ts) leave out.

import { once } from 'node:events'
import type { EventEmitter } from 'node:events'

import type { ExecutionContext } from 'ava'

import net from '../../lib/net/index.js'
import type { Server, Socket } from '../../lib/net/index.js'

import { guard } from './async.js'

/** Waits for `event` on `emitter` (rejecting on 'error'), failing with `label` on a hang. */
export async function waitFor<T extends unknown[] = unknown[]>(emitter: EventEmitter, event: string, label = event): Promise<T> {
  return (await guard(once(emitter, event), `${label}: waiting for '${event}'`)) as T
}

/** Starts `server` on 127.0.0.1 (or `host`) with a free port; closes it when the test ends. */
export async function listen(t: ExecutionContext, server: Server, host = '127.0.0.1'): Promise<number> {
  t.teardown(() => {
    server.close()
  })
  server.listen(0, host)
  await waitFor(server, 'listening', 'listen')
  const a = server.address()
  if (!a) throw new Error('listening server has no address')
  return a.port
}

/** Destroys `socket` when the test ends. */
export function own<T extends Socket>(t: ExecutionContext, socket: T): T {
  t.teardown(() => {
    socket.destroy()
  })
  return socket
}

/** Everything `socket` delivers ('data' events) until 'end'. */
export async function receiveAll(socket: Socket, label = 'receiveAll'): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await waitFor(socket, 'end', label)
  return Buffer.concat(chunks)
}

/** An echo server (each connection pipes back into itself) on a free port. */
export async function echoServer(t: ExecutionContext, options: { allowHalfOpen?: boolean } = {}): Promise<[Server, number]> {
  const server = net.createServer(options, (s) => s.pipe(s))
  const port = await listen(t, server)
  return [server, port]
}

/** A connected client and the server side of the connection, both destroyed at test end. */
export async function socketPair(t: ExecutionContext, serverOptions: { allowHalfOpen?: boolean; pauseOnConnect?: boolean } = {}, clientOptions: { allowHalfOpen?: boolean } = {}): Promise<[Socket, Socket, Server]> {
  const server = net.createServer(serverOptions)
  const port = await listen(t, server)
  const accepted = waitFor<[Socket]>(server, 'connection', 'socketPair: accept')
  const client = own(t, net.connect({ port, host: '127.0.0.1', ...clientOptions }))
  const [[peer]] = await Promise.all([accepted, waitFor(client, 'connect', 'socketPair: connect')])
  own(t, peer)
  return [client, peer, server]
}

/** Records the order of `events` on `emitter`. */
export function recordEvents(emitter: EventEmitter, events: string[]): string[] {
  const seen: string[] = []
  for (const e of events) emitter.on(e, () => seen.push(e))
  return seen
}
