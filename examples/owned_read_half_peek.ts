// Port of the `# Examples` section of tokio's `OwnedReadHalf::peek`
// (tokio/src/net/tcp/split_owned.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local server that greets first, so there
// is something to peek at.

import { TcpStream } from '../index.js'

import { assertEq, debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'owned_read_half_peek',
  tokio: 'OwnedReadHalf::peek',
  needs: 'greet',
  async main(addr) {
    const out: string[] = []

    // Connect to a peer
    const stream = await TcpStream.connect(addr)
    // `let (mut read_half, _) = stream.into_split();`: `stream` is consumed, and `_` drops the
    // owned write half at once, which shuts the write direction down (a FIN to the peer).
    const [readHalf, writeHalf] = stream.intoSplit()
    writeHalf.close()
    using _readHalf = readHalf

    const b1 = new Uint8Array(10)
    const b2 = new Uint8Array(10)

    // Peek at the data
    const n = await readHalf.peek(b1)
    out.push(`peeked ${n} bytes: ${debugText(b1.subarray(0, n))}`)

    // Read the data
    const m = await readHalf.read(b2.subarray(0, n))
    out.push(`read ${m} bytes: ${debugText(b2.subarray(0, m))}`)
    assertEq(n, m, 'n == read_half.read(&mut b2[..n])')
    assertEq(b1.subarray(0, n), b2.subarray(0, n), '&b1[..n] == &b2[..n]')

    return out
  },
})
