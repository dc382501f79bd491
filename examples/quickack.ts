// Port of the `# Examples` section of tokio's `TcpStream::quickack`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'quickack',
  tokio: 'TcpStream::quickack',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    // `stream.quickack()?;` (the tokio example only checks that it succeeds)
    out.push(`quickack() = ${stream.quickack()}`)

    return out
  },
})
