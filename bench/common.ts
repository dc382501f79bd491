// The workload driver every JavaScript client shares (Node, Bun, Deno). A client supplies only
// the socket primitives (connect, ping-pong, upload, download, pipeline, close); the driver
// does the warm-up, the timing, the CPU and RSS readings, and prints one JSON line.
//
// Usage (all clients, including the Rust one): <workload> <port> [n1] [n2]
//   pingpong <port> <size> <count>     round trips of <size>-byte messages on one connection
//   upload   <port> <bytes>            <bytes> in 64 KiB writes to the sink, then FIN
//   download <port> <bytes>            <bytes> from the source, read in 64 KiB reads until EOF
//   pipeline <port> <count> <size>     <count> writes of <size> bytes, echoes read concurrently
//   pipeline-bufwriter <port> <count> <size>   the same through a buffered writer where the client
//                                      has one (tokio-net's BufWriter), else its pipeline code
//   connect  <port> <count>            sequential connect + close
//   fanin    <port> <conns> <rts>      <conns> connections, <rts> 64 B round trips each, at once
//   idle     <port> <conns>            hold <conns> open connections; RSS before and after
import process from 'node:process'
import { readFileSync } from 'node:fs'

export const CHUNK = 64 * 1024
export const MODE_ECHO = 0x45 // 'E'
export const MODE_SINK = 0x53 // 'S'
export const MODE_SOURCE = 0x4f // 'O'

export interface Client<C> {
  /** Connects to 127.0.0.1:port, sets TCP_NODELAY, and sends the mode byte if one is given. */
  connect(port: number, mode: number | null): Promise<C>
  close(c: C): void
  /** `count` round trips: write `msg`, read back exactly msg.length bytes. Latencies in ms into `lat`. */
  pingpong(c: C, msg: Uint8Array, buf: Uint8Array, count: number, lat: Float64Array | null): Promise<void>
  /** Sends `total` bytes in 64 KiB writes to a sink connection, shuts down, returns the server's count. */
  upload(port: number, total: number): Promise<number>
  /** Asks a source connection for `total` bytes and reads until EOF; returns the count read. */
  download(port: number, total: number): Promise<number>
  /** Writes `count` messages of `size` bytes one call each, reading the echoes concurrently. */
  pipeline(port: number, count: number, size: number): Promise<void>
  /**
   * The same as pipeline, each message written through a buffered writer (tokio-net's BufWriter)
   * that is flushed at the end. A client without one runs pipeline() for this workload.
   */
  pipelineBuffered?(port: number, count: number, size: number): Promise<void>
  /** Optional extra figures reported after the workload, everything closed (e.g. live handle counts). */
  finish?(): Promise<Record<string, number | string | null>>
}

/** A big-endian-free u64 little-endian encoding of a byte count, for the source request. */
export function u64le(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return b
}

export function readU64le(b: Uint8Array): number {
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true))
}

export const now = (): number => performance.now()

/** User + system CPU seconds of the whole process (every thread). */
export function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

export function rssBytes(): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

function collectGarbage(): void {
  const g = globalThis as { Bun?: { gc: (force: boolean) => void }; gc?: () => void }
  if (g.Bun?.gc) g.Bun.gc(true)
  else if (typeof g.gc === 'function') g.gc()
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.round((p / 100) * (sorted.length - 1))]
}

async function timed(f: () => Promise<void>): Promise<{ seconds: number; cpu: number }> {
  const c0 = cpuSeconds()
  const t0 = now()
  await f()
  const seconds = (now() - t0) / 1000
  return { seconds, cpu: cpuSeconds() - c0 }
}

async function openMany<C>(client: Client<C>, port: number, n: number, mode: number | null, batch: number): Promise<C[]> {
  const out: C[] = []
  while (out.length < n) {
    const k = Math.min(batch, n - out.length)
    const got = await Promise.all(Array.from({ length: k }, () => client.connect(port, mode)))
    for (const c of got) out.push(c)
  }
  return out
}

async function fanin<C>(client: Client<C>, port: number, conns: number, rts: number) {
  const cs = await openMany(client, port, conns, MODE_ECHO, conns)
  const msg = new Uint8Array(64).fill(0x42)
  const r = await timed(async () => {
    await Promise.all(cs.map((c) => client.pingpong(c, msg, new Uint8Array(64), rts, null)))
  })
  for (const c of cs) client.close(c)
  return r
}

const warm = (n: number) => Math.max(1, Math.floor(n / 10))

async function drive<C>(client: Client<C>): Promise<Record<string, number | string | null>> {
  const [workload, portS, n1S, n2S] = process.argv.slice(2)
  const port = Number(portS)
  const n1 = Number(n1S ?? 0)
  const n2 = Number(n2S ?? 0)
  switch (workload) {
    case 'pingpong': {
      const size = n1
      const count = n2
      const c = await client.connect(port, MODE_ECHO)
      const msg = new Uint8Array(size).fill(0x42)
      const buf = new Uint8Array(size)
      await client.pingpong(c, msg, buf, warm(count), null)
      const lat = new Float64Array(count)
      const r = await timed(() => client.pingpong(c, msg, buf, count, lat))
      client.close(c)
      lat.sort()
      return { ops: count, ...r, p50_us: percentile(lat, 50) * 1000, p99_us: percentile(lat, 99) * 1000 }
    }
    case 'upload':
    case 'download': {
      const total = n1
      const f = (t: number) => (workload === 'upload' ? client.upload(port, t) : client.download(port, t))
      await f(Math.floor(total / 16))
      let got = 0
      const r = await timed(async () => {
        got = await f(total)
      })
      if (got !== total) throw new Error(`${workload}: ${got} bytes, expected ${total}`)
      return { ops: total, bytes: total, ...r }
    }
    case 'pipeline':
    case 'pipeline-bufwriter': {
      const count = n1
      const size = n2
      const f = workload === 'pipeline-bufwriter' && client.pipelineBuffered ? client.pipelineBuffered.bind(client) : client.pipeline.bind(client)
      await f(port, warm(count), size)
      const r = await timed(() => f(port, count, size))
      return { ops: count, ...r }
    }
    case 'connect': {
      const count = n1
      const run = async (n: number) => {
        for (let i = 0; i < n; i++) client.close(await client.connect(port, null))
      }
      await run(warm(count))
      const r = await timed(() => run(count))
      return { ops: count, ...r }
    }
    case 'fanin': {
      await fanin(client, port, warm(n1), warm(n2))
      const r = await fanin(client, port, n1, n2)
      return { ops: n1 * n2, ...r }
    }
    case 'idle': {
      const conns = n1
      for (const c of await openMany(client, port, warm(conns), null, 100)) client.close(c)
      await sleep(100)
      collectGarbage()
      const rss_before = rssBytes()
      let held: C[] = []
      const r = await timed(async () => {
        held = await openMany(client, port, conns, null, 100)
      })
      await sleep(200)
      collectGarbage()
      const rss_after = rssBytes()
      const n = held.length
      for (const c of held) client.close(c)
      return { ops: n, ...r, rss_before, rss_after }
    }
    default:
      throw new Error(`unknown workload ${workload}`)
  }
}

/** Runs the workload named on the command line with `client`, prints the JSON line, exits. */
export function run<C>(client: Client<C>): void {
  drive(client).then(
    async (out) => {
      if (client.finish) Object.assign(out, await client.finish())
      process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0))
    },
    (err: unknown) => {
      const e = err as { unavailable?: unknown; message?: unknown; stack?: string; code?: string; kind?: string } | null | undefined
      if (e?.unavailable === true) {
        // The runtime or addon cannot do this workload (e.g. an export added later): not a failure.
        process.stdout.write(JSON.stringify({ unavailable: String(e.message) }) + '\n', () => process.exit(0))
        return
      }
      process.stderr.write(`bench client failed: ${e?.stack ?? String(err)}\n` + (e?.code ? `code: ${e.code} kind: ${String(e.kind)}\n` : ''))
      process.exit(1)
    },
  )
}
