// Port of the `# Examples` section of tokio's `TcpSocket::connect`
// (tokio/src/net/tcp/socket.rs).
//
// Connecting to a peer. tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_connect',
  tokio: 'TcpSocket::connect',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using socket = TcpSocket.newV4()
    // `connect` consumes the socket: disposing of it at the end of the scope does nothing.
    using stream = await socket.connect(addr)
    out.push(`connected from ${stream.localAddr()} to ${stream.peerAddr()}`)

    return out
  },
})
