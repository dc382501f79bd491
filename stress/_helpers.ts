// Helpers the stress suite shares (and `__test__/integrity.spec.ts`, through _integrity_paths.ts):
// a seeded payload that is generated while it is sent and never held whole, hashing sinks,
// node:net senders and receivers, process figures (RSS, descriptors, the descriptor limit),
// child processes, and the one-line figure reports. Not a `.spec.ts` file, so ava does not run
// it as a test file.

import { execFileSync } from 'node:child_process'
import { createCipheriv, createHash, randomInt } from 'node:crypto'
import type { Hash } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import v8 from 'node:v8'

import type { ExecutionContext } from 'ava'

import { fixtureArgv, lastJsonLine, runCommand } from './_fault_helpers.js'
import type { ChildResult } from './_fault_helpers.js'

// The topic files, not the index: the stress fixtures load this file too, and need no more.
import { collectGarbage, NO_HANDLES } from '../__test__/helpers/cleanup.js'

export { guard, pollUntil, quiet } from '../__test__/helpers/async.js'
export { fdCount, handles, sameHandles, track } from '../__test__/helpers/cleanup.js'
export { assertAbort, describeError, isWouldBlock, shape } from '../__test__/helpers/errors.js'

export const MiB = 1024 * 1024
export const ZERO_HANDLES = NO_HANDLES

/** The byte load.spec.ts's server sends on each connection it accepts (its client waits for it). */
export const LOAD_GREETING = 0x47

/** The largest echo message of the load clients. */
export const LOAD_MAX_MESSAGE = 4096

/**
 * The load clients' echo messages: message `index` of connection `conn` is 1 to
 * `LOAD_MAX_MESSAGE` bytes (its size taken from the payload itself) of a payload region of its
 * own, so every message of every connection differs.
 */
export class LoadMessages {
  private readonly payload: Payload

  constructor(
    connections: number,
    private readonly messages: number,
    seed: number,
  ) {
    this.payload = new Payload(connections * messages * LOAD_MAX_MESSAGE, seed)
  }

  message(conn: number, index: number): Buffer {
    const bytes = this.payload.bytes((conn * this.messages + index) * LOAD_MAX_MESSAGE, LOAD_MAX_MESSAGE)
    return bytes.subarray(0, 1 + (bytes.readUInt16LE(0) % LOAD_MAX_MESSAGE))
  }
}

// ---------------------------------------------------------------------------------------------
// Payload

/**
 * `size` pseudo-random bytes from a seed: the AES-128-CTR keystream under a key made from the
 * seed. Any range can be produced on its own (the counter is the block index), so a sender and
 * a checker regenerate the same bytes without sharing a buffer, at gigabytes per second.
 */
export class Payload {
  private readonly key: Buffer

  constructor(
    readonly size: number,
    readonly seed: number,
  ) {
    this.key = createHash('sha256').update(`tokio-net stress payload ${seed}`).digest().subarray(0, 16)
  }

  /** The bytes at `[offset, offset + length)`, clipped to the payload's end. */
  bytes(offset: number, length: number): Buffer {
    const end = Math.min(this.size, offset + length)
    if (end <= offset) return Buffer.alloc(0)
    const block = Math.floor(offset / 16)
    const skip = offset - block * 16
    const iv = Buffer.alloc(16)
    iv.writeUInt32BE(Math.floor(block / 2 ** 32), 8)
    iv.writeUInt32BE(block % 2 ** 32, 12)
    const cipher = createCipheriv('aes-128-ctr', this.key, iv)
    return cipher.update(Buffer.alloc(skip + end - offset)).subarray(skip)
  }

  /** The payload in order, `chunkSize` bytes at a time, each chunk fed to `sink` as it is made. */
  *chunks(chunkSize: number, sink?: HashSink): Generator<Buffer> {
    for (let off = 0; off < this.size; off += chunkSize) {
      const chunk = this.bytes(off, chunkSize)
      sink?.update(chunk)
      yield chunk
    }
  }
}

/** The seed for this run: `TOKIO_NET_STRESS_SEED` to replay a failure, else a random one. */
export function runSeed(): number {
  const fromEnv = Number(process.env.TOKIO_NET_STRESS_SEED)
  return Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : randomInt(1, 2 ** 31)
}

export interface Digest {
  length: number
  hash: string
}

/** A running sha256 and byte count. */
export class HashSink {
  private readonly h: Hash = createHash('sha256')
  length = 0

  update(bytes: Uint8Array): void {
    this.h.update(bytes)
    this.length += bytes.length
  }

  digest(): Digest {
    return { length: this.length, hash: this.h.digest('hex') }
  }
}

// ---------------------------------------------------------------------------------------------
// node:net peers: a reference implementation on the other end of the path under test

/** Waits until `s` may be written again, or is gone (then the reader has stopped: give up). */
export function drained(s: EventEmitter): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      s.off('drain', onDrain)
      s.off('close', onClose)
      resolve(ok)
    }
    const onDrain = done(true)
    const onClose = done(false)
    s.once('drain', onDrain)
    s.once('close', onClose)
  })
}

/** Listens on loopback, closing the server and every connection when the test ends. */
async function nodeServer(t: ExecutionContext, onConnection: (s: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    onConnection(s)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

/**
 * A node:net server that sends `payload` to the first connection, hashing it as it goes, then
 * closes its write side. Resolves with its address and, later, the digest of what it sent.
 */
export async function nodeSender(t: ExecutionContext, payload: Payload): Promise<[string, Promise<Digest>]> {
  let sent!: (d: Digest) => void
  const digest = new Promise<Digest>((resolve) => (sent = resolve))
  const addr = await nodeServer(t, (s) => {
    void (async () => {
      const sink = new HashSink()
      for (const chunk of payload.chunks(MiB, sink)) {
        if (!s.write(chunk) && !(await drained(s))) return
      }
      s.end()
      sent(sink.digest())
    })()
  })
  return [addr, digest]
}

/** A node:net server that hashes what its first connection sends until the FIN. */
export async function nodeReceiver(t: ExecutionContext): Promise<[string, Promise<Digest>]> {
  let received!: (d: Digest) => void
  const digest = new Promise<Digest>((resolve) => (received = resolve))
  const addr = await nodeServer(t, (s) => {
    const sink = new HashSink()
    s.on('data', (d: Buffer) => sink.update(d))
    s.on('end', () => {
      received(sink.digest())
      s.end()
    })
  })
  return [addr, digest]
}

/** Reads until EOF with `read(buf)` into one buffer of `size` bytes, hashing what arrives. */
export async function readLoop(r: { read(buf: Uint8Array): Promise<number> }, size = 256 * 1024): Promise<Digest> {
  const sink = new HashSink()
  const buf = Buffer.alloc(size)
  for (;;) {
    const n = await r.read(buf)
    if (n === 0) break
    sink.update(buf.subarray(0, n))
  }
  return sink.digest()
}

// ---------------------------------------------------------------------------------------------
// Process figures

export function rssBytes(): number {
  return process.memoryUsage.rss()
}

export function toMiB(bytes: number): number {
  return Math.round((bytes / MiB) * 10) / 10
}

/** RSS after finalizers ran and the heap was collected (three times): the figure leak bounds compare. */
export async function settledRss(): Promise<number> {
  await collectGarbage(3)
  return rssBytes()
}

export interface Memory {
  rss: number
  /** Pages V8 holds for its heap. It grows them (the young generation most) on its own schedule. */
  heapCommitted: number
  /** What live JS objects take, after collection. */
  heapUsed: number
}

/**
 * RSS after collection, with the part V8 holds for its heap split into committed and used.
 * RSS minus the heap's committed pages plus its used bytes is what a leak, native or JS,
 * grows; RSS alone also moves by V8 resizing its young generation (10 MiB steps seen here).
 */
export async function settledMemory(): Promise<Memory> {
  await collectGarbage(3)
  const heap = v8.getHeapStatistics()
  return { rss: rssBytes(), heapCommitted: heap.total_physical_size, heapUsed: heap.used_heap_size }
}

/** RSS with the heap counted by its live objects rather than by the pages V8 keeps for it. */
export function liveRss(m: Memory): number {
  return m.rss - m.heapCommitted + m.heapUsed
}

/** This process's soft RLIMIT_NOFILE, from /proc/self/limits (Infinity when unlimited). */
function openFileLimit(): number {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  const soft = line?.split(/\s{2,}/)[1]
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft)
}

/** Fails now, saying how to run it, when the descriptor limit cannot hold `needed` more. */
export function needDescriptors(t: ExecutionContext, needed: number): void {
  const limit = openFileLimit()
  if (limit < needed) {
    throw new Error(
      `this test needs ${needed} descriptors and the soft limit is ${limit}: run it through ` +
        '`npm run test:stress` / `npm run test:stress:short` (scripts/stress.sh raises the limit)',
    )
  }
  t.log(`descriptor limit ${limit}, needed ${needed}`)
}

/**
 * Prints a figure line twice: to the test log, and to stdout as `STRESS <name> k=v ...`, a
 * stable format that scripts can grep from a run's output.
 */
export function report(t: ExecutionContext, name: string, figures: Record<string, number | string>): void {
  const line = `STRESS ${name} ${Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`
  t.log(line)
  process.stdout.write(`${line}\n`)
}

// ---------------------------------------------------------------------------------------------
// Child processes

export { describeExit, FIXTURES } from './_fault_helpers.js'
export type { ChildResult } from './_fault_helpers.js'

/**
 * Runs `node --import tsx <fixture> ...args` with a time bound; SIGKILLs it when the bound
 * passes. A crash or a hang there is a failed assertion here, not a dead test runner.
 */
export function runFixture(fixture: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return runCommand(fixtureArgv(fixture, args), { timeoutMs, env })
}

/** The JSON a fixture printed on its last `RESULT {...}` line, or undefined. */
export function fixtureResult<T>(stdout: string): T | undefined {
  return lastJsonLine<T>(stdout, 'RESULT')
}

/** Runs `ip` (iproute2) with `args`; throws with its stderr when it fails. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 })
}

/** `ip(...args)`: null when it worked, else what it said. */
export function tryIp(...args: string[]): string | null {
  try {
    ip(...args)
    return null
  } catch (e) {
    return (e as { stderr?: string }).stderr?.trim() || (e as Error).message
  }
}
