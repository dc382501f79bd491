// Port of the `# Examples` section of tokio's `TcpListener::local_addr`
// (tokio/src/net/tcp/listener.rs).
//
// tokio binds `127.0.0.1:8080` and asserts that address back; here `addr` is a free local
// address, asserted back the same way.

import { SocketAddr, TcpListener } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'listener_local_addr',
  tokio: 'TcpListener::local_addr',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using listener = await TcpListener.bind(addr)

    // `assert_eq!(listener.local_addr()?, SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 8080)))`
    const local: SocketAddr = listener.localAddr()
    const expected = SocketAddr.parse(addr)
    if (!local.equals(expected)) {
      throw new Error(`assertion failed: local_addr ${local} != ${expected}`)
    }
    out.push(`local_addr() = ${local}`)

    return out
  },
})
