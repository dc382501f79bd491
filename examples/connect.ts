// Port of the `# Examples` section of tokio's `TcpStream::connect`
// (tokio/src/net/tcp/stream.rs). The `TcpStream` struct docs carry the same example: see
// `tcp_stream.ts`.
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'connect',
  tokio: 'TcpStream::connect',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)
    out.push(`connected to ${stream.peerAddr()}`)

    // Write some data.
    const data = Buffer.from('hello world!')
    await stream.writeAll(data)
    out.push(`wrote ${data.length} bytes: ${debugText(data)}`)

    // `Ok(())`: the stream is dropped (closed) at the end of the scope, here by `using`.
    return out
  },
})
