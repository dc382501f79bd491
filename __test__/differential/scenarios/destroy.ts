// destroy() in every state, with and without an error; resetAndDestroy; destroySoon.

import type { Ctx, Scenario, Socket } from '../harness.js'
import { type WatchedSocket, closed, connectedClient, echoServer, pairWithWatchedClient, servePeer, watchedClient, watchedSocket } from './_util.js'

/** A connected pair, both sides recorded ('client' and 'peer'); `bothClosed` resolves once both have closed. */
async function pairWatchedOnBothSides(ctx: Ctx): Promise<{ client: Socket; bothClosed: Promise<unknown> }> {
  const { client, peer, clientClosed } = await pairWithWatchedClient(ctx)
  ctx.watchSocket(peer, 'peer')
  return { client, bothClosed: Promise.all([clientClosed, closed(ctx, peer, 'peer')]) }
}

/** A socket connecting to an echo server, recorded as 's', with the wait for its 'close'. */
async function connectingSocket(ctx: Ctx): Promise<WatchedSocket> {
  const { port } = await echoServer(ctx)
  return watchedClient(ctx, port, 's')
}

export const scenarios: Scenario[] = [
  {
    name: 'destroy/before-connect',
    async run(ctx) {
      const [s, done] = watchedSocket(ctx, new ctx.net.Socket(), 's')
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
      const [s, done] = await connectingSocket(ctx)
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
      const { client, bothClosed } = await pairWatchedOnBothSides(ctx)
      ctx.call('client', 'destroy()', () => client.destroy(), client)
      ctx.state('client', 'after destroy()', client)
      await bothClosed
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
      const { client, clientClosed } = await pairWithWatchedClient(ctx)
      client.end()
      await clientClosed
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
      const { client, bothClosed } = await pairWatchedOnBothSides(ctx)
      ctx.call('client', 'destroy(err)', () => client.destroy(new Error('boom')), client)
      ctx.state('client', 'after destroy(err)', client)
      await bothClosed
      ctx.log('client', `errored=${fmtErrored(client)}`)
    },
  },
  {
    name: 'destroy/with-error-before-connect',
    async run(ctx) {
      const [s, done] = watchedSocket(ctx, new ctx.net.Socket(), 's')
      ctx.call('s', 'destroy(err)', () => s.destroy(new Error('early')), s)
      await done
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/with-error-while-connecting',
    async run(ctx) {
      const [s, done] = await connectingSocket(ctx)
      ctx.call('s', 'destroy(err)', () => s.destroy(new Error('midway')), s)
      await done
      await ctx.quiet(50, "no 'connect' after a destroy while connecting")
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/twice-with-two-errors-reports-the-first',
    async run(ctx) {
      const { client, clientClosed } = await pairWithWatchedClient(ctx)
      client.destroy(new Error('first'))
      client.destroy(new Error('second'))
      await clientClosed
      await ctx.quiet(30, 'no second error')
    },
  },
  {
    name: 'destroy/write-then-destroy-delivers-the-write',
    async run(ctx) {
      const { port, side } = await servePeer(ctx)
      const [c, done] = await connectedClient(ctx, port)
      ctx.call('client', "write('abc')", () => c.write('abc'))
      ctx.call('client', 'destroy()', () => c.destroy(), c)
      await done
      await side.closed()
    },
  },
  {
    name: 'destroy/destroySoon-after-write',
    async run(ctx) {
      // Half-open peer: it does not end back, so the client closes because of destroySoon alone
      // (and no peer FIN races the client's own 'finish').
      const { port, side } = await servePeer(ctx, { options: { allowHalfOpen: true }, watch: ['data', 'end'] })
      const [c, done] = await connectedClient(ctx, port)
      ctx.watch(c, 'client', ['finish'], { channel: 'client.w' })
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
      const { client, bothClosed } = await pairWatchedOnBothSides(ctx)
      ctx.call('client', 'resetAndDestroy()', () => client.resetAndDestroy(), client)
      ctx.state('client', 'after resetAndDestroy()', client)
      await bothClosed
    },
  },
  {
    name: 'destroy/resetAndDestroy-never-connected',
    async run(ctx) {
      const [s, done] = watchedSocket(ctx, new ctx.net.Socket(), 's')
      ctx.call('s', 'resetAndDestroy()', () => s.resetAndDestroy(), s)
      await done
      ctx.state('s', 'after close', s)
    },
  },
  {
    name: 'destroy/resetAndDestroy-while-connecting',
    async run(ctx) {
      const [s, done] = await connectingSocket(ctx)
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
