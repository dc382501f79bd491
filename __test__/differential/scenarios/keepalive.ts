// TCP keepalive: setKeepAlive with a sub-second and a huge delay, the connect and createServer
// options, and http.Agent({ keepAlive }) requests (the agent calls setKeepAlive, unref and ref
// on its pooled sockets).

import type { Scenario, Socket } from '../harness.js'
import { connectedToEcho, echoServer, servePeer, watchedClient, watchedSocket } from './_util.js'

/** Ends the client with a last message (the peer echoes it) and waits for its close. */
async function exchange(c: Socket, closed: Promise<unknown[]>): Promise<void> {
  c.end('via client')
  await closed
}

export const scenarios: Scenario[] = [
  {
    name: 'keepalive/setKeepAlive-true-500ms',
    async run(ctx) {
      const [c, done] = await connectedToEcho(ctx)
      ctx.call('client', 'setKeepAlive(true, 500)', () => c.setKeepAlive(true, 500), c)
      await exchange(c, done)
    },
  },
  {
    name: 'keepalive/setKeepAlive-true-1e12ms',
    async run(ctx) {
      const [c, done] = await connectedToEcho(ctx)
      ctx.call('client', 'setKeepAlive(true, 1e12)', () => c.setKeepAlive(true, 1e12), c)
      await exchange(c, done)
    },
  },
  {
    name: 'keepalive/setKeepAlive-before-connect-and-odd-delays',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const [c, done] = watchedSocket(ctx, new ctx.net.Socket())
      ctx.call('client', 'setKeepAlive(true, 500) before connect', () => c.setKeepAlive(true, 500), c)
      c.connect(port, '127.0.0.1')
      await ctx.once(c, 'connect', 'client')
      ctx.call('client', 'setKeepAlive(true, -1)', () => c.setKeepAlive(true, -1), c)
      ctx.call('client', 'setKeepAlive(true, NaN)', () => c.setKeepAlive(true, NaN), c)
      ctx.call('client', 'setKeepAlive(true, 3000)', () => c.setKeepAlive(true, 3000), c)
      ctx.call('client', 'setKeepAlive(false)', () => c.setKeepAlive(false), c)
      await exchange(c, done)
    },
  },
  {
    name: 'keepalive/connect-option-keepAliveInitialDelay-500',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const [c, done] = watchedSocket(ctx, ctx.net.connect({ port, host: '127.0.0.1', keepAlive: true, keepAliveInitialDelay: 500 }))
      await ctx.once(c, 'connect', 'client')
      await exchange(c, done)
    },
  },
  {
    name: 'keepalive/createServer-option-keepAliveInitialDelay-500',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { options: { keepAlive: true, keepAliveInitialDelay: 500 }, onConnection: (s) => s.pipe(s) })
      const [c, done] = watchedClient(ctx, port)
      await exchange(c, done)
      await side.closed()
    },
  },
  {
    name: 'http/agent-keepAlive-reuses-its-socket',
    async run(ctx) {
      // node:http's own server (http.createServer stays node:net's under the preload too).
      const server = ctx.own(ctx.http.createServer((req, res) => res.end(`ok ${String(req.url)}`)))
      const port = await ctx.listen(server)
      const agent = ctx.agent({ keepAlive: true, keepAliveMsecs: 500, maxSockets: 1 })
      for (const path of ['/one', '/two']) {
        const freed = ctx.once(agent, 'free', 'agent')
        const body = await new Promise<string>((resolve, reject) => {
          const req = ctx.http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
            let b = ''
            res.setEncoding('utf8')
            res.on('data', (d: string) => (b += d))
            res.on('end', () => resolve(`${String(res.statusCode)} ${b} reusedSocket=${String(req.reusedSocket)}`))
          })
          req.on('error', reject)
        }).catch((e: unknown) => `error ${String((e as { code?: unknown }).code)}`)
        ctx.log('http', body)
        await freed
        ctx.log('http', `free sockets: ${Object.values(agent.freeSockets).flat().length}, in use: ${Object.values(agent.sockets).flat().length}`)
      }
    },
  },
  {
    name: 'http/get-with-agent-false',
    async run(ctx) {
      const server = ctx.own(ctx.http.createServer((req, res) => res.end(`ok ${String(req.url)}`)))
      const port = await ctx.listen(server)
      const req = ctx.http.get({ host: '127.0.0.1', port, path: '/x', agent: false, ...ctx.httpConnection() }, (res) => {
        res.setEncoding('utf8')
        ctx.watch(res, 'res', ['data', 'end'], { channel: 'http' })
      })
      ctx.watch(req, 'req', ['error', 'close'], { channel: 'http' })
      await ctx.once(req, 'close', 'req')
    },
  },
]
