// Port of the `# Examples` section of tokio's `TcpStream::into_std`
// (tokio/src/net/tcp/stream.rs), hidden (`# `) lines included: they are what makes it run.
//
// tokio binds `127.0.0.1:34254` (its hidden lines bind port 0); here `addr` is a free local address.

import { TcpListener, TcpStream } from '../index.js'

import { assertEq, debugText, defineExample, spawn } from './_example.js'

export const example = defineExample({
  name: 'into_std',
  tokio: 'TcpStream::into_std',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    const data = new Uint8Array(12)
    using listener = await TcpListener.bind(addr)
    const listenAddr = listener.localAddr()
    // (Hidden in the tokio docs.) A task connects and writes the 12 bytes to be read.
    const handle = spawn(async () => {
      using stream: TcpStream = await TcpStream.connect(listenAddr)
      await stream.writeAll(Buffer.from('Hello world!'))
    })
    const [tokioTcpStream] = await listener.accept()
    using stdTcpStream = tokioTcpStream.intoStd()
    out.push(`into_std: std stream from ${stdTcpStream.localAddr()} to ${stdTcpStream.peerAddr()}`)
    // (Hidden.) Wait for the writer task.
    await handle
    stdTcpStream.setNonblocking(false)
    // A blocking read, as std's is: the bytes are already there.
    stdTcpStream.readExact(data)
    out.push(`read_exact: ${debugText(data)}`)
    // (Hidden.)
    assertEq(Buffer.from(data).toString(), 'Hello world!', 'b"Hello world!" == &data')

    return out
  },
})
