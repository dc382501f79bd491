// Port of the `# Examples` section of tokio's `TcpListener` struct docs ("Using `accept`")
// (tokio/src/net/tcp/listener.rs).
//
// tokio binds `127.0.0.1:8080` and accepts forever. Here `addr` is a free local address, a few
// clients connect (not in the tokio example), and the loop stops after accepting them.

import { type SocketAddr, TcpListener, TcpStream } from '../index.js'

import { defineExample, spawn } from './_example.js'

const CLIENTS = 3

async function processSocket(socket: TcpStream): Promise<void> {
  // `# drop(socket);`
  using _socket = socket
  // do work with socket here
}

export const example = defineExample({
  name: 'tcp_listener',
  tokio: 'TcpListener (struct docs)',
  needs: 'bind-v4',
  async main(addr) {
    const out: string[] = []

    using listener = await TcpListener.bind(addr)

    // (Not in the tokio example.) Clients for the loop to accept.
    const listenAddr: SocketAddr = listener.localAddr()
    const clients = spawn(async () => {
      for (let i = 0; i < CLIENTS; i++) {
        using client = await TcpStream.connect(listenAddr)
        out.push(`client ${i} connected from ${client.localAddr()}`)
      }
    })

    // `loop { ... }`, here for `CLIENTS` rounds.
    for (let i = 0; i < CLIENTS; i++) {
      const [socket, peer] = await listener.accept()
      out.push(`accepted ${peer}`)
      await processSocket(socket)
    }

    await clients
    return out
  },
})
