// ref()/unref() and process exit. Each runs in a child of its own, without an uncaughtException
// handler unless it says so; the outcome's `exit` is `exited code=N` when the process ended by
// itself, or `kept alive` when it was still running `aliveMs` (800 ms: the one bounded wait
// here, showing that something keeps the process alive) after the scenario's setup resolved.

import type { Ctx, Scenario, Server, Socket } from '../harness.js'

/**
 * `server.listen(0, '127.0.0.1')`; resolves with the port once listening. Not `ctx.listen`, which
 * hands the server to the scenario's cleanup: here its handle decides whether the process exits,
 * so it stays as the scenario leaves it.
 */
async function listenOnLoopback(ctx: Ctx, server: Server): Promise<number> {
  const listening = ctx.once(server, 'listening', 'server')
  server.listen(0, '127.0.0.1')
  await listening
  const a = server.address()
  return a && typeof a === 'object' ? a.port : 0
}

/**
 * A client connecting (not yet connected) to a server on 127.0.0.1 whose accepted sockets are
 * unref'd and which is itself unref'd: only the client can hold the process.
 */
async function clientOfAQuietServer(ctx: Ctx, onConnection: (s: Socket) => void = () => {}): Promise<Socket> {
  const server = ctx.net.createServer((s: Socket) => {
    s.unref()
    s.on('error', () => {})
    onConnection(s)
  })
  const port = await listenOnLoopback(ctx, server)
  server.unref()
  return ctx.net.connect(port, '127.0.0.1')
}

export const scenarios: Scenario[] = [
  {
    name: 'exit/unref-listening-server-lets-the-process-exit',
    isolated: {},
    async run(ctx) {
      const server = ctx.net.createServer()
      await listenOnLoopback(ctx, server)
      ctx.call('server', 'unref()', () => server.unref(), server)
    },
  },
  {
    name: 'exit/listening-server-keeps-the-process-alive',
    isolated: {},
    async run(ctx) {
      const server = ctx.net.createServer()
      await listenOnLoopback(ctx, server)
      ctx.log('server', 'listening')
    },
  },
  {
    name: 'exit/unref-before-listen-lets-the-process-exit',
    isolated: {},
    async run(ctx) {
      const server = ctx.net.createServer()
      ctx.call('server', 'unref() before listen', () => server.unref(), server)
      await listenOnLoopback(ctx, server)
      ctx.log('server', 'listening')
    },
  },
  {
    name: 'exit/unref-connected-socket-lets-the-process-exit',
    isolated: {},
    async run(ctx) {
      const c = await clientOfAQuietServer(ctx)
      await ctx.once(c, 'connect', 'client')
      ctx.call('client', 'unref()', () => c.unref(), c)
    },
  },
  {
    name: 'exit/connected-socket-keeps-the-process-alive',
    isolated: {},
    async run(ctx) {
      const c = await clientOfAQuietServer(ctx)
      await ctx.once(c, 'connect', 'client')
      ctx.log('client', 'connected')
    },
  },
  {
    name: 'exit/unref-before-connect-then-ref-keeps-the-process-alive',
    isolated: {},
    async run(ctx) {
      const c = await clientOfAQuietServer(ctx)
      ctx.call('client', 'unref() while connecting', () => c.unref(), c)
      await ctx.once(c, 'connect', 'client')
      ctx.call('client', 'ref()', () => c.ref(), c)
    },
  },
  {
    name: 'exit/unref-socket-with-an-idle-timeout-lets-the-process-exit',
    isolated: {},
    async run(ctx) {
      const c = await clientOfAQuietServer(ctx)
      await ctx.once(c, 'connect', 'client')
      c.setTimeout(10_000)
      ctx.call('client', 'unref()', () => c.unref(), c)
    },
  },
  {
    name: 'exit/everything-closed-process-exits-with-its-exitCode',
    isolated: {},
    async run(ctx) {
      const server = ctx.net.createServer((s: Socket) => s.pipe(s))
      const port = await listenOnLoopback(ctx, server)
      const c = ctx.net.connect(port, '127.0.0.1')
      ctx.watchSocket(c, 'client')
      c.end('bye')
      await ctx.once(c, 'close', 'client')
      const serverClosed = ctx.once(server, 'close', 'server')
      server.close()
      await serverClosed
      ctx.log('client', 'all closed')
      process.exitCode = 3
    },
  },
  {
    name: 'exit/error-without-listener-crashes-with-code-1',
    isolated: {},
    async run(ctx) {
      const port = await ctx.refusedPort()
      const c = ctx.net.connect(port, '127.0.0.1')
      ctx.watch(c, 'client', ['connect', 'close'])
      ctx.log('client', 'connecting, no error listener')
    },
  },
  {
    name: 'exit/throw-in-data-handler-without-uncaughtException-handler-crashes',
    isolated: {},
    async run(ctx) {
      const c = await clientOfAQuietServer(ctx, (s) => s.end('data'))
      c.on('data', () => {
        ctx.log('client', 'data: throwing')
        throw new Error('boom without a handler')
      })
      await ctx.once(c, 'connect', 'client')
    },
  },
  {
    name: 'exit/uncaughtException-handler-keeps-the-process-going',
    isolated: { handleUncaught: true },
    async run(ctx) {
      const c = await clientOfAQuietServer(ctx, (s) => s.end('data'))
      ctx.watchSocket(c, 'client')
      c.on('data', () => {
        throw new Error('boom with a handler')
      })
      await ctx.once(c, 'close', 'client')
      process.exitCode = 4
    },
  },
  {
    name: 'exit/http-agent-keepAlive-idle-socket-lets-the-process-exit',
    isolated: {},
    async run(ctx) {
      // node:http's server, never holding the process: unref'd, as are its accepted sockets.
      const server = ctx.http.createServer((req, res) => res.end('pong'))
      server.on('connection', (s: Socket) => s.unref())
      const port = await listenOnLoopback(ctx, server)
      server.unref()
      const agent = ctx.agent({ keepAlive: true })
      const freed = ctx.once(agent, 'free', 'agent')
      const body = await new Promise<string>((resolve) => {
        ctx.http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let b = ''
          res.on('data', (d: Buffer) => (b += d.toString()))
          res.on('end', () => resolve(b))
        })
      })
      await freed
      ctx.log('http', `body=${body}; the pooled socket is idle`)
    },
  },
]
