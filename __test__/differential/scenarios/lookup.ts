// Name lookup: 'lookup' events, a custom lookup function (its options, its answers, its errors,
// one that throws), several addresses of which the first refuses.

import type NodeNet from 'node:net'

import type { Ctx, Scenario, Socket } from '../harness.js'
import { echoServer, watchedSocket } from './_util.js'

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void
type Lookup = (host: string, opts: object, cb: LookupCb) => void

function asLookup(fn: Lookup): NodeNet.LookupFunction {
  return fn
}

export const scenarios: Scenario[] = [
  {
    name: 'lookup/localhost-family-4-emits-lookup',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      await connectThenEnd(ctx, { port, host: 'localhost', family: 4 }, (c) => ctx.log('client', `remoteAddress=${String(c.remoteAddress)}`))
    },
  },
  {
    name: 'lookup/custom-function-answers-an-array',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const lookup: Lookup = (host, opts, cb) => {
        ctx.log('lookup', `called with ${JSON.stringify(host)} ${ctxFmt(opts)}`)
        cb(null, [{ address: '127.0.0.1', family: 4 }])
      }
      await connectThenEnd(ctx, { port, host: 'svc.test', lookup: asLookup(lookup) }, (c) => logAddresses(ctx, c))
    },
  },
  {
    name: 'lookup/custom-function-answers-one-address-though-asked-for-all',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const lookup: Lookup = (_host, _opts, cb) => cb(null, '127.0.0.1', 4)
      const [c, done] = watchedSocket(ctx, ctx.net.connect({ port, host: 'svc.test', lookup: asLookup(lookup) }), 'client', ['lookup'])
      c.once('connect', () => c.end())
      await done
    },
  },
  {
    name: 'lookup/custom-function-with-family-4',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const lookup: Lookup = (host, opts, cb) => {
        ctx.log('lookup', `called with ${JSON.stringify(host)} ${ctxFmt(opts)}`)
        const all = (opts as { all?: boolean }).all
        if (all) cb(null, [{ address: '127.0.0.1', family: 4 }])
        else cb(null, '127.0.0.1', 4)
      }
      await connectThenEnd(ctx, { port, host: 'svc.test', family: 4, lookup: asLookup(lookup) })
    },
  },
  {
    name: 'lookup/custom-function-error',
    async run(ctx) {
      const lookup: Lookup = (host, _opts, cb) => {
        const err = new Error(`getaddrinfo ENOTFOUND ${host}`) as NodeJS.ErrnoException
        err.code = 'ENOTFOUND'
        err.syscall = 'getaddrinfo'
        cb(err, '', undefined)
      }
      const [c, done] = watchedSocket(ctx, ctx.net.connect({ port: 80, host: 'nowhere.test', lookup: asLookup(lookup) }), 'client', ['lookup'])
      await done
      ctx.state('client', 'after close', c)
    },
  },
  {
    name: 'lookup/custom-function-throws-synchronously',
    async run(ctx) {
      const lookup: Lookup = () => {
        throw new Error('lookup exploded')
      }
      const c = ctx.call('connect', 'connect({ lookup that throws })', () => ctx.net.connect({ port: 80, host: 'boom.test', lookup: asLookup(lookup) }))
      if (c) {
        const [, done] = watchedSocket(ctx, c, 'client', ['lookup'])
        await done
      }
      await ctx.turns()
    },
  },
  {
    name: 'lookup/two-addresses-the-first-refuses',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      // The echo server listens on 127.0.0.1 only: 127.0.0.2 (loopback too) refuses.
      const lookup: Lookup = (_host, _opts, cb) =>
        cb(null, [
          { address: '127.0.0.2', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ])
      await connectThenEnd(ctx, { port, host: 'two.test', lookup: asLookup(lookup) }, (c) => logAddresses(ctx, c))
    },
  },
  {
    name: 'lookup/ip-literal-emits-no-lookup',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      await connectThenEnd(ctx, { port, host: '127.0.0.1' })
    },
  },
]

/**
 * `ctx.net.connect(options)`, recorded as 'client' with its 'lookup' events; once connected,
 * `whenConnected` runs, then the client ends and its close is waited for.
 */
async function connectThenEnd(ctx: Ctx, options: NodeNet.TcpNetConnectOpts, whenConnected: (c: Socket) => void = () => {}): Promise<void> {
  const [c, done] = watchedSocket(ctx, ctx.net.connect(options), 'client', ['lookup'])
  await ctx.once(c, 'connect', 'client')
  whenConnected(c)
  c.end()
  await done
}

/** Logs where a connected client went and which addresses it tried. */
function logAddresses(ctx: Ctx, c: Socket): void {
  ctx.log('client', `remoteAddress=${String(c.remoteAddress)} autoSelectFamilyAttemptedAddresses=${JSON.stringify(attempted(c))}`)
}

/** `autoSelectFamilyAttemptedAddresses`, ports masked. */
function attempted(c: unknown): string[] | undefined {
  return (c as { autoSelectFamilyAttemptedAddresses?: string[] }).autoSelectFamilyAttemptedAddresses?.map((a) => a.replace(/:\d+$/, ':<port>'))
}

function ctxFmt(o: object): string {
  const rec = o as Record<string, unknown>
  return `{${Object.keys(rec)
    .sort()
    .map((k) => `${k}:${String(rec[k])}`)
    .join(',')}}`
}
