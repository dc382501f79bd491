// Port of the `# Examples` section of tokio's `TcpStream::try_read_buf`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local server that sends a greeting and
// then shuts its side down, so the loop ends on `Ok(0)`.

import { BytesMut, TcpStream } from '../index.js'

import { debugText, defineExample, isWouldBlock } from './_example.js'

export const example = defineExample({
  name: 'try_read_buf',
  tokio: 'TcpStream::try_read_buf',
  needs: 'greet-close',
  async main(addr) {
    const out: string[] = []
    const received: Uint8Array[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)

    for (;;) {
      // Wait for the socket to be readable
      await stream.readable()

      // `Vec::with_capacity(4096)`: a growable buffer the read appends to.
      const buf = new BytesMut(4096)

      // Try to read data, this may still fail with `WouldBlock`
      // if the readiness event is a false positive.
      let n: number
      try {
        n = stream.tryReadBuf(buf)
      } catch (e) {
        if (isWouldBlock(e)) continue
        throw e
      }
      if (n === 0) break
      out.push(`read ${n} bytes`)
      // (Not in the tokio example.) The buffer's length advanced by what was read.
      if (buf.length !== n) {
        throw new Error(`try_read_buf returned ${n} but the buffer holds ${buf.length} bytes`)
      }
      received.push(buf.toBuffer())
    }

    // (Not in the tokio example.) What the reads returned, up to the end of the stream.
    out.push(`until EOF: ${debugText(Buffer.concat(received))}`)
    return out
  },
})
