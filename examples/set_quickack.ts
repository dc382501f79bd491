// Port of the `# Examples` section of tokio's `TcpStream::set_quickack`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'set_quickack',
  tokio: 'TcpStream::set_quickack',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    stream.setQuickack(true)
    out.push('set_quickack(true)')
    // (Not in the tokio example.) Read the option back. Linux may reset the flag after further
    // operations on the socket, but nothing happened on it in between.
    out.push(`quickack() = ${stream.quickack()}`)

    return out
  },
})
