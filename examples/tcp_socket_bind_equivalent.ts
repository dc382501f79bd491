// Port of the `# Examples` section of tokio's `TcpSocket (struct docs)`
// (tokio/src/net/tcp/socket.rs).
//
// The second struct-level example: what calling `TcpListener::bind("127.0.0.1:8080")` is
// equivalent to. Here `addr` is a free local address.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'tcp_socket_bind_equivalent',
  tokio: 'TcpSocket (struct docs)',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    // `let addr = "127.0.0.1:8080".parse().unwrap();`
    using socket = TcpSocket.newV4()
    // On platforms with Berkeley-derived sockets, this lets a socket be rebound quickly, without
    // waiting for the OS to clean up the previous one. (On Windows it would allow rebinding
    // sockets in active use, "socket hijacking", which is why tokio does not set it there.)
    socket.setReuseaddr(true)
    socket.bind(addr)

    using listener = socket.listen(1024)
    out.push(`listening on ${listener.localAddr()}`)

    return out
  },
})
