// Port of the `# Examples` section of tokio's `TcpStream::readable`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local server that greets first, so the
// read has something to return.

import { TcpStream } from '../index.js'

import { debugBytes, debugText, defineExample, isWouldBlock } from './_example.js'

export const example = defineExample({
  name: 'readable',
  tokio: 'TcpStream::readable',
  needs: 'greet',
  async main(addr) {
    const out: string[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)

    let msg = new Uint8Array(1024)

    for (;;) {
      // Wait for the socket to be readable
      await stream.readable()

      // Try to read data, this may still fail with `WouldBlock`
      // if the readiness event is a false positive.
      try {
        const n = stream.tryRead(msg)
        // `msg.truncate(n)`
        msg = msg.subarray(0, n)
        break
      } catch (e) {
        if (isWouldBlock(e)) continue
        throw e
      }
    }

    out.push(`GOT = ${debugBytes(msg)}`)
    out.push(`    = ${debugText(msg)}`)
    return out
  },
})
