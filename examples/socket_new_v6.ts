// Port of the `# Examples` section of tokio's `TcpSocket::new_v6`
// (tokio/src/net/tcp/socket.rs).
//
// Create a new IPv6 socket and start listening. tokio binds `[::1]:8080`; here `addr` is a free
// local `[::1]` address.

import { TcpSocket } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'socket_new_v6',
  tokio: 'TcpSocket::new_v6',
  needs: 'bind-v6',
  async main(addr) {
    const out: string[] = []

    // `let addr = "[::1]:8080".parse().unwrap();`
    using socket = TcpSocket.newV6()
    socket.bind(addr)

    // `listen` consumes the socket: disposing of it at the end of the scope does nothing.
    using listener = socket.listen(128)
    out.push(`listening on ${listener.localAddr()}`)

    return out
  },
})
