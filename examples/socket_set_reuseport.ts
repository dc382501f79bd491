// Port of the `# Examples` section of tokio's `TcpSocket::set_reuseport`
// (tokio/src/net/tcp/socket.rs).
//
// tokio binds `127.0.0.1:8080`; here `addr` is a free local address.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_set_reuseport',
  tokio: 'TcpSocket::set_reuseport',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using socket = TcpSocket.newV4()
    socket.setReuseport(true)
    socket.bind(addr)

    using listener = socket.listen(1024)
    out.push(`listening on ${listener.localAddr()} with SO_REUSEPORT set`)

    return out
  },
})
