// Port of the `# Examples` section of tokio's `TcpSocket (struct docs)`
// (tokio/src/net/tcp/socket.rs).
//
// The first struct-level example: what calling `TcpStream::connect("127.0.0.1:8080")` is
// equivalent to. Here `addr` is a local echo server.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'tcp_socket_connect_equivalent',
  tokio: 'TcpSocket (struct docs)',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    // `let addr = "127.0.0.1:8080".parse().unwrap();`
    using socket = TcpSocket.newV4()
    using stream = await socket.connect(addr)
    out.push(`connected from ${stream.localAddr()} to ${stream.peerAddr()}`)

    return out
  },
})
