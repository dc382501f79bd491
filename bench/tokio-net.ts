// Loads tokio-net for the bench programs the same way on Node (tsx), Bun and Deno, and types the
// parts of the 0.2 API (API.md, "Added in 0.2") that an older addon may lack.
//
// `import { TcpStream } from '../index.js'` does not work under Deno (it loads index.js as an ES
// module, which has no named exports); a require made with createRequire loads the CommonJS
// loader everywhere. The 0.2 exports are read off the binding object at run time: a program that
// needs one calls `need(name)`, which throws an Unavailable error naming what is missing, and the
// harness reports that cell as `n/a (reason)` instead of a failure.
import { createRequire } from 'node:module'
import type * as TokioNet from '../index.js'

type TcpStream = TokioNet.TcpStream
type Reader = TokioNet.TcpStream | TokioNet.ReadHalf | TokioNet.OwnedReadHalf
type Writer = TokioNet.TcpStream | TokioNet.WriteHalf | TokioNet.OwnedWriteHalf
type Op = { signal?: AbortSignal }

// Local declarations of the 0.2 signatures; remove once index.d.ts carries them.
export interface BufReader {
  read(buf: Uint8Array, opts?: Op): Promise<number>
  readExact(buf: Uint8Array, opts?: Op): Promise<number>
  readLine(opts?: Op): Promise<string>
  readUntil(byte: number, opts?: Op): Promise<Buffer>
  lines(): AsyncIterable<string>
  fillBuf(opts?: Op): Promise<Buffer>
  consume(n: number): void
  buffer(): Buffer
  capacity(): number
  intoInner(): Reader
  close(): void
}
export interface BufWriter {
  write(buf: Uint8Array, opts?: Op): Promise<number>
  writeAll(buf: Uint8Array, opts?: Op): Promise<void>
  flush(opts?: Op): Promise<void>
  shutdown(opts?: Op): Promise<void>
  buffer(): Buffer
  capacity(): number
  intoInner(): Writer
  close(): void
}
export interface Added02 {
  BufReader: new (reader: Reader, capacity?: number) => BufReader
  BufWriter: new (writer: Writer, capacity?: number) => BufWriter
  copy(reader: Reader, writer: Writer, opts?: Op): Promise<number>
  copyBuf(bufReader: BufReader, writer: Writer, opts?: Op): Promise<number>
  copyBidirectional(a: TcpStream, b: TcpStream, opts?: Op): Promise<[number, number]>
  driverPlace(): 'js-thread' | 'workers'
}

type Binding = typeof TokioNet & Partial<Added02>

// tsc types these files as CommonJS (no "type": "module"), where it refuses import.meta; tsx and
// Bun run them with import.meta.url set, and Deno runs them as ES modules.
// @ts-ignore TS1470
const require = createRequire(import.meta.url)
export const tokioNet = require('../index.js') as Binding

/** Thrown when the addon lacks an export a workload needs; reported as `n/a (message)`. */
export class Unavailable extends Error {
  readonly unavailable = true
}

/** The 0.2 export `name`, or an Unavailable error if this addon predates it. */
export function need<K extends keyof Added02>(name: K): Added02[K] {
  const v = tokioNet[name]
  if (v === undefined) throw new Unavailable(`this tokio-net addon has no ${name} export (added in 0.2)`)
  return v as Added02[K]
}

/** Where the I/O driver runs in this process, if the addon can say. */
export function driverPlace(): string | null {
  return tokioNet.driverPlace ? tokioNet.driverPlace() : null
}
