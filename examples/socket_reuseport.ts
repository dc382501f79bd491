// Port of the `# Examples` section of tokio's `TcpSocket::reuseport`
// (tokio/src/net/tcp/socket.rs).
//
// tokio binds `127.0.0.1:8080`; here `addr` is a free local address.

import { TcpSocket } from '../index.js'

import { assertEq, defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_reuseport',
  tokio: 'TcpSocket::reuseport',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using socket = TcpSocket.newV4()
    socket.setReuseport(true)
    // `assert!(socket.reuseport().unwrap())`
    assertEq(socket.reuseport(), true, 'socket.reuseport().unwrap()')
    out.push(`reuseport() = ${socket.reuseport()}`)
    socket.bind(addr)

    using listener = socket.listen(1024)
    out.push(`listening on ${listener.localAddr()}`)

    return out
  },
})
