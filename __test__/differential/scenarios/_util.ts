// Small helpers shared by the scenario modules.

import type NodeNet from 'node:net'

import { type Ctx, SOCKET_EVENTS, type Server, type Socket, type WatchOptions } from '../harness.js'

/**
 * The accepted side of a connection, for a scenario that sets its server up before the
 * connection exists: call `accept(s)` first thing in the connection listener, then await
 * `socket()`, `ended()` or `closed()` (they wait for the real thing even when the connection
 * listener has not run yet).
 */
export interface PeerSide {
  accept(s: Socket): void
  socket(): Promise<Socket>
  ended(): Promise<void>
  closed(): Promise<void>
}

export function peerSide(ctx: Ctx, label = 'peer'): PeerSide {
  const socket = ctx.deferred<Socket>(`${label}: accepted`)
  const ended = ctx.deferred<void>(`${label} 'end'`)
  const closedD = ctx.deferred<void>(`${label} 'close'`)
  return {
    accept: (s) => {
      socket.resolve(s)
      s.once('end', () => ended.resolve())
      s.once('close', () => closedD.resolve())
    },
    socket: () => socket.wait(),
    ended: () => ended.wait(),
    closed: () => closedD.wait(),
  }
}

/** The events of a peer that only reads: what it received, its 'end' and its 'close'. */
export const READ_EVENTS = ['data', 'end', 'close'] as const

export interface PeerServerOptions {
  /** createServer's options. */
  options?: NodeNet.ServerOpts
  /** The accepted socket's events to record into channel 'peer' (default: its usual events, as `watchSocket`; none when empty). */
  watch?: readonly string[]
  /** Runs on the accepted socket once it is recorded and handed to the `PeerSide`. */
  onConnection?: (s: Socket) => void
}

/** A server on 127.0.0.1 for a scenario's one connection, whose accepted side is `side` (see peerSide). */
export async function servePeer(ctx: Ctx, { options = {}, watch = SOCKET_EVENTS, onConnection }: PeerServerOptions = {}): Promise<{ port: number; side: PeerSide }> {
  const side = peerSide(ctx)
  const { port } = await ctx.serve(options, (s) => {
    ctx.watch(s, 'peer', watch)
    side.accept(s)
    onConnection?.(s)
  })
  return { port, side }
}

/** The next connection `server` accepts. */
export function nextConnection(ctx: Ctx, server: Server, label = 'server'): Promise<Socket> {
  return ctx.once<[Socket]>(server, 'connection', label).then(([s]) => s)
}

/**
 * `s` echoes what it reads and ends when its peer ends. Its errors are swallowed: where an echo
 * server is used, its side is not what the scenario observes (a reset the client causes must not
 * become an uncaught exception whose timing decides whether it lands in the log).
 */
export function echo(s: Socket): void {
  s.on('error', () => {})
  s.pipe(s)
}

/** A server whose accepted sockets echo, listening on 127.0.0.1. */
export function echoServer(ctx: Ctx, options: Parameters<Ctx['serve']>[0] = {}): ReturnType<Ctx['serve']> {
  return ctx.serve(options, echo)
}

/** Resolves on `s`'s 'close' (set up at once, so a close that comes early is not missed). */
export function closed(ctx: Ctx, s: Socket, label: string): Promise<unknown[]> {
  return ctx.once(s, 'close', label)
}

/** A socket and its 'close' (waited for from the start, so a close that comes early is not missed). */
export type WatchedSocket = [socket: Socket, closed: Promise<unknown[]>]

/** Owns `s` and records it as `label` (`ctx.watchSocket`'s arguments). */
export function watchedSocket(ctx: Ctx, s: Socket, label = 'client', extra: readonly string[] = [], options?: WatchOptions): WatchedSocket {
  ctx.own(s)
  ctx.watchSocket(s, label, extra, options)
  return [s, closed(ctx, s, label)]
}

/** `watchedSocket` of `ctx.net.connect(port, '127.0.0.1')`. */
export function watchedClient(ctx: Ctx, port: number, label = 'client', extra: readonly string[] = [], options?: WatchOptions): WatchedSocket {
  return watchedSocket(ctx, ctx.net.connect(port, '127.0.0.1'), label, extra, options)
}

/** `watchedClient`, once its 'connect' has come. */
export async function connectedClient(ctx: Ctx, port: number, label = 'client', extra: readonly string[] = [], options?: WatchOptions): Promise<WatchedSocket> {
  const [c, cClosed] = watchedClient(ctx, port, label, extra, options)
  await ctx.once(c, 'connect', label)
  return [c, cClosed]
}

/** A client of an echo server (see echoServer), connected and recorded as 'client'. */
export async function connectedToEcho(ctx: Ctx, options?: WatchOptions): Promise<WatchedSocket> {
  const { port } = await echoServer(ctx)
  return connectedClient(ctx, port, 'client', [], options)
}

/** `ctx.pair(serverOptions)`, its client recorded as 'client' and its 'close' waited for from the start. */
export async function pairWithWatchedClient(ctx: Ctx, serverOptions: NodeNet.ServerOpts = {}): Promise<{ client: Socket; peer: Socket; server: Server; clientClosed: Promise<unknown[]> }> {
  const { client, peer, server } = await ctx.pair(serverOptions)
  ctx.watchSocket(client, 'client')
  return { client, peer, server, clientClosed: closed(ctx, client, 'client') }
}

/**
 * Closes `server` with a recorded call (`label`, its return value) and a recorded callback, both
 * into `channel`; resolves on its 'close'.
 */
export async function closeRecorded(ctx: Ctx, server: Server, channel: string, label = 'close(cb)'): Promise<void> {
  const closing = ctx.once(server, 'close', channel)
  ctx.call(channel, label, () => server.close(ctx.cb(channel, 'close callback')), server)
  await closing
}

/** A raw HTTP/1.1 200 response with a body. */
export function httpResponse(body: string, headers: string[] = ['Connection: close']): string {
  return ['HTTP/1.1 200 OK', `Content-Length: ${Buffer.byteLength(body)}`, ...headers, '', body].join('\r\n')
}

/**
 * Writes 4 KiB chunks (bytes `i % 251`, counting on from `offset`) until `write` returns false:
 * the peer must not be reading, so the kernel's buffers fill and the writes queue up in the
 * socket. How many fit is the kernel's business; returns the bytes written, or -1 when 64 MiB
 * went without a false.
 */
export function fillUntilFalse(s: Socket, offset = 0): number {
  const chunk = 4096
  let sent = 0
  for (let n = 0; n < 16384; n++) {
    const b = Buffer.alloc(chunk)
    for (let i = 0; i < chunk; i++) b[i] = (offset + sent + i) % 251
    sent += chunk
    if (!s.write(b)) return sent
  }
  return -1
}

export interface PatternCount {
  /** Counts what `s` reads from now on; its first read is logged (so a stall shows which side stopped). */
  attach(s: Socket): void
  bytes(): number
  /** Whether every byte read so far is the `i % 251` pattern of `fillUntilFalse`. */
  inOrder(): boolean
}

/** Counts what the socket it is attached to reads, logging into `channel`. */
export function countPattern(ctx: Ctx, channel: string): PatternCount {
  let received = 0
  let ok = true
  return {
    attach: (s) => {
      s.once('data', () => ctx.log(channel, 'first data read'))
      s.on('data', (d: Buffer) => {
        for (let i = 0; i < d.length; i++) if (d[i] !== (received + i) % 251) ok = false
        received += d.length
      })
    },
    bytes: () => received,
    inOrder: () => ok,
  }
}

/**
 * The set-up of the backpressure scenarios: a server whose one connection is paused on connect,
 * so the client's writes fill the kernel's buffers until `side.socket()` is resumed, and whose
 * reads are `received` (logged as 'peer'); and a connected client of it, recorded as 'client'
 * with its 'drain' events.
 */
export async function clientOfAPausedPeer(ctx: Ctx): Promise<{ client: Socket; clientClosed: Promise<unknown[]>; side: PeerSide; received: PatternCount }> {
  const received = countPattern(ctx, 'peer')
  const { port, side } = await servePeer(ctx, { options: { pauseOnConnect: true }, watch: [], onConnection: (s) => received.attach(s) })
  const [client, clientClosed] = await connectedClient(ctx, port, 'client', ['drain'])
  return { client, clientClosed, side, received }
}
