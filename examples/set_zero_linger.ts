// Port of the `# Examples` section of tokio's `TcpStream::set_zero_linger`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { assertEq, defineExample } from './_example.js'

export const example = defineExample({
  name: 'set_zero_linger',
  tokio: 'TcpStream::set_zero_linger',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    stream.setZeroLinger()
    out.push('set_zero_linger()')
    // `assert_eq!(stream.linger()?, Some(Duration::ZERO))`
    assertEq(stream.linger(), 0, 'stream.linger()? == Some(Duration::ZERO)')
    out.push(`linger() = ${stream.linger()}`)
    // Dropping the stream now aborts the connection: the peer gets a reset, not a FIN.

    return out
  },
})
