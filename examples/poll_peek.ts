// Port of the `# Examples` section of tokio's `TcpStream::poll_peek`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8000`; here `addr` is a local server that greets first, so there
// is something to peek at.

import { TcpStream } from '../index.js'

import { debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'poll_peek',
  tokio: 'TcpStream::poll_peek',
  needs: 'greet',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)
    // `ReadBuf::new(&mut buf)`: the JS call fills the caller's memory in place.
    const buf = new Uint8Array(10)

    // `poll_fn(|cx| stream.poll_peek(cx, &mut buf)).await?`: `pollPeek` is that `poll_fn`, a
    // promise that settles when the poll returns `Ready`.
    const n = await stream.pollPeek(buf)
    out.push(`peeked ${n} bytes: ${debugText(buf.subarray(0, n))}`)

    return out
  },
})
