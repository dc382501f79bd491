// Port of the `# Examples` section of tokio's `TcpStream::set_ttl`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'set_ttl',
  tokio: 'TcpStream::set_ttl',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    stream.setTtl(123)
    out.push('set_ttl(123)')
    // (Not in the tokio example.) Read the option back.
    out.push(`ttl() = ${stream.ttl()}`)

    return out
  },
})
