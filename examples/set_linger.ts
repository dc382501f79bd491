// Port of the `# Examples` section of tokio's `TcpStream::set_linger`
// (tokio/src/net/tcp/stream.rs).
//
// tokio connects to `127.0.0.1:8080`; here `addr` is a local echo server.

import { TcpStream } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'set_linger',
  tokio: 'TcpStream::set_linger',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    // Deprecated in tokio (`SO_LINGER` with a non-zero timeout blocks the thread on drop);
    // `None` turns it off.
    stream.setLinger(null)
    out.push('set_linger(None)')
    // (Not in the tokio example.) Read the option back.
    out.push(`linger() = ${stream.linger()}`)

    return out
  },
})
