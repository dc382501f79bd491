// The Deno client: Deno.connect. See common.ts for the workloads.
import { CHUNK, MODE_SINK, MODE_SOURCE, MODE_ECHO, type Client, now, readU64le, run, u64le } from './common.ts'
import type { DenoApi, DenoConn } from './deno-types.ts'

declare const Deno: DenoApi
type Conn = DenoConn

async function writeAll(c: Conn, buf: Uint8Array): Promise<void> {
  let off = 0
  while (off < buf.length) off += await c.write(off === 0 ? buf : buf.subarray(off))
}

async function readExact(c: Conn, buf: Uint8Array): Promise<void> {
  let off = 0
  while (off < buf.length) {
    const n = await c.read(off === 0 ? buf : buf.subarray(off))
    if (n === null) throw new Error('unexpected EOF')
    off += n
  }
}

async function connect(port: number, mode: number | null): Promise<Conn> {
  const c = await Deno.connect({ hostname: '127.0.0.1', port })
  c.setNoDelay(true)
  if (mode !== null) await writeAll(c, Uint8Array.of(mode))
  return c
}

const client: Client<Conn> = {
  connect,
  close(c) {
    c.close()
  },
  async pingpong(c, msg, buf, count, lat) {
    for (let i = 0; i < count; i++) {
      const t0 = lat ? now() : 0
      await writeAll(c, msg)
      await readExact(c, buf)
      if (lat) lat[i] = now() - t0
    }
  },
  async upload(port, total) {
    const c = await connect(port, MODE_SINK)
    const chunk = new Uint8Array(CHUNK).fill(0xa5)
    for (let left = total; left > 0; left -= CHUNK) {
      await writeAll(c, left >= CHUNK ? chunk : chunk.subarray(0, left))
    }
    await c.closeWrite()
    const n = new Uint8Array(8)
    await readExact(c, n)
    c.close()
    return readU64le(n)
  },
  async download(port, total) {
    const c = await connect(port, MODE_SOURCE)
    await writeAll(c, u64le(total))
    const buf = new Uint8Array(CHUNK)
    let got = 0
    for (;;) {
      const n = await c.read(buf)
      if (n === null) break
      got += n
    }
    c.close()
    return got
  },
  async pipeline(port, count, size) {
    const c = await connect(port, MODE_ECHO)
    const msg = new Uint8Array(size).fill(0x42)
    const writer = (async () => {
      for (let i = 0; i < count; i++) await writeAll(c, msg)
    })()
    const want = count * size
    const buf = new Uint8Array(CHUNK)
    let got = 0
    while (got < want) {
      const n = await c.read(buf)
      if (n === null) throw new Error('unexpected EOF')
      got += n
    }
    await writer
    c.close()
  },
}

run(client)
