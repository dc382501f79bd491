// Exceptions thrown by user handlers, with the batch child's `process.on('uncaughtException')`
// installed: each is recorded (channel `uncaught`, with its origin), and the socket or server
// must go on as it does on node:net. The recording listeners are attached before the throwing
// one (an EventEmitter stops at the listener that throws), so they see every event.

import type { Scenario, Socket } from '../harness.js'
import { READ_EVENTS, clientOfAPausedPeer, closed, connectedToEcho, echo, fillUntilFalse, httpResponse, nextConnection, pairWithWatchedClient, servePeer, watchedClient } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'throw/in-connect-handler',
    async run(ctx) {
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        s.on('data', (d: Buffer) => s.end(`pong:${d.toString()}`))
      })
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      // No 'data' listener yet: on node:net the throw skips the rest of the connect (its 'ready'
      // and its first read); a 'data' listener added afterwards starts the reads.
      ctx.watch(c, 'client', ['connect', 'ready', 'end', 'close', 'error'])
      c.on('connect', () => {
        throw new Error('boom in connect')
      })
      const done = closed(ctx, c, 'client')
      await ctx.uncaught()
      ctx.state('client', 'after the throw', c)
      ctx.watch(c, 'client', ['data'])
      c.write('ping')
      await done
    },
  },
  {
    name: 'throw/in-data-handler-once-socket-keeps-reading',
    async run(ctx) {
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        s.write('one')
        s.on('data', () => s.end('two'))
      })
      const [c, done] = watchedClient(ctx, port, 'client', [], { data: 'chunks' })
      let first = true
      c.on('data', () => {
        if (!first) return
        first = false
        throw new Error('boom in data')
      })
      await ctx.uncaught()
      c.write('next')
      await done
      ctx.bytes('client', 'client', c)
    },
  },
  {
    // A bulk transfer reads chunks synchronously inside _read; Readable emits those from its own
    // flow(), where a throw once left the socket flowing with a full buffer and no reader.
    name: 'throw/in-data-handler-during-a-bulk-transfer-socket-keeps-reading',
    async run(ctx) {
      const total = 4 * 1024 * 1024
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        s.end(Buffer.alloc(total, 7))
      })
      const [c, done] = watchedClient(ctx, port, 'client', [])
      let chunks = 0
      c.on('data', () => {
        if (++chunks === 3) throw new Error('boom in the third chunk')
      })
      await ctx.uncaught()
      await done
      ctx.bytes('client', 'client', c)
    },
  },
  {
    name: 'throw/in-end-handler',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { watch: READ_EVENTS, onConnection: (s) => s.end('bye') })
      const [c, done] = watchedClient(ctx, port, 'client', ['finish'])
      c.on('end', () => {
        throw new Error('boom in end')
      })
      await ctx.uncaught()
      await ctx.turns()
      ctx.state('client', 'a few turns after the throw', c)
      if (!c.writableEnded) c.end('last')
      await done
      await side.closed()
    },
  },
  {
    name: 'throw/in-close-handler-of-an-accepted-socket-server-still-closes',
    async run(ctx) {
      const { client, peer, server } = await ctx.pair()
      ctx.watchServer(server, 'server', { channel: 'srv' })
      ctx.watchSocket(peer, 'peer', [], { channel: 'srv' })
      peer.on('close', () => {
        throw new Error('boom in close')
      })
      const serverClosed = ctx.once(server, 'close', 'server')
      server.close(ctx.cb('srv', 'close callback'))
      client.end()
      await ctx.uncaught()
      await serverClosed
      await ctx.turns()
    },
  },
  {
    name: 'throw/in-close-handler-of-a-client',
    async run(ctx) {
      const { client } = await pairWithWatchedClient(ctx)
      client.on('close', () => {
        throw new Error('boom in client close')
      })
      client.end()
      await ctx.uncaught()
      await ctx.turns()
      ctx.state('client', 'after', client)
    },
  },
  {
    name: 'throw/in-timeout-handler',
    async run(ctx) {
      const [c, done] = await connectedToEcho(ctx, { data: 'chunks' })
      c.on('timeout', () => {
        throw new Error('boom in timeout')
      })
      c.setTimeout(80)
      await ctx.uncaught()
      ctx.state('client', 'after the throw', c)
      c.setTimeout(0)
      c.write('after')
      await ctx.once(c, 'data', 'client')
      c.end()
      await done
    },
  },
  {
    name: 'throw/in-drain-handler',
    // Fills the kernel's buffers (a few MiB): more time on a loaded machine than the other scenarios.
    guardMs: 10_000,
    async run(ctx) {
      const { client: c, clientClosed: done, side, received } = await clientOfAPausedPeer(ctx)
      c.on('drain', () => {
        throw new Error('boom in drain')
      })
      const sent = fillUntilFalse(c)
      ctx.log('client', `write returned false: ${sent > 0}`)
      ;(await side.socket()).resume()
      await ctx.uncaught()
      // The pattern goes on where the fill stopped.
      const more = Buffer.alloc(100)
      for (let i = 0; i < more.length; i++) more[i] = (sent + i) % 251
      ctx.call('client', 'write(100 more bytes)', () => c.write(more))
      c.end()
      await side.ended()
      ctx.log('peer', `received === sent + 100: ${received.bytes() === sent + 100}, in order: ${String(received.inOrder())}`)
      await done
    },
  },
  {
    name: 'throw/in-connection-handler-server-keeps-accepting',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer())
      let first = true
      server.on('connection', (s: Socket) => {
        ctx.own(s)
        echo(s)
        if (first) {
          first = false
          throw new Error('boom in connection')
        }
      })
      ctx.watchServer(server, 'server')
      const port = await ctx.listen(server)
      for (const label of ['c1', 'c2']) {
        const [c, done] = watchedClient(ctx, port, label)
        c.end(label)
        await done
        if (label === 'c1') await ctx.uncaught()
      }
    },
  },
  {
    name: 'throw/in-listening-handler-server-still-accepts',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer(echo))
      ctx.watchServer(server, 'server')
      server.on('listening', () => {
        throw new Error('boom in listening')
      })
      server.listen(0, '127.0.0.1')
      await ctx.uncaught()
      ctx.log('server', `listening=${String(server.listening)}`)
      const a = server.address()
      const port = a && typeof a === 'object' ? a.port : 0
      const [c, done] = watchedClient(ctx, port)
      c.end('hi')
      await done
    },
  },
  {
    name: 'throw/in-http-response-handler',
    async run(ctx) {
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        s.once('data', () => s.end(httpResponse('hello')))
      })
      let sock: Socket | null = null
      let sockClosed: Promise<unknown[]> = Promise.resolve([])
      const req = ctx.http.get({ host: '127.0.0.1', port, path: '/', agent: false, ...ctx.httpConnection() }, (res) => {
        ctx.log('http', `response ${String(res.statusCode)}`)
        ctx.watch(res, 'res', ['data', 'end', 'close', 'error'], { channel: 'http' })
        throw new Error('boom in response')
      })
      ctx.watch(req, 'req', ['error', 'close'], { channel: 'http' })
      req.on('socket', (s: Socket) => {
        sock = s
        sockClosed = closed(ctx, s, 'socket')
        ctx.watch(s, 'socket', ['end', 'close', 'error'])
      })
      const reqClosed = ctx.once(req, 'close', 'req')
      await ctx.uncaught()
      await reqClosed
      // The request has had its 'socket' (it got a response): its close promise is set.
      await sockClosed
      if (sock) ctx.state('socket', 'after', sock)
    },
  },
  {
    name: 'throw/in-error-handler-close-still-follows',
    async run(ctx) {
      const port = await ctx.refusedPort()
      const [c, done] = watchedClient(ctx, port)
      c.on('error', () => {
        throw new Error('boom in error')
      })
      await ctx.uncaught()
      await done
    },
  },
  {
    name: 'throw/in-data-handler-of-an-accepted-socket',
    async run(ctx) {
      const server = ctx.own(ctx.net.createServer())
      server.on('connection', (s: Socket) => {
        ctx.own(s)
        ctx.watchSocket(s, 'peer', [], { data: 'chunks' })
        let first = true
        s.on('data', (d: Buffer) => {
          if (first) {
            first = false
            s.write(`got ${d.toString()}`)
            throw new Error('boom in peer data')
          }
          s.end(`got ${d.toString()}`)
        })
      })
      const port = await ctx.listen(server)
      const accepted = nextConnection(ctx, server)
      const [c, done] = watchedClient(ctx, port, 'client', [], { data: 'chunks' })
      const peer = await accepted
      const peerDone = closed(ctx, peer, 'peer')
      // Waited for from before the write: the answer may come in the same turn as the throw.
      const answered = ctx.once(c, 'data', 'client')
      c.write('a')
      await ctx.uncaught()
      await answered
      c.write('b')
      await done
      await peerDone
    },
  },
]
