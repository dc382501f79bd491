// Addresses (IPv4, IPv6 ::1, after close), readyState through a connection's life,
// bytesRead/bytesWritten after an exchange, a Socket connected again after it closed.

import type { Scenario, Socket } from '../harness.js'
import { closed, echo, echoServer, servePeer, watchedClient, watchedSocket } from './_util.js'

function addr(s: Socket): string {
  const a = s.address()
  const shown = a && typeof a === 'object' && 'port' in a ? { ...a, port: a.port > 0 ? '<port>' : a.port } : a
  return JSON.stringify(shown)
}

function port(p: number | undefined): string {
  return typeof p === 'number' && p > 0 ? '<port>' : String(p)
}

export const scenarios: Scenario[] = [
  {
    name: 'ipv6/listen-and-connect-on-::1',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer((s: Socket) => {
        ctx.own(s)
        ctx.log('peer', `remoteAddress=${String(s.remoteAddress)} remoteFamily=${String(s.remoteFamily)} localAddress=${String(s.localAddress)}`)
        echo(s)
      }))
      const p = await ctx.listen(server, '::1')
      const a = server.address()
      ctx.log('server', `address=${JSON.stringify(a && typeof a === 'object' ? { ...a, port: '<port>' } : a)}`)
      const c = ctx.own(ctx.net.connect(p, '::1'))
      ctx.watchSocket(c, 'client')
      await ctx.once(c, 'connect', 'client')
      ctx.log('client', `remoteAddress=${String(c.remoteAddress)} remoteFamily=${String(c.remoteFamily)} remotePort=${port(c.remotePort)}`)
      ctx.log('client', `localAddress=${String(c.localAddress)} localFamily=${String(c.localFamily)} address()=${addr(c)}`)
      c.end('v6')
      await closed(ctx, c, 'client')
    },
  },
  {
    name: 'addr/ipv4-addresses-while-connected',
    async run(ctx) {
      const { client } = await ctx.pair()
      ctx.log('client', `remoteAddress=${String(client.remoteAddress)} remoteFamily=${String(client.remoteFamily)} remotePort=${port(client.remotePort)}`)
      ctx.log('client', `localAddress=${String(client.localAddress)} localFamily=${String(client.localFamily)} localPort=${port(client.localPort)} address()=${addr(client)}`)
      const attempted = (client as unknown as { autoSelectFamilyAttemptedAddresses?: string[] }).autoSelectFamilyAttemptedAddresses
      ctx.log('client', `autoSelectFamilyAttemptedAddresses=${JSON.stringify(attempted?.map((a) => a.replace(/:\d+$/, ':<port>')))}`)
    },
  },
  {
    name: 'addr/addresses-after-close-asked-before',
    async run(ctx) {
      const { client } = await ctx.pair()
      // Asked while connected (node:net caches the peer's address when first asked).
      ctx.log('client', `while connected: remoteAddress=${String(client.remoteAddress)} localAddress=${String(client.localAddress)}`)
      const done = closed(ctx, client, 'client')
      client.destroy()
      await done
      ctx.log('client', `after close: remoteAddress=${String(client.remoteAddress)} remotePort=${port(client.remotePort)} remoteFamily=${String(client.remoteFamily)}`)
      ctx.log('client', `after close: localAddress=${String(client.localAddress)} localPort=${port(client.localPort)} address()=${addr(client)}`)
    },
  },
  {
    name: 'addr/addresses-after-close-never-asked',
    async run(ctx) {
      const { client } = await ctx.pair()
      const done = closed(ctx, client, 'client')
      client.destroy()
      await done
      ctx.log('client', `after close: remoteAddress=${String(client.remoteAddress)} remotePort=${port(client.remotePort)} remoteFamily=${String(client.remoteFamily)}`)
      ctx.log('client', `after close: localAddress=${String(client.localAddress)} address()=${addr(client)}`)
    },
  },
  {
    name: 'addr/readyState-through-a-connection',
    async run(ctx) {
      // The half-open peer ends back only when the scenario says so, after the client's 'finish'.
      const { port: p, side } = await servePeer(ctx, { options: { allowHalfOpen: true }, watch: [] })
      const [s, done] = watchedSocket(ctx, new ctx.net.Socket(), 's', ['finish'])
      s.on('connect', () => ctx.state('s', 'at connect', s))
      s.on('end', () => ctx.state('s', 'at end', s))
      ctx.state('s', 'new', s)
      s.connect(p, '127.0.0.1')
      ctx.state('s', 'connecting', s)
      await ctx.once(s, 'connect', 's')
      const finished = ctx.once(s, 'finish', 's')
      s.end()
      ctx.state('s', 'after end()', s)
      await finished
      ctx.state('s', 'after finish', s)
      await side.ended()
      ;(await side.socket()).end('bye')
      await done
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'addr/bytesRead-bytesWritten-after-an-exchange',
    async run(ctx) {
      const { port: p, side } = await servePeer(ctx, { watch: [], onConnection: echo })
      const [c, done] = watchedClient(ctx, p)
      ctx.bytes('client', 'before connect', c)
      c.write('hello')
      ctx.bytes('client', 'after a write while connecting', c)
      await ctx.once(c, 'connect', 'client')
      c.write(Buffer.from([1, 2, 3]))
      c.write('€')
      ctx.bytes('client', 'after writes', c)
      c.end()
      await done
      await side.closed()
      ctx.bytes('client', 'client after close', c)
      ctx.bytes('client', 'peer after close', await side.socket())
    },
  },
  {
    name: 'addr/socket-connects-again-after-close',
    async run(ctx) {
      const { port: p } = await echoServer(ctx)
      const s = ctx.own(new ctx.net.Socket())
      ctx.watchSocket(s, 's')
      s.connect(p, '127.0.0.1')
      await ctx.once(s, 'connect', 's')
      s.end('one')
      await closed(ctx, s, 's')
      ctx.state('s', 'closed', s)
      ctx.call('s', 'connect() again', () => s.connect(p, '127.0.0.1'), s)
      await ctx.once(s, 'connect', 's')
      ctx.state('s', 'connected again', s)
      ctx.bytes('s', 'connected again', s)
      s.end('two')
      await closed(ctx, s, 's')
      ctx.bytes('s', 'closed again', s)
    },
  },
]
