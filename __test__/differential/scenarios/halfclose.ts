// Half-close both ways: allowHalfOpen true/false on either side.

import type { Scenario, Socket } from '../harness.js'
import { closed, peerSide } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'halfclose/server-allowHalfOpen-replies-after-client-end',
    async run(ctx) {
      const side = peerSide(ctx)
      const { port } = await ctx.serve({ allowHalfOpen: true }, (s) => {
        ctx.watchSocket(s, 'peer')
        side.accept(s)
        s.on('end', () => {
          ctx.state('peer', 'peer at end', s)
          s.end('pong')
          ctx.state('peer', 'peer after end(pong)', s)
        })
      })
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(c, 'client')
      const clientClosed = closed(ctx, c, 'client')
      c.end('ping')
      await clientClosed
      await side.closed()
      ctx.state('client', 'client after close', c)
    },
  },
  {
    name: 'halfclose/client-allowHalfOpen-replies-after-server-end',
    async run(ctx) {
      const side = peerSide(ctx)
      const { port } = await ctx.serve({}, (s) => {
        ctx.watchSocket(s, 'peer')
        side.accept(s)
        s.end('hello')
      })
      const c = ctx.own(ctx.net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }))
      ctx.watchSocket(c, 'client')
      const clientClosed = closed(ctx, c, 'client')
      c.on('end', () => {
        ctx.state('client', 'client at end', c)
        c.end('back')
      })
      await clientClosed
      await side.closed()
      ctx.state('client', 'client after close', c)
    },
  },
  {
    name: 'halfclose/no-allowHalfOpen-peer-ends-by-itself',
    async run(ctx) {
      const side = peerSide(ctx)
      const { port } = await ctx.serve({}, (s) => {
        ctx.watchSocket(s, 'peer')
        side.accept(s)
        s.on('end', () => ctx.state('peer', 'peer at end', s))
      })
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(c, 'client')
      const clientClosed = closed(ctx, c, 'client')
      c.end('x')
      await clientClosed
      await side.closed()
    },
  },
  {
    name: 'halfclose/both-allowHalfOpen-peer-writes-after-end',
    async run(ctx) {
      const side = peerSide(ctx)
      const { port } = await ctx.serve({ allowHalfOpen: true }, (s) => {
        ctx.watchSocket(s, 'peer')
        side.accept(s)
        s.on('end', () => {
          ctx.log('peer', `peer write after end -> ${String(s.write('late1'))}`)
          setImmediate(() => {
            s.write('late2')
            s.end()
          })
        })
      })
      const c = ctx.own(ctx.net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }))
      ctx.watchSocket(c, 'client')
      const clientClosed = closed(ctx, c, 'client')
      c.on('end', () => ctx.state('client', 'client at end', c))
      c.end()
      await clientClosed
      await side.closed()
      ctx.state('peer', 'peer after close', await side.socket())
    },
  },
  {
    name: 'halfclose/new-Socket-allowHalfOpen-option',
    async run(ctx) {
      const side = peerSide(ctx)
      const { port } = await ctx.serve({}, (s) => {
        side.accept(s)
        ctx.watchSocket(s, 'peer')
        s.end('first')
      })
      const c = ctx.own(new ctx.net.Socket({ allowHalfOpen: true }))
      ctx.watchSocket(c, 'client')
      const clientClosed = closed(ctx, c, 'client')
      c.on('end', () => {
        ctx.log('client', `allowHalfOpen=${String(c.allowHalfOpen)} writable=${String(c.writable)}`)
        c.end('reply')
      })
      c.connect(port, '127.0.0.1')
      await clientClosed
      await side.closed()
    },
  },
]
