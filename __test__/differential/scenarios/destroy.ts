// destroy() in every state, with and without an error; resetAndDestroy; destroySoon.

import type { Scenario, Socket } from '../harness.js'
import { closed, echoServer, peerSide } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'destroy/before-connect',
    async run(ctx) {
      const s = ctx.own(new ctx.net.Socket())
      ctx.watchSocket(s, 's')
      const done = closed(ctx, s, 's')
      ctx.state('s', 'new', s)
      ctx.call('s', 'destroy()', () => s.destroy(), s)
      ctx.state('s', 'after destroy()', s)
      await done
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/while-connecting',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const s = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(s, 's')
      const done = closed(ctx, s, 's')
      ctx.state('s', 'connecting', s)
      ctx.call('s', 'destroy()', () => s.destroy(), s)
      ctx.state('s', 'after destroy()', s)
      await done
      // Bounded: shows no late 'connect' or 'error' follows the close.
      await ctx.quiet(50, "no 'connect' after a destroy while connecting")
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/connected',
    async run(ctx) {
      const { client, peer } = await ctx.pair()
      ctx.watchSocket(client, 'client')
      ctx.watchSocket(peer, 'peer')
      const done = Promise.all([closed(ctx, client, 'client'), closed(ctx, peer, 'peer')])
      ctx.call('client', 'destroy()', () => client.destroy(), client)
      ctx.state('client', 'after destroy()', client)
      await done
      ctx.state('client', 'after close', client)
    },
  },
  {
    name: 'destroy/after-end-finished',
    async run(ctx) {
      // The peer allows half-open, so it never ends back: the client's only 'end' would be ours.
      const { client, peer } = await ctx.pair({ allowHalfOpen: true })
      ctx.watchSocket(client, 'client', ['finish'])
      ctx.watch(peer, 'peer', ['end'])
      const peerEnded = ctx.once(peer, 'end', 'peer')
      const done = closed(ctx, client, 'client')
      client.end()
      await ctx.once(client, 'finish', 'client')
      ctx.state('client', 'after finish', client)
      ctx.call('client', 'destroy()', () => client.destroy(), client)
      await done
      await peerEnded
      ctx.state('client', 'after close', client)
    },
  },
  {
    name: 'destroy/after-close-is-a-no-op',
    async run(ctx) {
      const { client } = await ctx.pair()
      ctx.watchSocket(client, 'client')
      const done = closed(ctx, client, 'client')
      client.end()
      await done
      ctx.call('client', 'destroy() again', () => client.destroy(), client)
      ctx.call('client', 'destroy(err) again', () => client.destroy(new Error('late')), client)
      // Bounded: shows a destroy after close emits neither 'error' nor a second 'close'.
      await ctx.quiet(50, 'no events after a destroy of a closed socket')
      ctx.state('client', 'after', client)
    },
  },
  {
    name: 'destroy/with-error-connected',
    async run(ctx) {
      const { client, peer } = await ctx.pair()
      ctx.watchSocket(client, 'client')
      ctx.watchSocket(peer, 'peer')
      const done = Promise.all([closed(ctx, client, 'client'), closed(ctx, peer, 'peer')])
      ctx.call('client', 'destroy(err)', () => client.destroy(new Error('boom')), client)
      ctx.state('client', 'after destroy(err)', client)
      await done
      ctx.log('client', `errored=${fmtErrored(client)}`)
    },
  },
  {
    name: 'destroy/with-error-before-connect',
    async run(ctx) {
      const s = ctx.own(new ctx.net.Socket())
      ctx.watchSocket(s, 's')
      const done = closed(ctx, s, 's')
      ctx.call('s', 'destroy(err)', () => s.destroy(new Error('early')), s)
      await done
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/with-error-while-connecting',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const s = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(s, 's')
      const done = closed(ctx, s, 's')
      ctx.call('s', 'destroy(err)', () => s.destroy(new Error('midway')), s)
      await done
      await ctx.quiet(50, "no 'connect' after a destroy while connecting")
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/twice-with-two-errors-reports-the-first',
    async run(ctx) {
      const { client } = await ctx.pair()
      ctx.watchSocket(client, 'client')
      const done = closed(ctx, client, 'client')
      client.destroy(new Error('first'))
      client.destroy(new Error('second'))
      await done
      await ctx.quiet(30, 'no second error')
    },
  },
  {
    name: 'destroy/write-then-destroy-delivers-the-write',
    async run(ctx) {
      const side = peerSide(ctx)
      const { port } = await ctx.serve({}, (s) => {
        ctx.watchSocket(s, 'peer')
        side.accept(s)
      })
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(c, 'client')
      const done = closed(ctx, c, 'client')
      await ctx.once(c, 'connect', 'client')
      ctx.call('client', "write('abc')", () => c.write('abc'))
      ctx.call('client', 'destroy()', () => c.destroy(), c)
      await done
      await side.closed()
    },
  },
  {
    name: 'destroy/destroySoon-after-write',
    async run(ctx) {
      const side = peerSide(ctx)
      // Half-open peer: it does not end back, so the client closes because of destroySoon alone
      // (and no peer FIN races the client's own 'finish').
      const { port } = await ctx.serve({ allowHalfOpen: true }, (s) => {
        ctx.watch(s, 'peer', ['data', 'end'])
        side.accept(s)
      })
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(c, 'client')
      ctx.watch(c, 'client', ['finish'], { channel: 'client.w' })
      const done = closed(ctx, c, 'client')
      await ctx.once(c, 'connect', 'client')
      c.write('data')
      ctx.call('client', 'destroySoon()', () => c.destroySoon())
      ctx.state('client', 'after destroySoon()', c)
      await done
      ctx.state('client', 'after close', c)
      await side.ended()
    },
  },
  {
    name: 'destroy/resetAndDestroy-peer-sees-ECONNRESET',
    async run(ctx) {
      const { client, peer } = await ctx.pair()
      ctx.watchSocket(client, 'client')
      ctx.watchSocket(peer, 'peer')
      const done = Promise.all([closed(ctx, client, 'client'), closed(ctx, peer, 'peer')])
      ctx.call('client', 'resetAndDestroy()', () => client.resetAndDestroy(), client)
      ctx.state('client', 'after resetAndDestroy()', client)
      await done
    },
  },
  {
    name: 'destroy/resetAndDestroy-never-connected',
    async run(ctx) {
      const s = ctx.own(new ctx.net.Socket())
      ctx.watchSocket(s, 's')
      const done = closed(ctx, s, 's')
      ctx.call('s', 'resetAndDestroy()', () => s.resetAndDestroy(), s)
      await done
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/resetAndDestroy-while-connecting',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const s = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.watchSocket(s, 's')
      const done = closed(ctx, s, 's')
      ctx.call('s', 'resetAndDestroy()', () => s.resetAndDestroy(), s)
      ctx.state('s', 'after resetAndDestroy()', s)
      await done
      ctx.state('s', 'after close', s)
    },
  },
]

function fmtErrored(s: Socket): string {
  const e = (s as unknown as { errored?: unknown }).errored
  return e instanceof Error ? e.message : String(e)
}
