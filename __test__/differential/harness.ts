// The differential harness: a scenario is written once against a `net`-like module and `http`,
// and records what it observes into a log; the child runner (child.ts) runs it on node:net, on
// tokio-net/net and under the tokio-net/register preload, and net_differential.spec.ts compares
// each log with node:net's. Not a `.spec.ts` file: ava does not run it as a test file.
//
// A log is a set of channels, each an ordered list of strings. One channel holds the events
// whose relative order is deterministic on node:net (one socket's events, or a server's and its
// accepted socket's when that order is the point); events of two sides of a connection, whose
// interleaving depends on scheduling, go to two channels. Everything nondeterministic is
// normalized when it is recorded: ephemeral ports become `<port>`, temporary paths `<tmp:name>`,
// received data is recorded once per 'end' (or 'close') as the concatenation of the chunks,
// error messages of system errors are left out (code, errno, syscall and class are kept).

import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type NodeHttp from 'node:http'
import type NodeNet from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Duplex } from 'node:stream'

export type ImplName = 'node' | 'tokio' | 'preload'
export const IMPLS: readonly ImplName[] = ['node', 'tokio', 'preload']

/** What a scenario gets as `net`: node:net's module shape (tokio-net/net's default export is cast to it). */
export type NetModule = typeof NodeNet
export type HttpModule = typeof NodeHttp
export type Socket = NodeNet.Socket
export type Server = NodeNet.Server

/** Channel name → entries, in the order they were recorded. */
export type Log = Record<string, string[]>

export interface Outcome {
  /** ok: the scenario ran to its end; hang: its guard fired; failed: it threw; crashed: the child died. */
  status: 'ok' | 'hang' | 'failed' | 'crashed'
  log: Log
  /** For hang and failed: where (pending waits) or what (the error), normalized. */
  detail?: string
  /** Isolated scenarios only: `exited code=N` or `kept alive` (after the scenario's bound). */
  exit?: string
}

export interface Scenario {
  name: string
  run(ctx: Ctx): Promise<void>
  /**
   * Run in a child of its own (one per implementation), for process exit and flags. The child
   * prints each log entry as it is recorded; once `run` has resolved, an unref'd timer of
   * `aliveMs` reports `kept alive` if nothing else ended the process by then.
   */
  isolated?: {
    /** The bound for "the process stays alive": how long to wait after `run` resolved. */
    aliveMs?: number
    /** Extra node flags for this child. */
    flags?: string[]
    /** Install the recording `uncaughtException` handler (the batch child always has it). */
    handleUncaught?: boolean
  }
  /** Hang guard for this scenario in the batch child (default `DEFAULT_GUARD_MS`). */
  guardMs?: number
}

/**
 * Known, documented differences from node:net. Each entry names the scenario, the
 * implementation whose run is not compared with node:net's, why, and what that run must show
 * instead (a pattern its log's JSON must match), so the documented behaviour stays checked.
 */
export interface KnownDifference {
  scenario: string
  impl: Exclude<ImplName, 'node'>
  reason: string
  mustMatch: RegExp
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    scenario: 'unix/listen-and-connect-on-a-path',
    impl: 'tokio',
    reason: 'README "What differs from node:net": tokio-net/net is TCP only; a Unix socket path is refused with a TypeError ERR_INVALID_ARG_VALUE (no silent fallback). Under the preload the same calls must reach node:net.',
    mustMatch: /TypeError\{code=ERR_INVALID_ARG_VALUE/,
  },
  {
    scenario: 'unix/listen-again-after-EADDRINUSE-on-a-path',
    impl: 'tokio',
    reason: 'README "What differs from node:net": tokio-net/net is TCP only; listen(path) is refused with a TypeError ERR_INVALID_ARG_VALUE. Under the preload the server hands the path to node:net and listens again after EADDRINUSE.',
    mustMatch: /TypeError\{code=ERR_INVALID_ARG_VALUE/,
  },
  {
    scenario: 'unix/http-get-socketPath',
    impl: 'tokio',
    reason: 'README "What differs from node:net": an http.Agent whose createConnection is tokio-net/net\'s refuses { socketPath } (TCP only). Under the preload, http.get({ socketPath }) must reach node:net.',
    mustMatch: /TypeError\{code=ERR_INVALID_ARG_VALUE/,
  },
]

export function knownDifference(scenario: string, impl: ImplName): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((d) => d.scenario === scenario && d.impl === impl)
}

/**
 * Hang guard of one scenario in the batch child. On node:net the slowest scenario takes about
 * 0.6 s; the guard is far above that so that a loaded machine (other test files, other jobs)
 * never turns a slow run into a `hang`. It only costs time when an implementation does hang.
 */
export const DEFAULT_GUARD_MS = 5000
/** How long an isolated scenario's child may stay alive after `run` resolved before it is called `kept alive`. */
export const DEFAULT_ALIVE_MS = 800

// ---- formatting ------------------------------------------------------------------------------

const TMP_PREFIX = path.join(os.tmpdir(), 'tokio-net-diff-')
const BUILTIN_ERRORS: ReadonlyArray<new () => Error> = [AggregateError as unknown as new () => Error, TypeError, RangeError, SyntaxError, ReferenceError, Error]

function errorClass(e: object): string {
  for (const C of BUILTIN_ERRORS) if (e instanceof C) return C.name
  return 'non-Error'
}

/** Paths handed out by `tmpPath`, and how they are recorded. */
const tmpPaths = new Map<string, string>()

function maskText(s: string): string {
  let out = s
  for (const [p, shown] of tmpPaths) out = out.split(p).join(shown)
  return out
}

function isPortKey(k: string): boolean {
  return /port$/i.test(k)
}

function maskPort(v: unknown): unknown {
  return typeof v === 'number' && v > 0 ? '<port>' : v
}

/** An error's field as text: a string or a number as it is, anything else as `fmt` shows it. */
function fieldText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : fmt(v)
}

/** An error as class, name (when not the class's), code, errno, syscall, address and port; the message only for errors without a code (the scenarios' own). */
export function fmtErr(e: unknown): string {
  if (!e || typeof e !== 'object') return `thrown(${fmt(e)})`
  const o = e as Record<string, unknown>
  const cls = errorClass(e)
  const parts: string[] = []
  if (typeof o.name === 'string' && o.name !== cls) parts.push(`name=${o.name}`)
  if (o.code !== undefined) parts.push(`code=${fieldText(o.code)}`)
  if (o.errno !== undefined) parts.push(`errno=${fieldText(o.errno)}`)
  if (o.syscall !== undefined) parts.push(`syscall=${fieldText(o.syscall)}`)
  if (o.address !== undefined) parts.push(`address=${maskText(fieldText(o.address))}`)
  if (o.port !== undefined) parts.push(`port=${fieldText(maskPort(o.port))}`)
  if (o.code === undefined && typeof o.message === 'string') parts.push(`message=${JSON.stringify(maskText(o.message).replace(/\d{4,}/g, 'N'))}`)
  if (Array.isArray(o.errors)) parts.push(`errors=[${o.errors.map(fmtErr).join(',')}]`)
  return `${cls}{${parts.join(',')}}`
}

const SHORT = 160

function fmtBytes(b: Buffer): string {
  if (b.length > SHORT) return `buf(len=${b.length},sha1=${createHash('sha1').update(b).digest('hex').slice(0, 12)})`
  const text = b.toString('latin1')
  return /^[\x20-\x7e]*$/.test(text) ? `buf${JSON.stringify(text)}` : `buf(hex=${b.toString('hex')})`
}

function fmtString(s: string): string {
  if (s.length > SHORT) return `str(len=${s.length},sha1=${createHash('sha1').update(s).digest('hex').slice(0, 12)})`
  return JSON.stringify(maskText(s))
}

/** A value as a short deterministic string; `self` prints as `this`. */
export function fmt(v: unknown, self?: unknown): string {
  if (self !== undefined && v === self) return 'this'
  if (v === undefined) return 'undefined'
  if (v === null) return 'null'
  if (typeof v === 'string') return fmtString(v)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (typeof v === 'function') return 'function'
  if (typeof v !== 'object') return typeof v
  if (Buffer.isBuffer(v)) return fmtBytes(v)
  if (v instanceof Uint8Array) return fmtBytes(Buffer.from(v.buffer, v.byteOffset, v.byteLength))
  if (v instanceof Error) return fmtErr(v)
  if (Array.isArray(v)) return `[${v.map((x) => fmt(x)).join(',')}]`
  if (v instanceof Duplex) return 'Socket'
  if (v instanceof EventEmitter) return v.constructor.name === 'Server' ? 'Server' : 'EventEmitter'
  const o = v as Record<string, unknown>
  const keys = Object.keys(o).sort()
  return `{${keys.map((k) => `${k}:${isPortKey(k) ? fmt(maskPort(o[k])) : fmt(o[k])}`).join(',')}}`
}

// ---- recording -------------------------------------------------------------------------------

/** Where a recorder's entries go: kept (batch) or also printed at once (isolated). */
export type Sink = (channel: string, entry: string) => void

export class Recorder {
  readonly log: Log = {}
  #frozen = false
  readonly #sink: Sink | undefined
  readonly #pending = new Map<string, number>()
  #uncaughtWaiters: Array<() => void> = []
  #uncaughtCount = 0

  constructor(sink?: Sink) {
    this.#sink = sink
  }

  add(channel: string, entry: string): void {
    if (this.#frozen) return
    const list = this.log[channel] ?? (this.log[channel] = [])
    list.push(entry)
    this.#sink?.(channel, entry)
  }

  /** After the scenario: nothing more is recorded (late events of a cleanup are not observations). */
  freeze(): void {
    this.#frozen = true
  }

  pendingStart(label: string): void {
    this.#pending.set(label, (this.#pending.get(label) ?? 0) + 1)
  }

  pendingEnd(label: string): void {
    const n = (this.#pending.get(label) ?? 0) - 1
    if (n > 0) this.#pending.set(label, n)
    else this.#pending.delete(label)
  }

  /** The waits still pending, for a hang's report. */
  pending(): string[] {
    return [...this.#pending.keys()].sort()
  }

  /** Called by the child's `uncaughtException` handler. */
  uncaught(err: unknown, origin: string): void {
    this.add('uncaught', `${origin} ${fmtErr(err)}`)
    this.#uncaughtCount++
    const waiters = this.#uncaughtWaiters
    this.#uncaughtWaiters = []
    for (const w of waiters) w()
  }

  /** Resolves once `n` uncaught exceptions in all have been recorded (at once if they have been). */
  async uncaughtCount(n: number): Promise<void> {
    while (this.#uncaughtCount < n) await new Promise<void>((resolve) => this.#uncaughtWaiters.push(resolve))
  }
}

export interface WatchOptions {
  /** The channel to record into (default: the label). */
  channel?: string
  /** 'concat' (default): received data once, concatenated, before 'end'/'close'; 'chunks': every 'data' event. */
  data?: 'concat' | 'chunks'
}

export const SOCKET_EVENTS = ['connect', 'ready', 'data', 'end', 'close', 'error', 'timeout'] as const
export const SERVER_EVENTS = ['listening', 'connection', 'close', 'error', 'drop'] as const

interface Closer {
  close(): void
}

/** A value that comes later (from inside an event handler), awaited with a name for hang reports. */
export interface Deferred<T> {
  resolve(value: T): void
  /** Resolves with the value; while it waits, a hang report names `label`. */
  wait(): Promise<T>
}

export interface Ctx {
  readonly impl: ImplName
  readonly net: NetModule
  readonly http: HttpModule
  readonly isolated: boolean
  /** Records `entry` into `channel`. */
  log(channel: string, entry: string): void
  /** Records each of `events` on `em` with its normalized arguments, as `label.event args`. */
  watch(em: EventEmitter, label: string, events: readonly string[], options?: WatchOptions): void
  /** `watch` with a socket's usual events (connect, ready, data, end, close, error, timeout) plus `extra`. */
  watchSocket(s: Socket, label: string, extra?: readonly string[], options?: WatchOptions): Socket
  /** `watch` with a server's events (listening, connection, close, error, drop). */
  watchServer(s: Server, label: string, options?: WatchOptions): Server
  /** Runs `fn`, recording its return value (`this` when it is `self`) or what it threw. */
  call<T>(channel: string, label: string, fn: () => T, self?: unknown): T | undefined
  /** A callback that records its calls (with their arguments) into `channel`. */
  cb(channel: string, label: string): (...args: unknown[]) => void
  /** Records readyState, destroyed, pending/connecting and readable/writable of `s`. */
  state(channel: string, label: string, s: Socket): void
  /** Records bytesRead and bytesWritten of `s`. */
  bytes(channel: string, label: string, s: Socket): void
  /** Resolves with the arguments of the next `event` on `em` (no rejection on 'error': watch it). */
  once<T extends unknown[] = unknown[]>(em: EventEmitter, event: string, label?: string): Promise<T>
  /** A value to be given from an event handler (the accepted socket, its 'close'), to await by name. */
  deferred<T = void>(label: string): Deferred<T>
  /** Resolves once the scenario has seen `n` (default 1) uncaught exceptions in all (at once if it has). */
  uncaught(n?: number): Promise<void>
  /** Cleans `x` up after the scenario (destroy for sockets, close for servers and agents). */
  own<T extends object>(x: T): T
  /** `server.listen(0, host)` and resolves with the port (the server is owned). */
  listen(server: Server, host?: string): Promise<number>
  /** A server (ctx.net.createServer(options, listener)), listening on 127.0.0.1; its accepted sockets are owned. */
  serve(options?: NodeNet.ServerOpts, onConnection?: (s: Socket) => void, host?: string): Promise<{ server: Server; port: number }>
  /** A connected pair: the client (ctx.net.connect) and the server's accepted socket. */
  pair(serverOptions?: NodeNet.ServerOpts, clientOptions?: Partial<NodeNet.TcpNetConnectOpts>): Promise<{ client: Socket; peer: Socket; server: Server; port: number }>
  /** A port of `host` that is bound by a socket that never listens: connects to it are refused. */
  refusedPort(host?: string): Promise<number>
  /**
   * A bounded wait that no outcome depends on: to show that something does NOT happen
   * meanwhile, or to space two actions apart. Never to wait for something to happen (that is
   * `once`). `why` says what it is for.
   */
  quiet(ms: number, why: string): Promise<void>
  /** Lets queued callbacks run `n` times (setImmediate turns). */
  turns(n?: number): Promise<void>
  /** A fresh path in the temporary directory, recorded as `<tmp:name>`. */
  tmpPath(name: string): string
  /** `fmt`: a value as the log shows it. */
  fmt(v: unknown): string
  /** Options for http.get/request that make the request go through `ctx.net` (only the `tokio` implementation needs one). */
  httpConnection(): Partial<NodeHttp.RequestOptions>
  /** An http.Agent whose connections go through `ctx.net`; owned. */
  agent(options: NodeHttp.AgentOptions): NodeHttp.Agent
}

export interface CtxDeps {
  impl: ImplName
  net: NetModule
  http: HttpModule
  isolated: boolean
  recorder: Recorder
  refusedPort(host: string): Promise<{ port: number; close(): void }>
}

/** Builds a scenario's context; `cleanup()` destroys and closes everything it owns. */
export function makeCtx(deps: CtxDeps): { ctx: Ctx; cleanup: () => Promise<void> } {
  const { recorder: rec, net, http, impl } = deps
  const owned: object[] = []
  const closers: Closer[] = []
  let tmpCount = 0

  const own = <T extends object>(x: T): T => {
    owned.push(x)
    return x
  }

  // Received data waiting for its 'end'/'close'/'error', per emitter and label: shared by every
  // watch() of the pair, so a 'data' watched later is flushed by an 'end' watched earlier.
  const pendingData = new WeakMap<EventEmitter, Map<string, Array<Buffer | string>>>()
  const chunksOf = (em: EventEmitter, label: string): Array<Buffer | string> => {
    let byLabel = pendingData.get(em)
    if (!byLabel) pendingData.set(em, (byLabel = new Map<string, Array<Buffer | string>>()))
    let chunks = byLabel.get(label)
    if (!chunks) byLabel.set(label, (chunks = []))
    return chunks
  }

  const watch = (em: EventEmitter, label: string, events: readonly string[], options: WatchOptions = {}): void => {
    const channel = options.channel ?? label
    const chunks = chunksOf(em, label)
    const flush = (): void => {
      if (chunks.length === 0) return
      const joined = chunks.every((c) => typeof c === 'string') ? `str ${fmt(chunks.join(''))}` : fmt(Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))))
      chunks.length = 0
      rec.add(channel, `${label}.data ${joined}`)
    }
    for (const event of events) {
      if (event === 'data') {
        em.on('data', (chunk: Buffer | string) => {
          if (options.data === 'chunks') rec.add(channel, `${label}.data ${typeof chunk === 'string' ? `str ${fmt(chunk)}` : fmt(chunk)}`)
          else chunks.push(chunk)
        })
        continue
      }
      em.on(event, (...args: unknown[]) => {
        if (event === 'end' || event === 'close' || event === 'error') flush()
        rec.add(channel, `${label}.${event}${args.length ? ` ${args.map((a) => fmt(a, em)).join(' ')}` : ''}`)
      })
    }
  }

  const once = <T extends unknown[] = unknown[]>(em: EventEmitter, event: string, label = event): Promise<T> => {
    const what = `${label} '${event}'`
    rec.pendingStart(what)
    return new Promise<T>((resolve) => {
      em.once(event, (...args: unknown[]) => {
        rec.pendingEnd(what)
        resolve(args as T)
      })
    })
  }

  const listen = async (server: Server, host = '127.0.0.1'): Promise<number> => {
    own(server)
    const listening = once(server, 'listening', 'listen')
    server.listen(0, host)
    await listening
    const a = server.address()
    if (!a || typeof a === 'string') throw new Error('listening server has no port')
    return a.port
  }

  const serve = async (options: NodeNet.ServerOpts = {}, onConnection?: (s: Socket) => void, host = '127.0.0.1'): Promise<{ server: Server; port: number }> => {
    const server = net.createServer(options, (s: Socket) => {
      own(s)
      onConnection?.(s)
    })
    const port = await listen(server, host)
    return { server, port }
  }

  const ctx: Ctx = {
    impl,
    net,
    http,
    isolated: deps.isolated,
    log: (channel, entry) => rec.add(channel, entry),
    watch,
    watchSocket: (s, label, extra = [], options) => {
      watch(s, label, [...SOCKET_EVENTS, ...extra], options)
      return s
    },
    watchServer: (s, label, options) => {
      watch(s, label, SERVER_EVENTS, options)
      return s
    },
    call: <T>(channel: string, label: string, fn: () => T, self?: unknown): T | undefined => {
      try {
        const r = fn()
        rec.add(channel, `${label} -> ${fmt(r, self)}`)
        return r
      } catch (e) {
        rec.add(channel, `${label} throws ${fmtErr(e)}`)
        return undefined
      }
    },
    cb: (channel, label) => (...args: unknown[]) => {
      rec.add(channel, `${label}(${args.map((a) => fmt(a)).join(', ')})`)
    },
    state: (channel, label, s) => {
      rec.add(channel, `${label}: readyState=${s.readyState} destroyed=${s.destroyed} pending=${s.pending} connecting=${s.connecting} readable=${s.readable} writable=${s.writable}`)
    },
    bytes: (channel, label, s) => {
      rec.add(channel, `${label}: bytesRead=${s.bytesRead} bytesWritten=${s.bytesWritten}`)
    },
    once,
    deferred: <T>(label: string): Deferred<T> => {
      let settled = false
      let resolve: (value: T) => void = () => {}
      const promise = new Promise<T>((r) => (resolve = r))
      return {
        resolve: (value: T) => {
          settled = true
          resolve(value)
        },
        wait: () => {
          if (settled) return promise
          rec.pendingStart(label)
          return promise.then((v) => {
            rec.pendingEnd(label)
            return v
          })
        },
      }
    },
    uncaught: async (n = 1) => {
      rec.pendingStart(`uncaught exception #${n}`)
      await rec.uncaughtCount(n)
      rec.pendingEnd(`uncaught exception #${n}`)
    },
    own,
    listen,
    serve,
    pair: async (serverOptions = {}, clientOptions = {}) => {
      let accept: (s: Socket) => void = () => {}
      const accepted = new Promise<Socket>((r) => (accept = r))
      const { server, port } = await serve(serverOptions, (s) => accept(s))
      rec.pendingStart('pair: accept/connect')
      const client = own(net.connect({ port, host: '127.0.0.1', ...clientOptions }))
      const [peer] = await Promise.all([accepted, new Promise((r) => client.once('connect', r))])
      rec.pendingEnd('pair: accept/connect')
      return { client, peer, server, port }
    },
    refusedPort: async (host = '127.0.0.1') => {
      const held = await deps.refusedPort(host)
      closers.push(held)
      return held.port
    },
    quiet: (ms) => new Promise((r) => setTimeout(r, ms)),
    turns: async (n = 3) => {
      for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r))
    },
    tmpPath: (name) => {
      const p = `${TMP_PREFIX}${process.pid}-${++tmpCount}-${name}`
      tmpPaths.set(p, `<tmp:${name}>`)
      return p
    },
    fmt: (v) => fmt(v),
    httpConnection: () => (impl === 'tokio' ? { createConnection: net.createConnection as unknown as NodeHttp.RequestOptions['createConnection'] } : {}),
    agent: (options) => {
      const agent = new http.Agent(options)
      if (impl === 'tokio') (agent as unknown as { createConnection: unknown }).createConnection = net.createConnection
      return own(agent)
    },
  }

  const cleanup = async (): Promise<void> => {
    for (const x of owned.reverse()) {
      try {
        if (x instanceof Duplex) x.destroy()
        else if (x instanceof http.Agent) x.destroy()
        else if (typeof (x as { close?: unknown }).close === 'function') (x as Closer).close()
      } catch {
        // already closed
      }
    }
    for (const c of closers) {
      try {
        c.close()
      } catch {
        // already closed
      }
    }
    await ctx.turns(3)
  }
  return { ctx, cleanup }
}
