// The tokio-net servers under test (see serve-common.ts), accepting with TcpListener.
// - proxy: `copyBidirectional(accepted, await TcpStream.connect(fixed server))`.
// - lines: `for await (const line of new BufReader(readHalf).lines())`, counting.
import type { TcpStream } from '../index.js'
import { exitWithStdin, linesReply, parseArgs, ready } from './serve-common.ts'
import { tokioNet } from './tokio-net.ts'

const { BufReader, TcpSocket, TcpStream: Stream, copyBidirectional } = tokioNet

async function proxy(c: TcpStream, upstream: number): Promise<void> {
  let u: TcpStream | undefined
  try {
    c.setNodelay(true)
    u = await Stream.connect(`127.0.0.1:${upstream}`)
    u.setNodelay(true)
    await copyBidirectional(c, u)
  } finally {
    c.close()
    u?.close()
  }
}

async function lines(s: TcpStream): Promise<void> {
  s.setNodelay(true)
  const [r, w] = s.intoSplit()
  const reader = new BufReader(r)
  try {
    let n = 0
    let chars = 0
    for await (const line of reader.lines()) {
      n++
      chars += line.length
    }
    await w.writeAll(linesReply(n, chars))
    await w.shutdown()
  } finally {
    reader.close() // a no-op once lines() took it over: closing the lines closes the half
    w.close()
  }
}

async function main(): Promise<void> {
  const { role, upstream } = parseArgs()
  const serve = role === 'proxy' ? (s: TcpStream) => proxy(s, upstream) : lines
  // The backlog of the other servers (see serve-common.ts); listen() gives the TcpListener.
  const sock = TcpSocket.newV4()
  sock.bind('127.0.0.1:0')
  const listener = sock.listen(4096)
  ready(listener.localAddr().port())
  exitWithStdin()
  for (;;) {
    const [s] = await listener.accept()
    serve(s).catch(() => {})
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`serve-tokio-net: ${String((e as Error)?.stack ?? e)}\n`)
  process.exit(1)
})
