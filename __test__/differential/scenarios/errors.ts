// Errors of every syscall, in node:net's shape: connect ECONNREFUSED, listen EADDRINUSE and
// EADDRNOTAVAIL, bind EADDRNOTAVAIL (a bad localAddress), write after end, EPIPE after the peer
// ended, read ECONNRESET, argument validation, an 'error' with no listener.

import type { Scenario } from '../harness.js'
import { closeRecorded, closed, echoServer, pairWithWatchedClient, watchedClient, watchedSocket } from './_util.js'

/** An address that is no interface of this machine (TEST-NET-1): binding it fails at once, nothing is sent. */
const NOT_LOCAL = '192.0.2.1'

export const scenarios: Scenario[] = [
  {
    name: 'error/connect-ECONNREFUSED',
    async run(ctx) {
      const port = await ctx.refusedPort()
      const [s, done] = watchedClient(ctx, port, 's')
      ctx.state('s', 'connecting', s)
      await done
      ctx.state('s', 'after close', s)
      ctx.log('s', `remoteAddress=${String(s.remoteAddress)} localAddress=${String(s.localAddress)}`)
    },
  },
  {
    name: 'error/connect-ECONNREFUSED-ipv6',
    async run(ctx) {
      const port = await ctx.refusedPort('::1')
      const [, done] = watchedSocket(ctx, ctx.net.connect(port, '::1'), 's')
      await done
    },
  },
  {
    name: 'error/connect-ECONNREFUSED-new-Socket-connect-callback-not-called',
    async run(ctx) {
      const port = await ctx.refusedPort()
      const [s, done] = watchedSocket(ctx, new ctx.net.Socket(), 's')
      ctx.call('s', 'connect(port, host, cb)', () => s.connect(port, '127.0.0.1', ctx.cb('s', 'connect callback')), s)
      await done
    },
  },
  {
    name: 'error/listen-EADDRINUSE',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const second = ctx.own(ctx.net.createServer())
      ctx.watchServer(second, 'second')
      const failed = ctx.once(second, 'error', 'second')
      ctx.call('second', 'listen(port, 127.0.0.1)', () => second.listen(port, '127.0.0.1'), second)
      await failed
      ctx.log('second', `listening=${String(second.listening)} address=${JSON.stringify(second.address())}`)
      await closeRecorded(ctx, second, 'second')
      await ctx.turns()
    },
  },
  {
    name: 'error/listen-EADDRNOTAVAIL',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer())
      ctx.watchServer(server, 'server')
      const failed = ctx.once(server, 'error', 'server')
      server.listen(0, NOT_LOCAL)
      await failed
      ctx.log('server', `listening=${String(server.listening)}`)
    },
  },
  {
    name: 'error/connect-localAddress-EADDRNOTAVAIL',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const [, done] = watchedSocket(ctx, ctx.net.connect({ port, host: '127.0.0.1', localAddress: NOT_LOCAL }), 's')
      await done
    },
  },
  {
    name: 'error/connect-localAddress-and-localPort-are-used',
    async run(ctx) {
      let peerInfo = ''
      const { port } = await ctx.serve({}, (s) => {
        peerInfo = `peer sees remoteAddress=${String(s.remoteAddress)}`
        s.on('error', () => {})
        s.end()
      })
      const [s, done] = watchedSocket(ctx, ctx.net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' }), 's')
      await ctx.once(s, 'connect', 's')
      ctx.log('s', `localAddress=${String(s.localAddress)}`)
      await done
      ctx.log('s', peerInfo)
    },
  },
  {
    name: 'error/write-after-end',
    async run(ctx) {
      const { client, clientClosed: done } = await pairWithWatchedClient(ctx, { allowHalfOpen: true })
      client.end()
      ctx.call('client', "write('x', cb) after end()", () => client.write('x', ctx.cb('client', 'write callback')))
      await done
      ctx.state('client', 'after close', client)
    },
  },
  {
    name: 'error/write-EPIPE-after-peer-ended-without-allowHalfOpen',
    async run(ctx) {
      const { port } = await ctx.serve({ allowHalfOpen: true }, (s) => {
        s.on('error', () => {})
        s.resume()
        s.end()
      })
      const [c, done] = watchedClient(ctx, port)
      c.on('end', () => {
        ctx.state('client', 'at end', c)
        setImmediate(() => {
          ctx.state('client', 'a turn after end', c)
          ctx.call('client', "write('x', cb)", () => c.write('x', ctx.cb('client', 'write callback')))
        })
      })
      await done
      ctx.state('client', 'after close', c)
    },
  },
  {
    name: 'error/read-ECONNRESET-from-peer-resetAndDestroy',
    async run(ctx) {
      const { client, peer, clientClosed: done } = await pairWithWatchedClient(ctx)
      peer.resetAndDestroy()
      await done
      ctx.state('client', 'after close', client)
    },
  },
  {
    name: 'error/unhandled-error-event-becomes-uncaught',
    async run(ctx) {
      const port = await ctx.refusedPort()
      const s = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      // No 'error' listener: the error goes to the process's uncaughtException handler.
      ctx.watch(s, 's', ['connect', 'close'])
      const done = closed(ctx, s, 's')
      await ctx.uncaught()
      await done
    },
  },
  {
    name: 'error/argument-validation-throws',
    async run(ctx) {
      const { net } = ctx
      const quiet = (s: unknown): void => {
        if (s && typeof s === 'object' && 'destroy' in s) {
          const sock = s as { on(e: string, f: () => void): void; destroy(): void }
          sock.on('error', () => {})
          sock.destroy()
        }
      }
      const tryConnect = (label: string, fn: () => unknown): void => quiet(ctx.call('connect', label, fn))
      tryConnect('connect(-1)', () => net.connect(-1, '127.0.0.1'))
      tryConnect('connect(65536)', () => net.connect(65536, '127.0.0.1'))
      tryConnect('connect({})', () => net.connect({} as { port: number }))
      tryConnect("connect({ port: 'abc' })", () => net.connect({ port: 'abc' as unknown as number }))
      tryConnect('connect({ port: true })', () => net.connect({ port: true as unknown as number }))
      tryConnect('connect({ port: 1, host: 5 })', () => net.connect({ port: 1, host: 5 as unknown as string }))
      tryConnect('connect({ port: 1, family: 5 })', () => net.connect({ port: 1, host: '127.0.0.1', family: 5 }))
      tryConnect("connect({ port: 1, localAddress: 'nope' })", () => net.connect({ port: 1, host: '127.0.0.1', localAddress: 'nope' }))
      tryConnect('connect({ port: 1, lookup: 1 })', () => net.connect({ port: 1, host: 'x.test', lookup: 1 as unknown as undefined }))
      const server = ctx.own(net.createServer())
      ctx.call('listen', 'listen(-1)', () => server.listen(-1), server)
      ctx.call('listen', 'listen(65536)', () => server.listen(65536), server)
      ctx.call('listen', 'listen({})', () => server.listen({}), server)
      ctx.call('listen', 'createServer(5)', () => net.createServer(5 as unknown as undefined))
      await ctx.turns()
    },
  },
]
