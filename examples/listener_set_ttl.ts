// Port of the `# Examples` section of tokio's `TcpListener::set_ttl`
// (tokio/src/net/tcp/listener.rs). It binds port 0, as tokio's does.

import { TcpListener } from '../index.js'

import { defineExample } from './_example.js'

export const example = defineExample({
  name: 'listener_set_ttl',
  tokio: 'TcpListener::set_ttl',
  needs: 'none',
  async main() {
    const out: string[] = []

    using listener = await TcpListener.bind('127.0.0.1:0')

    // `.expect("could not set TTL")`: a failure throws.
    listener.setTtl(100)
    out.push('set_ttl(100)')
    // (Not in the tokio example.) Read the option back.
    out.push(`ttl() = ${listener.ttl()}`)

    return out
  },
})
