// Half-close both ways: allowHalfOpen true/false on either side.

import type { Scenario } from '../harness.js'
import { servePeer, watchedClient, watchedSocket } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'halfclose/server-allowHalfOpen-replies-after-client-end',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, {
        options: { allowHalfOpen: true },
        onConnection: (s) =>
          s.on('end', () => {
            ctx.state('peer', 'peer at end', s)
            s.end('pong')
            ctx.state('peer', 'peer after end(pong)', s)
          }),
      })
      const [c, clientClosed] = watchedClient(ctx, port)
      c.end('ping')
      await clientClosed
      await side.closed()
      ctx.state('client', 'client after close', c)
    },
  },
  {
    name: 'halfclose/client-allowHalfOpen-replies-after-server-end',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { onConnection: (s) => s.end('hello') })
      const [c, clientClosed] = watchedSocket(ctx, ctx.net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }))
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
      const { port, side } = await servePeer(ctx, { onConnection: (s) => s.on('end', () => ctx.state('peer', 'peer at end', s)) })
      const [c, clientClosed] = watchedClient(ctx, port)
      c.end('x')
      await clientClosed
      await side.closed()
    },
  },
  {
    name: 'halfclose/both-allowHalfOpen-peer-writes-after-end',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, {
        options: { allowHalfOpen: true },
        onConnection: (s) =>
          s.on('end', () => {
            ctx.log('peer', `peer write after end -> ${String(s.write('late1'))}`)
            setImmediate(() => {
              s.write('late2')
              s.end()
            })
          }),
      })
      const [c, clientClosed] = watchedSocket(ctx, ctx.net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }))
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
      const { port, side } = await servePeer(ctx, { onConnection: (s) => s.end('first') })
      const [c, clientClosed] = watchedSocket(ctx, new ctx.net.Socket({ allowHalfOpen: true }))
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
