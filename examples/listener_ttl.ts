// Port of the `# Examples` section of tokio's `TcpListener::ttl`
// (tokio/src/net/tcp/listener.rs). It binds port 0, as tokio's does.

import { TcpListener } from '../index.js'

import { assertEq, defineExample } from './_example.js'

export const example = defineExample({
  name: 'listener_ttl',
  tokio: 'TcpListener::ttl',
  needs: 'none',
  async main() {
    const out: string[] = []

    using listener = await TcpListener.bind('127.0.0.1:0')

    // `.expect("could not set TTL")`: a failure throws.
    listener.setTtl(100)
    assertEq(listener.ttl(), 100, 'listener.ttl()? == 100')
    out.push(`ttl() = ${listener.ttl()}`)

    return out
  },
})
