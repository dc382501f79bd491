// A TCP proxy with `tokio::io::copy_bidirectional`: the bytes go from one socket to the other
// inside Rust, never through JS.
//
// `addr` is a local echo server standing for the upstream; the proxy listens on port 0.

import { TcpListener, TcpStream, copyBidirectional } from '../index.js'

import { assertEq, defineExample } from './_example.js'

export const example = defineExample({
  name: 'copy_bidirectional',
  tokio: 'tokio::io::copy_bidirectional',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []
    using listener = await TcpListener.bind('127.0.0.1:0')
    const proxied = (async () => {
      const [inbound] = await listener.accept()
      using client = inbound
      using upstream = await TcpStream.connect(addr)
      return await copyBidirectional(client, upstream)
    })()

    using stream = await TcpStream.connect(listener.localAddr())
    await stream.writeAll(Buffer.from('hello through the proxy'))
    await stream.shutdown()
    const echoed = await stream.readToEnd()
    out.push(`echoed: ${echoed.toString()}`)

    const [up, down] = await proxied
    out.push(`proxied ${up} bytes up, ${down} bytes down`)
    assertEq(up, 23, 'bytes from the client to the upstream')
    assertEq(down, 23, 'bytes from the upstream to the client')
    return out
  },
})
