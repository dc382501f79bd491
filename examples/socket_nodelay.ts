// Port of the `# Examples` section of tokio's `TcpSocket::nodelay`
// (tokio/src/net/tcp/socket.rs).
//
// It needs no address: tokio's does not either.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_nodelay',
  tokio: 'TcpSocket::nodelay',
  needs: 'none',
  async main() {
    const out: string[] = []

    using socket = TcpSocket.newV4()

    // `println!("{:?}", socket.nodelay()?)`
    out.push(`${socket.nodelay()}`)

    return out
  },
})
