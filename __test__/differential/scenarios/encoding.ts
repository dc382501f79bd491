// setEncoding on the reading side and encodings on write: utf8 split multibyte, hex, base64, latin1.

import type { Scenario } from '../harness.js'
import { closed, connectedClient, servePeer } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'encoding/utf8-multibyte-split-across-writes',
    async run(ctx) {
      const euro = Buffer.from('€')
      const emoji = Buffer.from('😀')
      // The peer sends the characters cut inside their bytes, in separate writes spaced by
      // turns of the event loop (whether they arrive in separate reads is up to TCP: the
      // concatenated string is what must be right, never a replacement character).
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        void (async () => {
          for (const part of [euro.subarray(0, 2), Buffer.concat([euro.subarray(2), emoji.subarray(0, 1)]), emoji.subarray(1, 3), Buffer.concat([emoji.subarray(3), Buffer.from('!')])]) {
            s.write(part)
            await ctx.quiet(10, 'spacing the writes')
          }
          s.end()
        })()
      })
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.call('client', "setEncoding('utf8')", () => c.setEncoding('utf8'), c)
      ctx.log('client', `readableEncoding=${String(c.readableEncoding)}`)
      const types = new Set<string>()
      c.on('data', (d: unknown) => types.add(typeof d))
      ctx.watchSocket(c, 'client')
      const done = closed(ctx, c, 'client')
      await done
      ctx.log('client', `chunk types: ${[...types].join(',')}`)
      ctx.bytes('client', 'client', c)
    },
  },
  {
    name: 'encoding/write-with-hex-base64-latin1-utf8-and-default-encoding',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, {
        watch: [],
        onConnection: (s) => {
          const chunks: Buffer[] = []
          s.on('data', (d: Buffer) => chunks.push(d))
          s.on('end', () => ctx.log('peer', `received hex ${Buffer.concat(chunks).toString('hex')}`))
        },
      })
      const [c, done] = await connectedClient(ctx, port)
      ctx.call('client', "write('deadbeef', 'hex')", () => c.write('deadbeef', 'hex'))
      ctx.call('client', "write('aGk=', 'base64')", () => c.write('aGk=', 'base64'))
      ctx.call('client', "write('é', 'latin1')", () => c.write('é', 'latin1'))
      ctx.call('client', "write('ÿ', 'binary')", () => c.write('ÿ', 'binary'))
      ctx.call('client', "write('€', 'utf8')", () => c.write('€', 'utf8'))
      ctx.call('client', "write('€') (default utf8)", () => c.write('€'))
      ctx.call('client', "setDefaultEncoding('hex')", () => c.setDefaultEncoding('hex'), c)
      ctx.call('client', "write('cafe') (default hex)", () => c.write('cafe'))
      ctx.call('client', "write('', 'utf8')", () => c.write('', 'utf8'))
      ctx.log('client', `bytesWritten=${c.bytesWritten}`)
      c.end('00ff', 'hex')
      await done
      await side.closed()
      ctx.bytes('client', 'client', c)
    },
  },
  {
    name: 'encoding/setEncoding-hex-base64-latin1-on-read',
    async run(ctx) {
      const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x41, 0xe9])
      const { port } = await ctx.serve({}, (s) => {
        s.on('error', () => {})
        s.end(bytes)
      })
      const runs = (['hex', 'base64', 'latin1', 'ascii', 'utf16le'] as const).map(async (enc) => {
        const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
        c.setEncoding(enc)
        ctx.watchSocket(c, enc)
        await closed(ctx, c, enc)
      })
      await Promise.all(runs)
    },
  },
]
