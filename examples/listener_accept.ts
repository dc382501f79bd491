// Port of the `# Examples` section of tokio's `TcpListener::accept`
// (tokio/src/net/tcp/listener.rs).
//
// tokio binds `127.0.0.1:8080` and waits for a client; here `addr` is a free local address and
// a client connects (not in the tokio example).

import { type SocketAddr, TcpListener, TcpStream } from '../index.js'

import { describeError, defineExample, spawn } from './_example.js'

export const example = defineExample({
  name: 'listener_accept',
  tokio: 'TcpListener::accept',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using listener = await TcpListener.bind(addr)

    // (Not in the tokio example.) A client to accept.
    const listenAddr: SocketAddr = listener.localAddr()
    const client = spawn(async () => {
      using stream = await TcpStream.connect(listenAddr)
      out.push(`client connected from ${stream.localAddr()}`)
    })

    try {
      const [socket, peer] = await listener.accept()
      using _socket = socket
      out.push(`new client: ${peer}`)
    } catch (e) {
      out.push(`couldn't get client: ${describeError(e)}`)
    }

    await client
    return out
  },
})
