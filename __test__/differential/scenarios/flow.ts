// Backpressure (write returns false, 'drain'), pause/resume, pauseOnConnect, cork/uncork, write
// callbacks, end(data, cb), writes before connect.

import type { Scenario } from '../harness.js'
import { READ_EVENTS, clientOfAPausedPeer, closed, connectedClient, echoServer, fillUntilFalse, pairWithWatchedClient, servePeer, watchedClient } from './_util.js'

export const scenarios: Scenario[] = [
  {
    name: 'backpressure/fill-the-socket-until-write-returns-false-then-drain',
    // Fills the kernel's buffers (a few MiB): more time on a loaded machine than the other scenarios.
    guardMs: 10_000,
    async run(ctx) {
      const { client: c, clientClosed: done, side, received } = await clientOfAPausedPeer(ctx)
      const sent = fillUntilFalse(c)
      ctx.log('client', `write returned false before 64 MiB: ${sent > 0}`)
      ctx.log('client', `writableLength > 0: ${c.writableLength > 0}, writableNeedDrain: ${String(c.writableNeedDrain)}, bytesWritten === sent: ${c.bytesWritten === sent}`)
      const drained = ctx.once(c, 'drain', 'client')
      ;(await side.socket()).resume()
      await drained
      ctx.log('client', `after drain: writableLength=${c.writableLength} writableNeedDrain=${String(c.writableNeedDrain)}`)
      c.end()
      await side.ended()
      ctx.log('peer', `received === sent: ${received.bytes() === sent}, in order: ${String(received.inOrder())}`)
      await done
    },
  },
  {
    name: 'backpressure/large-write-to-a-reading-peer',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { watch: READ_EVENTS })
      const [c, done] = await connectedClient(ctx, port)
      ctx.watch(c, 'client', ['drain', 'finish'], { channel: 'client.w' })
      // Four high-water marks into empty loopback buffers: node:net writes it all at once.
      const size = c.writableHighWaterMark * 4
      const ok = ctx.call('client.w', 'write(4 x writableHighWaterMark)', () => c.write(Buffer.alloc(size, 'a'), ctx.cb('client.w', 'write callback')))
      ctx.log('client.w', `writableLength=${c.writableLength} writableNeedDrain=${String(c.writableNeedDrain)}`)
      if (ok === false) await ctx.once(c, 'drain', 'client')
      ctx.call('client.w', "write('tail')", () => c.write('tail', ctx.cb('client.w', 'tail callback')))
      c.end()
      await done
      await side.closed()
    },
  },
  {
    name: 'flow/pause-before-connect-then-resume',
    async run(ctx) {
      const { port } = await ctx.serve({}, (s) => s.end('abc'))
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      ctx.call('client', 'pause()', () => c.pause(), c)
      // Watched after pause(): the 'data' listener does not resume an explicitly paused stream.
      ctx.watchSocket(c, 'client')
      const done = closed(ctx, c, 'client')
      await ctx.once(c, 'connect', 'client')
      // Bounded: shows that a paused socket delivers neither 'data' nor 'end'.
      await ctx.quiet(100, "no 'data' or 'end' while paused")
      ctx.log('client', `isPaused=${String(c.isPaused())} readableFlowing=${String(c.readableFlowing)}`)
      ctx.call('client', 'resume()', () => c.resume(), c)
      await done
    },
  },
  {
    name: 'flow/pauseOnConnect-server',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, {
        options: { pauseOnConnect: true },
        onConnection: (s) => ctx.log('peer', `on connection: isPaused=${String(s.isPaused())} readableFlowing=${String(s.readableFlowing)}`),
      })
      const [c, done] = watchedClient(ctx, port)
      c.end('hello')
      await ctx.once(c, 'finish', 'client')
      // Bounded: shows the paused accepted socket delivers nothing until resumed.
      await ctx.quiet(100, "no 'data' on a pauseOnConnect socket")
      ;(await side.socket()).resume()
      await side.closed()
      await done
    },
  },
  {
    name: 'cork/uncork-writes-go-together-callbacks-in-order',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { watch: READ_EVENTS })
      const [c, done] = await connectedClient(ctx, port)
      ctx.watch(c, 'client', ['finish'], { channel: 'client.w' })
      c.cork()
      ctx.call('client.w', "write('a')", () => c.write('a', ctx.cb('client.w', 'cb a')))
      ctx.call('client.w', "write('b')", () => c.write('b', ctx.cb('client.w', 'cb b')))
      ctx.call('client.w', "write('c')", () => c.write('c', ctx.cb('client.w', 'cb c')))
      ctx.log('client.w', `corked: writableLength=${c.writableLength} writableCorked=${c.writableCorked} bytesWritten=${c.bytesWritten}`)
      c.uncork()
      ctx.log('client.w', `uncorked: writableCorked=${c.writableCorked}`)
      c.end()
      await done
      await side.closed()
      ctx.bytes('client', 'client', c)
    },
  },
  {
    name: 'cork/end-while-corked-flushes',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { watch: READ_EVENTS })
      const [c, done] = await connectedClient(ctx, port)
      c.cork()
      c.cork()
      c.write('x')
      c.end('y')
      await done
      await side.closed()
    },
  },
  {
    name: 'write/callbacks-and-end-callback-order',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { watch: READ_EVENTS })
      const [c, done] = await connectedClient(ctx, port)
      ctx.watch(c, 'client', ['finish'], { channel: 'client.w' })
      ctx.call('client.w', "write('a', cb)", () => c.write('a', ctx.cb('client.w', 'cb a')))
      ctx.call('client.w', "write('b', cb)", () => c.write('b', ctx.cb('client.w', 'cb b')))
      ctx.call('client.w', "end('c', cb)", () => c.end('c', ctx.cb('client.w', 'end cb')), c)
      ctx.state('client.w', 'after end()', c)
      await done
      await side.closed()
      ctx.call('client.w', 'end(cb) after close', () => c.end(ctx.cb('client.w', 'late end cb')), c)
      await ctx.turns()
    },
  },
  {
    name: 'write/before-connect-is-queued',
    async run(ctx) {
      const { port, side } = await servePeer(ctx, { watch: READ_EVENTS })
      const [c, done] = watchedClient(ctx, port)
      ctx.call('client', "write('early', cb) while connecting", () => c.write('early', ctx.cb('client', 'early cb')))
      ctx.log('client', `while connecting: bytesWritten=${c.bytesWritten} writableLength=${c.writableLength}`)
      c.end()
      await done
      await side.closed()
      ctx.bytes('client', 'client', c)
    },
  },
  {
    name: 'write/invalid-chunk-throws',
    async run(ctx) {
      const { client, clientClosed } = await pairWithWatchedClient(ctx)
      ctx.call('client', 'write(123)', () => client.write(123 as unknown as string), client)
      ctx.call('client', 'write(null)', () => client.write(null as unknown as string), client)
      ctx.call('client', 'write({})', () => client.write({} as unknown as string), client)
      await ctx.turns()
      ctx.state('client', 'after', client)
      client.end()
      await clientClosed
    },
  },
  {
    name: 'socket/setters-return-this',
    async run(ctx) {
      const { port } = await echoServer(ctx)
      const c = ctx.own(ctx.net.connect(port, '127.0.0.1'))
      await ctx.once(c, 'connect', 'client')
      ctx.call('client', 'setNoDelay()', () => c.setNoDelay(), c)
      ctx.call('client', 'setNoDelay(false)', () => c.setNoDelay(false), c)
      ctx.call('client', 'setKeepAlive(false)', () => c.setKeepAlive(false), c)
      ctx.call('client', 'setTimeout(0)', () => c.setTimeout(0), c)
      ctx.call('client', 'unref()', () => c.unref(), c)
      ctx.call('client', 'ref()', () => c.ref(), c)
      ctx.call('client', 'pause()', () => c.pause(), c)
      ctx.call('client', 'resume()', () => c.resume(), c)
      ctx.call('client', "setEncoding('utf8')", () => c.setEncoding('utf8'), c)
      ctx.call('client', 'cork()', () => c.cork(), c)
      ctx.call('client', 'uncork()', () => c.uncork(), c)
      ctx.call('client', 'end()', () => c.end(), c)
      ctx.call('client', 'destroy()', () => c.destroy(), c)
      await ctx.once(c, 'close', 'client')
    },
  },
]
