// Port of the `# Examples` section of tokio's `TcpStream::try_read_vectored`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local server that sends a greeting and
// then shuts its side down, so the loop ends on `Ok(0)`.

import { TcpStream } from '../index.js'

import { debugText, defineExample, isWouldBlock } from './_example.js'

export const example = defineExample({
  name: 'try_read_vectored',
  tokio: 'TcpStream::try_read_vectored',
  needs: 'greet-close',
  async main(addr) {
    const out: string[] = []
    const received: Uint8Array[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)

    for (;;) {
      // Wait for the socket to be readable
      await stream.readable()

      // Creating the buffer **after** the `await` prevents it from
      // being stored in the async task.
      const bufA = new Uint8Array(512)
      const bufB = new Uint8Array(1024)
      // `[IoSliceMut::new(&mut buf_a), IoSliceMut::new(&mut buf_b)]`
      const bufs = [bufA, bufB]

      // Try to read data, this may still fail with `WouldBlock`
      // if the readiness event is a false positive.
      let n: number
      try {
        n = stream.tryReadVectored(bufs)
      } catch (e) {
        if (isWouldBlock(e)) continue
        throw e
      }
      if (n === 0) break
      out.push(`read ${n} bytes`)
      // The bytes fill `buf_a` first, then `buf_b`.
      const all = Buffer.concat([bufA, bufB]).subarray(0, n)
      received.push(all)
    }

    // (Not in the tokio example.) What the reads returned, up to the end of the stream.
    out.push(`until EOF: ${debugText(Buffer.concat(received))}`)
    return out
  },
})
