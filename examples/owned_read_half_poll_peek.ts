// Port of the `# Examples` section of tokio's `OwnedReadHalf::poll_peek`
// (tokio/src/net/tcp/split_owned.rs).
//
// tokio connects to `127.0.0.1:8000`; here `addr` is a local server that greets first, so there
// is something to peek at.

import { TcpStream } from '../index.js'

import { debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'owned_read_half_poll_peek',
  tokio: 'OwnedReadHalf::poll_peek',
  needs: 'greet',
  async main(addr) {
    const out: string[] = []

    const stream = await TcpStream.connect(addr)
    // `let (mut read_half, _) = stream.into_split();`: `stream` is consumed, and `_` drops the
    // owned write half at once, which shuts the write direction down (a FIN to the peer).
    const [readHalf, writeHalf] = stream.intoSplit()
    writeHalf.close()
    using _readHalf = readHalf
    // `ReadBuf::new(&mut buf)`: the JS call fills the caller's memory in place.
    const buf = new Uint8Array(10)

    // `poll_fn(|cx| read_half.poll_peek(cx, &mut buf)).await?`
    const n = await readHalf.pollPeek(buf)
    out.push(`peeked ${n} bytes: ${debugText(buf.subarray(0, n))}`)

    return out
  },
})
