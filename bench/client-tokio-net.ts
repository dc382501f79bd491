// The tokio-net client: TcpStream from this package, on Node, Bun and Deno (the same file under
// each runtime). See common.ts for the workloads.
import type { OwnedReadHalf, TcpStream } from '../index.js'
import { CHUNK, MODE_SINK, MODE_SOURCE, MODE_ECHO, type Client, now, readU64le, run, u64le } from './common.ts'
import { tokioNet } from './tokio-net.ts'

const { BufWriter, TcpStream: Stream, activeHandles, driverPlace } = tokioNet

/** Reads the echoes of a pipeline until `want` bytes are back. */
async function readEchoes(r: OwnedReadHalf, want: number): Promise<void> {
  const buf = new Uint8Array(CHUNK)
  let got = 0
  while (got < want) {
    const n = await r.read(buf)
    if (n === 0) throw new Error('unexpected EOF')
    got += n
  }
}

const client: Client<TcpStream> = {
  async connect(port, mode) {
    const s = await Stream.connect(`127.0.0.1:${port}`)
    s.setNodelay(true)
    if (mode !== null) await s.writeAll(Uint8Array.of(mode))
    return s
  },
  close(s) {
    s.close()
  },
  async pingpong(s, msg, buf, count, lat) {
    for (let i = 0; i < count; i++) {
      const t0 = lat ? now() : 0
      await s.writeAll(msg)
      await s.readExact(buf)
      if (lat) lat[i] = now() - t0
    }
  },
  async upload(port, total) {
    const s = await this.connect(port, MODE_SINK)
    const chunk = new Uint8Array(CHUNK).fill(0xa5)
    for (let left = total; left > 0; left -= CHUNK) {
      await s.writeAll(left >= CHUNK ? chunk : chunk.subarray(0, left))
    }
    await s.shutdown()
    const n = new Uint8Array(8)
    await s.readExact(n)
    s.close()
    return readU64le(n)
  },
  async download(port, total) {
    const s = await this.connect(port, MODE_SOURCE)
    await s.writeAll(u64le(total))
    const buf = new Uint8Array(CHUNK)
    let got = 0
    for (;;) {
      const n = await s.read(buf)
      if (n === 0) break
      got += n
    }
    s.close()
    return got
  },
  async pipeline(port, count, size) {
    const [r, w] = (await this.connect(port, MODE_ECHO)).intoSplit()
    const msg = new Uint8Array(size).fill(0x42)
    const writer = (async () => {
      for (let i = 0; i < count; i++) await w.writeAll(msg)
    })()
    await readEchoes(r, count * size)
    await writer
    r.close()
    w.close()
  },
  async pipelineBuffered(port, count, size) {
    const [r, w] = (await this.connect(port, MODE_ECHO)).intoSplit()
    const bw = new BufWriter(w)
    const msg = new Uint8Array(size).fill(0x42)
    const writer = (async () => {
      for (let i = 0; i < count; i++) await bw.writeAll(msg)
      await bw.flush()
    })()
    await readEchoes(r, count * size)
    await writer
    r.close()
    bw.close()
    w.close() // a no-op if the BufWriter took the half over
  },
  async finish() {
    // Everything was closed: the registry should be empty. A non-zero count is reported as a leak.
    await new Promise((r) => setTimeout(r, 50))
    const h = activeHandles()
    return { leaked_handles: h.streams + h.halves + h.listeners + h.sockets + h.stdStreams, driver: driverPlace() }
  },
}

run(client)
