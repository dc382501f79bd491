// Port of the `# Examples` section of tokio's `TcpListener::bind`
// (tokio/src/net/tcp/listener.rs).
//
// tokio binds `127.0.0.1:2345`; here `addr` is a free local address.

import { type SocketAddr, TcpListener } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'listener_bind',
  tokio: 'TcpListener::bind',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using listener = await TcpListener.bind(addr)

    // use the listener
    const local: SocketAddr = listener.localAddr()
    out.push(`listening on ${local}`)

    return out
  },
})
