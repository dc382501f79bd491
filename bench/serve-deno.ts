// The Deno servers under test (see serve-common.ts), on Deno.listen / Deno.connect.
// - proxy: a `read`/`write` loop each way between the accepted conn and one to the fixed
//   server, passing a FIN on with `closeWrite()`. Not `readable.pipeTo(writable)`: a conn's
//   `readable` closes the whole conn when it reaches EOF, so after the client's FIN (the upload
//   workload) the server's answer could no longer be written back (BadResource).
// - lines: `bytes.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())`, where
//   `bytes` is a ReadableStream pulling from `conn.read()` (not `conn.readable`, for the reason
//   above: the answer is written after the client's FIN). TextLineStream is @std/streams' (on
//   JSR, which this machine cannot reach): below is its algorithm for the default options, as a
//   local TransformStream.
import type { DenoApi, DenoConn } from './deno-types.ts'
import { exitWithStdin, linesReply, parseArgs, ready } from './serve-common.ts'

declare const Deno: DenoApi
type Conn = DenoConn

class TextLineStream extends TransformStream<string, string> {
  #currentLine = ''
  constructor() {
    super({
      transform: (chunk, controller) => {
        let chars = this.#currentLine + chunk
        for (;;) {
          const lfIndex = chars.indexOf('\n')
          if (lfIndex === -1) break
          const endIndex = chars[lfIndex - 1] === '\r' ? lfIndex - 1 : lfIndex
          controller.enqueue(chars.slice(0, endIndex))
          chars = chars.slice(lfIndex + 1)
        }
        this.#currentLine = chars
      },
      flush: (controller) => {
        if (this.#currentLine === '') return
        controller.enqueue(this.#currentLine)
      },
    })
  }
}

const { role, upstream } = parseArgs()

async function oneWay(from: Conn, to: Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024)
  for (;;) {
    const n: number | null = await from.read(buf)
    if (n === null) break
    for (let off = 0; off < n; ) off += await to.write(buf.subarray(off, n))
  }
  await to.closeWrite()
}

async function proxy(c: Conn): Promise<void> {
  let u: Conn | undefined
  try {
    c.setNoDelay(true)
    u = await Deno.connect({ hostname: '127.0.0.1', port: upstream })
    u.setNoDelay(true)
    await Promise.all([oneWay(c, u), oneWay(u, c)])
  } finally {
    for (const x of [c, u]) {
      try {
        x?.close()
      } catch {
        // already closed: nothing left to do
      }
    }
  }
}

async function lines(c: Conn): Promise<void> {
  try {
    c.setNoDelay(true)
    let n = 0
    let chars = 0
    const bytes = new ReadableStream<BufferSource>({
      async pull(controller) {
        const buf = new Uint8Array(64 * 1024)
        const n: number | null = await c.read(buf)
        if (n === null) controller.close()
        else controller.enqueue(buf.subarray(0, n))
      },
    })
    const lineStream = bytes.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())
    for await (const line of lineStream as unknown as AsyncIterable<string>) {
      n++
      chars += line.length
    }
    const reply = linesReply(n, chars)
    for (let off = 0; off < reply.length; ) off += await c.write(reply.subarray(off))
    await c.closeWrite()
  } finally {
    try {
      c.close()
    } catch {
      // already closed: nothing left to do
    }
  }
}

async function main(): Promise<void> {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 })
  ready(listener.addr.port)
  exitWithStdin()
  for await (const c of listener) (role === "proxy" ? proxy(c) : lines(c)).catch(() => {})
}

main().catch((e: unknown) => {
  console.error(e)
  Deno.exit(1)
})
