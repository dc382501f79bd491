// Port of the `# Examples` section of tokio's `TcpSocket::listen`
// (tokio/src/net/tcp/socket.rs).
//
// Create a `TcpListener`. tokio binds `127.0.0.1:8080`; here `addr` is a free local address.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_listen',
  tokio: 'TcpSocket::listen',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using socket = TcpSocket.newV4()
    socket.bind(addr)

    // `listen` consumes the socket: disposing of it at the end of the scope does nothing.
    using listener = socket.listen(1024)
    out.push(`listening on ${listener.localAddr()}`)

    return out
  },
})
