// Server: close with open connections (callback only after they end), getConnections,
// maxConnections and 'drop', close before listening, close right after listen(), the order of
// an accepted socket's 'close' and the server's, address()/listening through its life.

import type { Scenario, Socket } from '../harness.js'
import { closeRecorded, closed, echo, nextConnection, watchedClient, watchedSocket } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'server/close-waits-for-open-connections',
    async run(ctx) {
      const { client, peer, server } = await ctx.pair()
      // One channel: the accepted socket's events and the server's, in their relative order.
      ctx.watchServer(server, 'server', { channel: 'srv' })
      ctx.watchSocket(peer, 'peer', [], { channel: 'srv' })
      ctx.watchSocket(client, 'client')
      const serverClosed = ctx.once(server, 'close', 'server')
      ctx.call('srv', 'server.close(cb)', () => server.close(ctx.cb('srv', 'close callback')), server)
      ctx.log('srv', `after close(): listening=${String(server.listening)} address=${JSON.stringify(server.address())}`)
      const count = await new Promise<unknown[]>((r) => server.getConnections((...a: unknown[]) => r(a)))
      ctx.log('srv', `getConnections -> ${JSON.stringify(count)}`)
      // Bounded: shows the server does not close while a connection is open.
      await ctx.quiet(50, "no server 'close' while a connection is open")
      ctx.log('srv', 'client.end()')
      const clientClosed = closed(ctx, client, 'client')
      client.end()
      await serverClosed
      await clientClosed
    },
  },
  {
    name: 'server/getConnections-counts-open-connections',
    async run(ctx) {
      const { server, port } = await ctx.serve({}, echo)
      const count = (): Promise<string> => new Promise((r) => server.getConnections((err, n) => r(`${String(err)} ${n}`)))
      ctx.log('server', `no connection: ${await count()}`)
      const accepted1 = nextConnection(ctx, server)
      const c1 = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      const p1 = await accepted1
      const accepted2 = nextConnection(ctx, server)
      const c2 = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      await accepted2
      ctx.log('server', `two connections: ${await count()}`)
      const p1Closed = ctx.once(p1, 'close', 'peer1')
      c1.destroy()
      await p1Closed
      ctx.log('server', `one closed: ${await count()}`)
      c2.destroy()
    },
  },
  {
    name: 'server/maxConnections-drops-with-a-drop-event',
    async run(ctx) {
      const { server, port } = await ctx.serve({}, echo)
      server.maxConnections = 1
      ctx.watchServer(server, 'server')
      const accepted = nextConnection(ctx, server)
      const c1 = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      await accepted
      const dropped = ctx.once(server, 'drop', 'server')
      const [, c2Closed] = watchedClient(ctx, port, 'dropped client')
      await dropped
      await c2Closed
      c1.destroy()
    },
  },
  {
    name: 'server/close-before-listen-calls-back-ERR_SERVER_NOT_RUNNING',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer())
      ctx.watchServer(server, 'server')
      await closeRecorded(ctx, server, 'server')
      await ctx.turns()
      ctx.call('server', 'close() again', () => server.close(), server)
      await ctx.turns()
    },
  },
  {
    name: 'server/close-right-after-listen',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer())
      ctx.watchServer(server, 'server')
      server.listen(0, '127.0.0.1')
      await closeRecorded(ctx, server, 'server', 'close(cb) before listening')
      // Bounded: shows no late 'listening' comes after the close.
      await ctx.quiet(50, "no 'listening' after close()")
      ctx.log('server', `listening=${String(server.listening)} address=${JSON.stringify(server.address())}`)
    },
  },
  {
    name: 'server/close-order-of-server-and-accepted-socket',
    async run(ctx) {
      const { client, peer, server } = await ctx.pair()
      ctx.watchServer(server, 'server', { channel: 'srv' })
      ctx.watchSocket(peer, 'peer', [], { channel: 'srv' })
      const serverClosed = ctx.once(server, 'close', 'server')
      const peerClosed = closed(ctx, peer, 'peer')
      // The server closes while the connection is ending: when the peer reads the client's FIN.
      peer.on('end', () => {
        ctx.log('srv', 'server.close()')
        server.close()
      })
      client.end()
      await serverClosed
      await peerClosed
    },
  },
  {
    name: 'server/address-and-listening-through-its-life',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer())
      ctx.watchServer(server, 'server')
      const show = (when: string): void => ctx.log('server', `${when}: listening=${String(server.listening)} address=${ctxFmtAddress(server.address())}`)
      show('new')
      const listening = ctx.once(server, 'listening', 'server')
      ctx.call('server', 'listen(0, 127.0.0.1, cb)', () => server.listen(0, '127.0.0.1', ctx.cb('server', 'listen callback')), server)
      show('after listen()')
      await listening
      show('listening')
      ctx.call('server', 'listen() again', () => server.listen(0, '127.0.0.1'), server)
      const closing = ctx.once(server, 'close', 'server')
      server.close()
      show('after close()')
      await closing
      show('closed')
      const again = ctx.once(server, 'listening', 'server')
      ctx.call('server', 'listen() after close', () => server.listen(0, '127.0.0.1'), server)
      await again
      show('listening again')
      const closing2 = ctx.once(server, 'close', 'server')
      server.close()
      await closing2
    },
  },
  {
    name: 'server/accepted-socket-properties',
    async run(ctx) {
      const { client, peer, server } = await ctx.pair()
      ctx.log('peer', `server===server: ${String((peer as unknown as { server?: unknown }).server === server)}`)
      ctx.log('peer', `remoteAddress=${String(peer.remoteAddress)} remoteFamily=${String(peer.remoteFamily)} remotePort===client.localPort: ${String(peer.remotePort === client.localPort)}`)
      ctx.log('peer', `localAddress=${String(peer.localAddress)} localFamily=${String(peer.localFamily)} localPort===client.remotePort: ${String(peer.localPort === client.remotePort)}`)
      ctx.state('peer', 'peer', peer)
      ctx.log('peer', `allowHalfOpen=${String(peer.allowHalfOpen)} isPaused=${String(peer.isPaused())} readableFlowing=${String(peer.readableFlowing)}`)
      ctx.log('peer', `bytesRead=${peer.bytesRead} bytesWritten=${peer.bytesWritten} timeout=${String(peer.timeout)}`)
    },
  },
  {
    name: 'server/listen-without-host-is-dual-stack',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer((s: Socket) => {
        s.on('error', () => {})
        s.end(`${String(s.remoteFamily)}`)
      }))
      const listening = ctx.once(server, 'listening', 'server')
      server.listen(0)
      await listening
      const a = server.address()
      ctx.log('server', `address=${ctxFmtAddress(a)}`)
      const port = a && typeof a === 'object' ? a.port : 0
      for (const host of ['127.0.0.1', '::1']) {
        const [, done] = watchedSocket(ctx, ctx.net.connect(port, host), host)
        await done
      }
    },
  },
  {
    // node:net takes a null or empty host as no host at all.
    name: 'server/listen-with-a-null-or-empty-host-is-any-address',
    async run(ctx) {
      for (const [label, listen] of [
        ['listen({ port: 0, host: null })', (srv: import('node:net').Server) => srv.listen({ port: 0, host: null as unknown as string })],
        ["listen(0, '')", (srv: import('node:net').Server) => srv.listen(0, '')],
      ] as const) {
        const server = ctx.own(ctx.net.createServer())
        ctx.watchServer(server, label)
        const listening = ctx.once(server, 'listening', label)
        ctx.call(label, label, () => listen(server), server)
        await listening
        ctx.log(label, `address=${ctxFmtAddress(server.address())}`)
      }
    },
  },
  {
    // node:net takes a negative highWaterMark as the default one.
    name: 'server/negative-highWaterMark-is-the-default',
    async run(ctx) {
      const { port } = await ctx.serve({ highWaterMark: -5 }, (s) => {
        s.on('error', () => {})
        ctx.log('server', `readableHighWaterMark=${s.readableHighWaterMark}`)
        s.end('served')
      })
      const [, done] = watchedClient(ctx, port, 'client')
      await done
    },
  },
]

function ctxFmtAddress(a: ReturnType<import('node:net').Server['address']>): string {
  if (a === null || typeof a === 'string') return JSON.stringify(a)
  return JSON.stringify({ ...a, port: a.port > 0 ? '<port>' : a.port })
}
