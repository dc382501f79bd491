// Port of the `# Examples` section of tokio's `ReadHalf::peek`
// (tokio/src/net/tcp/split.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local server that greets first, so there
// is something to peek at.

import { TcpStream } from '../index.js'

import { assertEq, debugText, defineExample } from './_example.js'

export const example = defineExample({
  name: 'read_half_peek',
  tokio: 'ReadHalf::peek',
  needs: 'greet',
  async main(addr) {
    const out: string[] = []

    // Connect to a peer
    using stream = await TcpStream.connect(addr)
    // `let (mut read_half, _) = stream.split();`: the borrowed halves are views of `stream`;
    // `_` drops the write half at once, which does nothing to the socket.
    const [readHalf, writeHalf] = stream.split()
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
