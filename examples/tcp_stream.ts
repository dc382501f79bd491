// Port of the `# Examples` section of tokio's `TcpStream` struct docs
// (tokio/src/net/tcp/stream.rs), and of the paragraph after it: "To shut down the stream in the
// write direction, you can call the `shutdown()` method. This will cause the other peer to
// receive a read of length 0".
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server, so the shutdown can be
// seen: the server answers our FIN with its own once it has echoed everything.

import { TcpStream } from '../index.js'

import { debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'tcp_stream',
  tokio: 'TcpStream (struct docs)',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)

    // Write some data.
    const data = Buffer.from('hello world!')
    await stream.writeAll(data)
    out.push(`wrote ${data.length} bytes: ${debugText(data)}`)

    // Shut the stream down in the write direction: the peer reads 0, no more data will come.
    await stream.shutdown()
    out.push('shut down the write direction')

    // (Not in the tokio example.) The echo server sends everything back, then its own FIN.
    const echoed = await stream.readToEnd()
    out.push(`read back ${echoed.length} bytes until EOF: ${debugText(echoed)}`)

    return out
  },
})
