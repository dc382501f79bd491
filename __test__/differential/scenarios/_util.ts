// Small helpers shared by the scenario modules.

import type { Ctx, Server, Socket } from '../harness.js'

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

/**
 * Counts what `s` reads and checks it is the `i % 251` pattern of `fillUntilFalse`; logs the
 * first read into `channel` (so a stall shows which side stopped).
 */
export function countPattern(ctx: Ctx, s: Socket, channel: string): { bytes(): number; inOrder(): boolean } {
  let received = 0
  let ok = true
  s.once('data', () => ctx.log(channel, 'first data read'))
  s.on('data', (d: Buffer) => {
    for (let i = 0; i < d.length; i++) if (d[i] !== (received + i) % 251) ok = false
    received += d.length
  })
  return { bytes: () => received, inOrder: () => ok }
}
