// Idle timeouts: 'timeout' fires and the socket stays open; activity resets the timer;
// setTimeout(0) cancels; the callback is a once listener; connect({ timeout }).
//
// These are the scenarios with timers. Every margin is wide: the timer is 150-300 ms and the
// activity that must keep it from firing comes every 50 ms, so a loaded machine would have to
// stall a process for more than 100 ms between two steps for node:net itself to differ.

import type { Scenario } from '../harness.js'
import { connectedClient, connectedToEcho, echoServer, pairWithWatchedClient, watchedSocket } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'timeout/fires-and-the-socket-stays-open',
    async run(ctx) {
      const [c, done] = await connectedToEcho(ctx, { data: 'chunks' })
      ctx.call('client', 'setTimeout(100)', () => c.setTimeout(100), c)
      ctx.log('client', `timeout property=${String(c.timeout)}`)
      await ctx.once(c, 'timeout', 'client')
      ctx.state('client', 'after timeout', c)
      c.write('after')
      await ctx.once(c, 'data', 'client')
      ctx.call('client', 'setTimeout(0)', () => c.setTimeout(0), c)
      ctx.log('client', `timeout property=${String(c.timeout)}`)
      c.end()
      await done
    },
  },
  {
    name: 'timeout/reset-by-reads-and-writes',
    async run(ctx) {
      const [c, done] = await connectedToEcho(ctx, { data: 'chunks' })
      c.setTimeout(250)
      // 8 round trips 50 ms apart (400 ms in all): each write and each echoed read restarts the 250 ms timer.
      for (let i = 0; i < 8; i++) {
        await ctx.quiet(50, 'spacing the activity; the timer must not fire meanwhile')
        c.write(String(i))
        await ctx.once(c, 'data', 'client')
      }
      ctx.log('client', 'activity over')
      await ctx.once(c, 'timeout', 'client')
      c.setTimeout(0)
      c.end()
      await done
    },
  },
  {
    name: 'timeout/reset-by-writes-alone',
    async run(ctx) {
      // The peer reads and never answers: only the client's writes are activity.
      const { port } = await ctx.serve({}, (s) => s.resume())
      const [c, done] = await connectedClient(ctx, port)
      c.setTimeout(250)
      for (let i = 0; i < 8; i++) {
        await ctx.quiet(50, 'spacing the writes; the timer must not fire meanwhile')
        await new Promise<void>((r) => c.write(String(i), () => r()))
      }
      ctx.log('client', 'writes over')
      await ctx.once(c, 'timeout', 'client')
      c.destroy()
      await done
    },
  },
  {
    name: 'timeout/reset-by-reads-alone',
    async run(ctx) {
      // The peer sends 8 bytes 50 ms apart after the client's one request; the client only reads.
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        s.once('data', () => {
          let i = 0
          const tick = (): void => {
            if (s.destroyed) return
            s.write('r')
            if (++i < 8) setTimeout(tick, 50)
          }
          setTimeout(tick, 50)
        })
      })
      // Chunk boundaries are not the point: the reads are logged as one string.
      const [c, done] = await connectedClient(ctx, port)
      let received = ''
      c.on('data', (d: Buffer) => (received += d.toString()))
      c.setTimeout(250)
      c.write('go')
      c.on('timeout', () => ctx.log('client', `received at timeout: ${JSON.stringify(received)}`))
      await ctx.once(c, 'timeout', 'client')
      c.destroy()
      await done
    },
  },
  {
    name: 'timeout/setTimeout-0-cancels',
    async run(ctx) {
      const { client, clientClosed: done } = await pairWithWatchedClient(ctx)
      const cb = ctx.cb('client', 'timeout callback')
      client.setTimeout(80, cb)
      ctx.log('client', `timeout listeners after setTimeout(80, cb): ${client.listenerCount('timeout')}`)
      client.setTimeout(0)
      ctx.log('client', `timeout listeners after setTimeout(0): ${client.listenerCount('timeout')}`)
      client.setTimeout(80, cb)
      client.setTimeout(0, cb)
      ctx.log('client', `timeout listeners after setTimeout(80, cb), setTimeout(0, cb): ${client.listenerCount('timeout')}`)
      // Bounded: three times the cancelled delay, to show no 'timeout' comes.
      await ctx.quiet(250, "no 'timeout' after setTimeout(0)")
      client.end()
      await done
    },
  },
  {
    name: 'timeout/callback-runs-once-event-again-after-activity',
    async run(ctx) {
      const [c, done] = await connectedToEcho(ctx, { data: 'chunks' })
      c.setTimeout(150, ctx.cb('client', 'setTimeout callback'))
      await ctx.once(c, 'timeout', 'client')
      c.write('x')
      await ctx.once(c, 'data', 'client')
      await ctx.once(c, 'timeout', 'client')
      c.setTimeout(0)
      c.end()
      await done
    },
  },
  {
    name: 'timeout/connect-option',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const [c, done] = watchedSocket(ctx, ctx.net.connect({ port, host: '127.0.0.1', timeout: 100 }))
      ctx.log('client', `timeout property=${String(c.timeout)}`)
      await ctx.once(c, 'timeout', 'client')
      ctx.state('client', 'after timeout', c)
      c.destroy()
      await done
    },
  },
  {
    name: 'timeout/invalid-arguments-throw',
    async run(ctx) {
      const s = ctx.own(new ctx.net.Socket())
      ctx.call('s', "setTimeout('1')", () => s.setTimeout('1' as unknown as number), s)
      ctx.call('s', 'setTimeout(-1)', () => s.setTimeout(-1), s)
      ctx.call('s', 'setTimeout(Infinity)', () => s.setTimeout(Infinity), s)
      ctx.call('s', "setTimeout(10, 'x')", () => s.setTimeout(10, 'x' as unknown as () => void), s)
      ctx.call('s', 'setTimeout(0)', () => s.setTimeout(0), s)
    },
  },
]
