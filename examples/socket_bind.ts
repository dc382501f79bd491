// Port of the `# Examples` section of tokio's `TcpSocket::bind`
// (tokio/src/net/tcp/socket.rs).
//
// Bind a socket before listening. tokio binds `127.0.0.1:8080`; here `addr` is a free local address.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_bind',
  tokio: 'TcpSocket::bind',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using socket = TcpSocket.newV4()
    socket.bind(addr)
    out.push(`bound to ${socket.localAddr()}`)

    using listener = socket.listen(1024)
    out.push(`listening on ${listener.localAddr()}`)

    return out
  },
})
