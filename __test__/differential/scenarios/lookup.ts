// Name lookup: 'lookup' events, a custom lookup function (its options, its answers, its errors,
// one that throws), several addresses of which the first refuses.

import type { Scenario } from '../harness.js'
import { closed, echoServer } from './_util.js'

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void
type Lookup = (host: string, opts: object, cb: LookupCb) => void

function asLookup(fn: Lookup): import('node:net').LookupFunction {
  return fn as unknown as import('node:net').LookupFunction
}

export const scenarios: Scenario[] = [
  {
    name: 'lookup/localhost-family-4-emits-lookup',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const c = ctx.own(ctx.net.connect({ port, host: 'localhost', family: 4 }))
      ctx.watchSocket(c, 'client', ['lookup'])
      await ctx.once(c, 'connect', 'client')
      ctx.log('client', `remoteAddress=${String(c.remoteAddress)}`)
      c.end()
      await closed(ctx, c, 'client')
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
      const c = ctx.own(ctx.net.connect({ port, host: 'svc.test', lookup: asLookup(lookup) }))
      ctx.watchSocket(c, 'client', ['lookup'])
      await ctx.once(c, 'connect', 'client')
      ctx.log('client', `remoteAddress=${String(c.remoteAddress)} autoSelectFamilyAttemptedAddresses=${JSON.stringify(attempted(c))}`)
      c.end()
      await closed(ctx, c, 'client')
    },
  },
  {
    name: 'lookup/custom-function-answers-one-address-though-asked-for-all',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const lookup: Lookup = (_host, _opts, cb) => cb(null, '127.0.0.1', 4)
      const c = ctx.own(ctx.net.connect({ port, host: 'svc.test', lookup: asLookup(lookup) }))
      ctx.watchSocket(c, 'client', ['lookup'])
      const done = closed(ctx, c, 'client')
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
      const c = ctx.own(ctx.net.connect({ port, host: 'svc.test', family: 4, lookup: asLookup(lookup) }))
      ctx.watchSocket(c, 'client', ['lookup'])
      await ctx.once(c, 'connect', 'client')
      c.end()
      await closed(ctx, c, 'client')
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
      const c = ctx.own(ctx.net.connect({ port: 80, host: 'nowhere.test', lookup: asLookup(lookup) }))
      ctx.watchSocket(c, 'client', ['lookup'])
      await closed(ctx, c, 'client')
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
        ctx.own(c)
        ctx.watchSocket(c, 'client', ['lookup'])
        await closed(ctx, c, 'client')
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
      const c = ctx.own(ctx.net.connect({ port, host: 'two.test', lookup: asLookup(lookup) }))
      ctx.watchSocket(c, 'client', ['lookup'])
      await ctx.once(c, 'connect', 'client')
      ctx.log('client', `remoteAddress=${String(c.remoteAddress)} autoSelectFamilyAttemptedAddresses=${JSON.stringify(attempted(c))}`)
      c.end()
      await closed(ctx, c, 'client')
    },
  },
  {
    name: 'lookup/ip-literal-emits-no-lookup',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const c = ctx.own(ctx.net.connect({ port, host: '127.0.0.1' }))
      ctx.watchSocket(c, 'client', ['lookup'])
      await ctx.once(c, 'connect', 'client')
      c.end()
      await closed(ctx, c, 'client')
    },
  },
]

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
