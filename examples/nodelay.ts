// Port of the `# Examples` section of tokio's `TcpStream::nodelay`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'nodelay',
  tokio: 'TcpStream::nodelay',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    // `println!("{:?}", stream.nodelay()?)`
    out.push(`${stream.nodelay()}`)

    return out
  },
})
