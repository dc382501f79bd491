// Port of the `# Examples` section of tokio's `TcpStream::from_std`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects a `std::net::TcpStream` to `127.0.0.1:34254`; here `addr` is a local echo server.

import { StdTcpStream, TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'from_std',
  tokio: 'TcpStream::from_std',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    // A blocking connect, as std's is.
    using stdStream = StdTcpStream.connect(addr)
    out.push(`std stream connected from ${stdStream.localAddr()} to ${stdStream.peerAddr()}`)
    stdStream.setNonblocking(true)
    // `from_std` takes the std stream over: the `stdStream` object is closed from here on, and its
    // disposal at the end of the scope does nothing.
    using stream = TcpStream.fromStd(stdStream)
    out.push(`tokio stream from ${stream.localAddr()} to ${stream.peerAddr()}`)

    return out
  },
})
