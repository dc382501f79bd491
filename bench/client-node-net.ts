// The node:net client, run under Node and (unchanged) under Bun. See common.ts for the workloads.
// With BENCH_NET=tokio-net the same code runs over tokio-net/net: only the module it uses changes.
import nodeNet, { type Socket } from 'node:net'
import { once } from 'node:events'
import { CHUNK, MODE_SINK, MODE_SOURCE, MODE_ECHO, type Client, now, readU64le, run, u64le } from './common.ts'

const net: typeof nodeNet = process.env.BENCH_NET === 'tokio-net' ? (require('../dist/net/index.js') as typeof nodeNet) : nodeNet

function connect(port: number, mode: number | null): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      s.off('error', reject)
      s.setNoDelay(true)
      if (mode !== null) s.write(Uint8Array.of(mode))
      resolve(s)
    })
    s.once('error', reject)
  })
}

/** Resolves once `want` bytes arrived (or at EOF if want is Infinity), with the bytes counted. */
function drainData(s: Socket, want: number, keep?: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0
    const done = () => {
      s.off('data', onData)
      s.off('end', onEnd)
      s.off('error', reject)
      resolve(got)
    }
    const onData = (d: Buffer) => {
      if (keep && got < keep.length) keep.set(d.subarray(0, keep.length - got), got)
      got += d.length
      if (got >= want) done()
    }
    const onEnd = () => done()
    s.on('data', onData)
    s.on('end', onEnd)
    s.once('error', reject)
  })
}

async function writeAllChunks(s: Socket, count: number, chunkOf: (i: number) => Uint8Array) {
  for (let i = 0; i < count; i++) {
    if (!s.write(chunkOf(i))) await once(s, 'drain')
  }
}

const client: Client<Socket> = {
  connect,
  close(s) {
    s.destroy()
  },
  pingpong(s, msg, _buf, count, lat) {
    const size = msg.length
    return new Promise((resolve, reject) => {
      let i = 0
      let got = 0
      let t0 = 0
      const onData = (d: Buffer) => {
        got += d.length
        if (got < size) return
        got -= size
        if (lat) lat[i] = now() - t0
        if (++i === count) {
          s.off('data', onData)
          s.off('error', reject)
          resolve()
        } else {
          if (lat) t0 = now()
          s.write(msg)
        }
      }
      s.on('data', onData)
      s.once('error', reject)
      if (lat) t0 = now()
      s.write(msg)
    })
  },
  async upload(port, total) {
    const s = await connect(port, MODE_SINK)
    const chunk = new Uint8Array(CHUNK).fill(0xa5)
    const n = new Uint8Array(8)
    const reply = drainData(s, Infinity, n)
    const full = Math.floor(total / CHUNK)
    await writeAllChunks(s, full, () => chunk)
    if (total % CHUNK) s.write(chunk.subarray(0, total % CHUNK))
    s.end()
    await reply
    s.destroy()
    return readU64le(n)
  },
  async download(port, total) {
    const s = await connect(port, MODE_SOURCE)
    const got = drainData(s, Infinity)
    s.write(u64le(total))
    const n = await got
    s.destroy()
    return n
  },
  async pipeline(port, count, size) {
    const s = await connect(port, MODE_ECHO)
    const msg = new Uint8Array(size).fill(0x42)
    const echoes = drainData(s, count * size)
    await writeAllChunks(s, count, () => msg)
    const got = await echoes
    if (got < count * size) throw new Error('unexpected EOF')
    s.destroy()
  },
}

run(client)
