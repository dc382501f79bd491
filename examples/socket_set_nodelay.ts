// Port of the `# Examples` section of tokio's `TcpSocket::set_nodelay`
// (tokio/src/net/tcp/socket.rs).
//
// It needs no address: tokio's does not either.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_set_nodelay',
  tokio: 'TcpSocket::set_nodelay',
  needs: 'none',
  async main() {
    const out: string[] = []

    using socket = TcpSocket.newV4()

    socket.setNodelay(true)
    out.push('set_nodelay(true)')
    // (Not in the tokio example.) Read the option back.
    out.push(`nodelay() = ${socket.nodelay()}`)

    return out
  },
})
