// How `Socket#connect()` reaches its peer, as node:net's `lookupAndConnect` and
// `internalConnectMultiple` do: the name is looked up, the addresses are tried in turn, each
// attempt through a TcpSocket that a cancel (destroy() while connecting) closes.

import dns from 'node:dns'
import type { EventEmitter } from 'node:events'
import { getDefaultAutoSelectFamily, isIP } from 'node:net'
import type { Duplex } from 'node:stream'

import { TcpSocket } from '../../index.js'
import type { TcpStream } from '../../index.js'

import type { ConnectOptions, LookupAddress, LookupFunction, LookupOptions } from './args.js'
import { codedError, isHandleClosed, netError } from './errors.js'

/** The connect attempts of one `connect()` call: `abort()` stops them. */
export class ConnectCancel {
  aborted = false
  /** The socket being connected now: closing it cancels the attempt. */
  socket: TcpSocket | null = null

  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.socket?.close()
    this.socket = null
  }
}

/** What `connectFirst` tells the socket connecting. */
export interface ConnectAttempts {
  /** The list of addresses tried (`ip:port`), filled in as they are: given only when there are several. */
  trying(tried: string[]): void
  /** The keepalive delay (ms) to set on each attempt's socket, or null for no keepalive. */
  keepAliveDelay(): number | null
  /** Connected to `address`: the stream is the socket's now. */
  connected(stream: TcpStream, address: string): void
}

/**
 * Tries the addresses in turn until one connects, and hands that one's stream to `attempts`.
 * Settles with nothing when cancelled; rejects with the error of the one address tried, or an
 * AggregateError of all of them, shaped as node:net's.
 */
export async function connectFirst(lookedUp: LookupAddress[] | Promise<LookupAddress[]>, port: number, options: ConnectOptions, cancel: ConnectCancel, attempts: ConnectAttempts): Promise<void> {
  const addresses = await lookedUp
  if (cancel.aborted) return
  const errors: Error[] = []
  const tried: string[] | null = addresses.length > 1 ? [] : null
  if (tried) attempts.trying(tried)
  for (const { address } of addresses) {
    tried?.push(`${address}:${port}`)
    let stream: TcpStream
    try {
      stream = await connectOne(address, port, options, cancel, attempts.keepAliveDelay())
    } catch (e) {
      if (cancel.aborted) return
      errors.push(e instanceof LocalBindError ? e.error : netError(e, 'connect', address, port))
      continue
    }
    if (cancel.aborted) {
      stream.close()
      return
    }
    attempts.connected(stream, address)
    return
  }
  if (errors.length === 1) throw errors[0]
  const last = errors[errors.length - 1] as Error & { code?: string }
  const agg = new AggregateError(errors, last?.message) as AggregateError & { code?: string }
  agg.code = last?.code
  throw agg
}

/**
 * Looks `host` up as node:net does, calling the lookup function now (a throw reaches the caller
 * of `connect()`), and emitting 'lookup' on `socket`. With no family asked for, no local address
 * and `autoSelectFamily` on (the default), every address is asked for (`all: true`) and they are
 * tried in turn, the families alternating; otherwise the one address the lookup gives. Settles
 * with the addresses to try.
 */
export function lookupAddresses(socket: Pick<EventEmitter, 'emit'>, host: string, port: number, options: ConnectOptions): Promise<LookupAddress[]> {
  const lookup: LookupFunction = options.lookup ?? dns.lookup
  const family = dnsFamily(options.family)
  const dnsopts: LookupOptions = { family, hints: options.hints || 0 }
  if (process.platform !== 'win32' && family !== 4 && family !== 6 && dnsopts.hints === 0) dnsopts.hints = dns.ADDRCONFIG
  const autoSelect = options.autoSelectFamily ?? getDefaultAutoSelectFamily()
  const all = family !== 4 && family !== 6 && !options.localAddress && autoSelect
  if (all) dnsopts.all = true
  let settle!: { resolve(a: LookupAddress[]): void; reject(e: unknown): void }
  const found = new Promise<LookupAddress[]>((resolve, reject) => {
    settle = { resolve, reject }
  })
  lookup(host, dnsopts, (err, answer, answerFamily) => {
    if (err) {
      socket.emit('lookup', err, undefined, undefined, host)
      settle.reject(err)
      return
    }
    if (!all) {
      socket.emit('lookup', err, answer, answerFamily, host)
      const bad = lookupAnswerError([{ address: answer as string, family: answerFamily as number }], host, port)
      if (bad) settle.reject(bad)
      else settle.resolve([{ address: answer as string, family: answerFamily as number }])
      return
    }
    // node:net reads the answer as a list whatever it is, entry by entry.
    const list = Array.from(answer as ArrayLike<LookupAddress>, (a) => (a !== null && typeof a === 'object' ? a : ({} as LookupAddress)))
    const byFamily: [LookupAddress[], LookupAddress[]] = [[], []]
    let firstFamily = 0
    for (const a of list) {
      socket.emit('lookup', null, a.address, a.family, host)
      if (!isIP(a.address) || (a.family !== 4 && a.family !== 6)) continue
      firstFamily ||= a.family
      const group = byFamily[a.family === firstFamily ? 0 : 1]
      if (!group.some((b) => b.address === a.address)) group.push(a)
    }
    if (byFamily[0].length === 0) {
      settle.reject(lookupAnswerError(list, host, port) ?? codedError(TypeError, 'ERR_INVALID_IP_ADDRESS', 'Invalid IP address: undefined'))
      return
    }
    const [first, second] = byFamily
    const toTry: LookupAddress[] = []
    for (let i = 0; i < Math.max(first.length, second.length); i++) {
      if (i < first.length) toTry.push(first[i])
      if (i < second.length) toTry.push(second[i])
    }
    settle.resolve(toTry)
  })
  return found
}

async function connectOne(address: string, port: number, options: ConnectOptions, cancel: ConnectCancel, keepAliveDelay: number | null): Promise<TcpStream> {
  // Always through a TcpSocket: closing it cancels the attempt (destroy() while connecting).
  // It is never unref'd: a pending connect keeps the process alive even on an unref'd socket,
  // as libuv's connect request does; unref() applies to the stream once connected.
  const v6 = isIP(address) === 6
  const sock = v6 ? TcpSocket.newV6() : TcpSocket.newV4()
  try {
    if (keepAliveDelay !== null) enableKeepAlive(sock, keepAliveDelay)
    if (options.localAddress != null || options.localPort != null) {
      const local = options.localAddress ?? (v6 ? '::' : '0.0.0.0')
      const localPort = options.localPort ?? 0
      try {
        sock.bind([local, localPort])
      } catch (e) {
        // node:net reports this as the bind it is, with the local address.
        throw new LocalBindError(netError(e, 'bind', local, localPort))
      }
    }
  } catch (e) {
    sock.close()
    throw e
  }
  cancel.socket = sock
  try {
    return await sock.connect([address, port])
  } finally {
    cancel.socket = null
  }
}

/** node:net's `family` option as a lookup takes it: 'IPv4' and 'IPv6' become 4 and 6. */
function dnsFamily(family: unknown): number {
  if (family === 'IPv4') return 4
  if (family === 'IPv6') return 6
  return family as number
}

/** What node:net says of a lookup answer's first entry when none of it can be connected to. */
function lookupAnswerError(answer: LookupAddress[], host: string, port: number): Error | null {
  const first = answer[0]
  if (!isIP(first?.address)) return codedError(TypeError, 'ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(first?.address)}`)
  if (first?.family !== 4 && first?.family !== 6) {
    return codedError(RangeError, 'ERR_INVALID_ADDRESS_FAMILY', `Invalid address family: ${String(first?.family)} ${host}:${port}`)
  }
  return null
}

/** A connect whose local `bind` failed: its error is reported as the bind's, not the connect's. */
class LocalBindError extends Error {
  constructor(readonly error: Error) {
    super(error.message)
  }
}

/** `connect()`'s `signal`: aborting it destroys the socket with an AbortError, as on node:net. */
export function destroyOnAbort(socket: Pick<Duplex, 'destroy' | 'once'>, signal: AbortSignal): void {
  const onAbort = (): void => {
    socket.destroy(abortError(signal.reason))
  }
  if (signal.aborted) process.nextTick(onAbort)
  else {
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('close', () => signal.removeEventListener('abort', onAbort))
  }
}

function abortError(reason: unknown): Error {
  const e = new Error('The operation was aborted', { cause: reason }) as Error & { code: string }
  e.name = 'AbortError'
  e.code = 'ABORT_ERR'
  return e
}

/**
 * Keepalive on, as node:net (libuv) sets it: the delay is truncated to whole seconds
 * (`~~(ms / 1000)`) and becomes the idle time before the first probe, then a probe a second,
 * ten of them, so a dead peer is found about ten seconds after the delay. A delay that comes to
 * less than a second, or one the OS refuses (Linux takes 1 to 32,767 s), leaves the system's
 * timing, where libuv ignores the failed `setsockopt` too.
 */
export function enableKeepAlive(target: TcpSocket | TcpStream, delayMs: number): void {
  const seconds = ~~(delayMs / 1000)
  if (seconds > 0) {
    try {
      target.setTcpKeepalive({ time: seconds * 1000, interval: 1000, retries: 10 })
      return
    } catch (e) {
      if (isHandleClosed(e)) throw e
    }
  }
  target.setKeepalive(true)
}
