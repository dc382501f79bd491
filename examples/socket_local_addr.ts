// Port of the `# Examples` section of tokio's `TcpSocket::local_addr`
// (tokio/src/net/tcp/socket.rs).
//
// tokio binds `127.0.0.1:8080` and asserts it back; here `addr` is a free local address,
// asserted back the same way.

import { TcpSocket } from '../index.js'

import { assertEq, defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_local_addr',
  tokio: 'TcpSocket::local_addr',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using socket = TcpSocket.newV4()
    socket.bind(addr)
    // `assert_eq!(socket.local_addr().unwrap().to_string(), "127.0.0.1:8080")`
    assertEq(socket.localAddr().toString(), addr, 'socket.local_addr().unwrap().to_string() == addr')
    out.push(`local_addr() = ${socket.localAddr()}`)
    using _listener = socket.listen(1024)

    return out
  },
})
