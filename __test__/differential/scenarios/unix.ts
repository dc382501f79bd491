// Unix domain socket paths. node:net serves them; under the preload net.createServer().listen(path),
// net.connect(path) and http.get({ socketPath }) must reach node:net. tokio-net/net itself refuses
// a path by design (see KNOWN_DIFFERENCES in harness.ts).

import type { Scenario, Socket } from '../harness.js'
import { closed } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'unix/listen-and-connect-on-a-path',
    async run(ctx) {
      const p = ctx.tmpPath('net.sock')
      const server = ctx.own(ctx.net.createServer((s: Socket) => {
        ctx.own(s)
        s.on('error', () => {})
        s.end('hi over unix')
      }))
      ctx.watchServer(server, 'server')
      const listening = ctx.once(server, 'listening', 'server')
      if (ctx.call('server', 'listen(path)', () => server.listen(p), server) === undefined) return
      await listening
      ctx.log('server', `address=${ctx.fmt(server.address())}`)
      const forms: Array<[string, () => Socket]> = [
        ['connect(path)', () => ctx.net.connect(p)],
        ['connect({ path })', () => ctx.net.connect({ path: p })],
        ['createConnection(path)', () => ctx.net.createConnection(p)],
      ]
      for (const [label, open] of forms) {
        const c = ctx.call(label, label, open)
        if (!c) continue
        ctx.own(c)
        ctx.watchSocket(c, label)
        await closed(ctx, c, label)
      }
    },
  },
  {
    // The usual retry: EADDRINUSE on a path that a dead server left behind, unlink, listen again
    // on the same server.
    name: 'unix/listen-again-after-EADDRINUSE-on-a-path',
    async run(ctx) {
      const p = ctx.tmpPath('busy.sock')
      const first = ctx.own(ctx.net.createServer())
      const firstListening = ctx.once(first, 'listening', 'first')
      if (ctx.call('first', 'listen(path)', () => first.listen(p), first) === undefined) return
      await firstListening
      const second = ctx.own(ctx.net.createServer((s: Socket) => s.end('second')))
      ctx.watchServer(second, 'second')
      const failed = ctx.once(second, 'error', 'second')
      second.listen(p)
      await failed
      await new Promise<void>((resolve) => first.close(() => resolve()))
      const listening = ctx.once(second, 'listening', 'second')
      ctx.call('second', 'listen(path) again', () => second.listen(p), second)
      await listening
      const c = ctx.own(ctx.net.connect(p))
      ctx.watchSocket(c, 'client')
      await closed(ctx, c, 'client')
    },
  },
  {
    name: 'unix/http-get-socketPath',
    async run(ctx) {
      const p = ctx.tmpPath('http.sock')
      const server = ctx.own(ctx.http.createServer((req, res) => res.end(`ok ${String(req.url)}`)))
      const listening = ctx.once(server, 'listening', 'server')
      server.listen(p)
      await listening
      const req = ctx.call('http', 'http.get({ socketPath })', () =>
        ctx.http.get({ socketPath: p, path: '/u', ...ctx.httpConnection() }, (res) => {
          res.setEncoding('utf8')
          ctx.watch(res, 'res', ['data', 'end'], { channel: 'http' })
        }),
      )
      if (!req) return
      ctx.watch(req, 'req', ['error', 'close'], { channel: 'http' })
      // A request whose connection could not be made emits 'error' and no 'close'.
      await Promise.race([ctx.once(req, 'close', 'req'), ctx.once(req, 'error', 'req')])
      await ctx.turns()
    },
  },
]
