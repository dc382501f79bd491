// Port of the `# Examples` section of tokio's `ReadHalf::poll_peek`
// (tokio/src/net/tcp/split.rs).
//
// tokio connects to `127.0.0.1:8000`; here `addr` is a local server that greets first, so there
// is something to peek at.

import { TcpStream } from '../index.js'

import { debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'read_half_poll_peek',
  tokio: 'ReadHalf::poll_peek',
  needs: 'greet',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)
    // `let (mut read_half, _) = stream.split();`: the borrowed halves are views of `stream`;
    // `_` drops the write half at once, which does nothing to the socket.
    const [readHalf, writeHalf] = stream.split()
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
