// Port of the `# Examples` section of tokio's `TcpStream::try_write`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample, isWouldBlock } from './_example.js'

export const example = defineExample({
  name: 'try_write',
  tokio: 'TcpStream::try_write',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)

    for (;;) {
      // Wait for the socket to be writable
      await stream.writable()

      // Try to write data, this may still fail with `WouldBlock`
      // if the readiness event is a false positive.
      try {
        const n = stream.tryWrite(Buffer.from('hello world'))
        out.push(`wrote ${n} bytes`)
        break
      } catch (e) {
        if (isWouldBlock(e)) continue
        throw e
      }
    }

    return out
  },
})
