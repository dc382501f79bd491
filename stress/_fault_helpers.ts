// Shared code of the fault, netns, hostile-input and memcheck stress files: child processes
// (one-shot and line-driven), a loopback connect target that never answers, socket pairs with
// small kernel buffers, and the test of "a typed tokio-net error". Not a `.spec.ts` file, so ava
// does not run it as a test file.

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import path from 'node:path'

import type { ExecutionContext } from 'ava'

import { TcpSocket, TcpStream } from '../index.js'
import type { SocketAddr, TcpListener } from '../index.js'

import { guard } from '../__test__/helpers/async.js'
import { closeQuietly, track } from '../__test__/helpers/cleanup.js'

export const FIXTURES = path.join(process.cwd(), 'stress', 'fixtures')
export const INDEX = path.join(process.cwd(), 'index.js')

// ---------------------------------------------------------------------------------------------
// Errors

export interface ErrorFields {
  name?: unknown
  message?: unknown
  kind?: unknown
  code?: unknown
}

function fields(e: unknown): ErrorFields {
  return e !== null && typeof e === 'object' ? e : {}
}

/** An `Error` carrying tokio-net's `kind` and `code` strings. */
export function isTypedError(e: unknown): boolean {
  const f = fields(e)
  return e instanceof Error && typeof f.kind === 'string' && typeof f.code === 'string'
}

/** `ECONNRESET` or `EPIPE` with the matching `kind`: what a write racing a peer's RST gets. */
export function isResetOrPipe(e: unknown): boolean {
  const { kind, code } = fields(e)
  return (kind === 'ConnectionReset' && code === 'ECONNRESET') || (kind === 'BrokenPipe' && code === 'EPIPE')
}

export function describe(e: unknown): string {
  if (e === null || typeof e !== 'object') return `non-object: ${String(e)}`
  const f = fields(e)
  return `${String(f.name)}: ${String(f.message)} (kind=${String(f.kind)}, code=${String(f.code)})`
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The bound ran out and the child was killed. */
  timedOut: boolean
  ms: number
}

export function describeExit(r: ChildResult): string {
  const how = r.timedOut ? 'killed after its time bound' : r.signal ? `killed by ${r.signal}` : `exit code ${String(r.code)}`
  return `${how} after ${r.ms}ms; stderr: ${r.stderr.slice(-3000) || '(empty)'}; stdout tail: ${r.stdout.slice(-1500) || '(empty)'}`
}

/** The argv that runs a TypeScript fixture under Node with tsx. */
export function fixtureArgv(fixture: string, args: string[] = []): string[] {
  return [process.execPath, '--import', 'tsx', path.join(FIXTURES, fixture), ...args]
}

export interface RunOptions {
  timeoutMs: number
  env?: NodeJS.ProcessEnv
  /** Keep only this many trailing characters of stdout (a batch can print a line per call). */
  keepStdout?: number
}

/** Runs `argv` to its end (or kills it with SIGKILL when `timeoutMs` runs out). Never rejects. */
export function runCommand(argv: string[], opts: RunOptions): Promise<ChildResult> {
  const started = Date.now()
  const keep = opts.keepStdout ?? 1 << 20
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout = (stdout + d).slice(-keep)
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-65536)
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs)
    child.on('error', (e) => {
      stderr += `\nspawn failed: ${e.message}`
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started })
    })
  })
}

/** The last line of `stdout` that is `PREFIX {json}`, parsed. */
export function lastJsonLine<T>(stdout: string, prefix: string): T | undefined {
  const lines = stdout.split('\n').filter((l) => l.startsWith(`${prefix} `))
  const last = lines.at(-1)
  return last === undefined ? undefined : (JSON.parse(last.slice(prefix.length + 1)) as T)
}

/** A JSON event a line-driven fixture printed: `{ event: ..., ...fields }`. */
export interface FixtureEvent {
  event: string
  [field: string]: unknown
}

/**
 * A child that prints one JSON event per line on stdout and takes one command per line on stdin.
 * Every wait is bounded; `kill()` is idempotent.
 */
export class LineChild {
  readonly events: FixtureEvent[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private stderrText = ''
  private readonly child: ChildProcessWithoutNullStreams
  private waiters: Array<() => void> = []

  constructor(argv: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let partial = ''
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      partial += d
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.startsWith('{')) continue
        try {
          this.events.push(JSON.parse(line) as FixtureEvent)
        } catch {
          // a stray line that merely starts with '{'
        }
      }
      this.wake()
    })
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderrText = (this.stderrText + d).slice(-65536)
    })
    this.child.stdin.on('error', () => {}) // the child may be gone when a command is sent
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.wake()
        resolve({ code, signal })
      })
      this.child.on('error', (e) => {
        this.stderrText += `\nspawn failed: ${e.message}`
        resolve({ code: null, signal: null })
      })
    })
  }

  get stderr(): string {
    return this.stderrText
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  send(command: string): void {
    this.child.stdin.write(`${command}\n`)
  }

  /** The first event named `name` (seen already or still to come), within `ms`. */
  async waitFor(name: string, ms: number): Promise<FixtureEvent> {
    let done = false
    const found = new Promise<FixtureEvent>((resolve, reject) => {
      const check = (): void => {
        if (done) return
        const e = this.events.find((x) => x.event === name)
        if (e) return resolve(e)
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          return reject(new Error(`child ended (${String(this.child.exitCode ?? this.child.signalCode)}) before "${name}"; events ${JSON.stringify(this.events)}; stderr: ${this.stderrText.slice(-2000)}`))
        }
        this.waiters.push(check)
      }
      check()
    })
    try {
      return await guard(found, `waiting for "${name}" (events so far ${JSON.stringify(this.events)}; stderr: ${this.stderrText.slice(-2000)})`, ms)
    } finally {
      done = true
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}

// ---------------------------------------------------------------------------------------------
// Sockets

/**
 * A loopback address whose SYNs are dropped: a listener with a backlog of 1 whose accept queue is
 * full (Linux drops a SYN when the queue is over its limit), so a `connect` to it stays pending
 * until it is aborted or the OS gives up (minutes). Close the returned handles when done.
 */
export async function blackholeTarget(): Promise<{ addr: SocketAddr; close(): void }> {
  const sock = TcpSocket.newV4()
  sock.bind('127.0.0.1:0')
  const listener = sock.listen(1)
  const addr = listener.localAddr()
  // Backlog 1 lets two connections complete into the queue; the next SYN is dropped.
  const queued = [await TcpStream.connect(addr), await TcpStream.connect(addr)]
  return {
    addr,
    close() {
      for (const s of queued) closeQuietly(s)
      closeQuietly(listener)
    },
  }
}

/**
 * A connected pair whose kernel buffers are small (`bufferBytes` each way, autotuning off), so a
 * few hundred kilobytes unread fill them: writes then really wait on the peer.
 */
export async function smallBufferPair(t: ExecutionContext, bufferBytes = 64 * 1024): Promise<[TcpStream, TcpStream]> {
  const ls = TcpSocket.newV4()
  ls.setRecvBufferSize(bufferBytes) // inherited by the accepted socket
  ls.bind('127.0.0.1:0')
  const listener: TcpListener = ls.listen(16)
  try {
    const cs = TcpSocket.newV4()
    cs.setSendBufferSize(bufferBytes)
    cs.setRecvBufferSize(bufferBytes)
    const [client, [server]] = await guard(Promise.all([cs.connect(listener.localAddr()), listener.accept()]), 'smallBufferPair')
    server.setNodelay(true)
    return [track(t, client), track(t, server)]
  } finally {
    listener.close()
  }
}

/** Resolves with `'pending'` if `p` has not settled after `ms`; its outcome otherwise. */
export async function stateAfter(p: Promise<unknown>, ms: number): Promise<'pending' | 'resolved' | 'rejected'> {
  let timer: NodeJS.Timeout | undefined
  const wait = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms)
  })
  try {
    return await Promise.race([
      p.then(
        () => 'resolved' as const,
        () => 'rejected' as const,
      ),
      wait,
    ])
  } finally {
    clearTimeout(timer)
  }
}
