// Port of the `# Examples` section of tokio's `TcpStream::set_nodelay`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'set_nodelay',
  tokio: 'TcpStream::set_nodelay',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    stream.setNodelay(true)
    out.push('set_nodelay(true)')
    // (Not in the tokio example.) Read the option back.
    out.push(`nodelay() = ${stream.nodelay()}`)

    return out
  },
})
