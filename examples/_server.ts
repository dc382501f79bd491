// The local peer the examples talk to instead of tokio's hard-coded `127.0.0.1:8080`.
//
// It is built on `node:net` on purpose: it is an independent observer of what the examples (and
// so the addon) put on the wire, and a fault in the addon cannot hide behind a fault in the server.
//
// Three behaviours, because the tokio examples do three different things with their peer:
// - `echo`: sends back every byte it receives. For the examples that write first
//   (`connect`, `try_write`, `ready`, ...).
// - `greet`: sends `GREETING` as soon as a client connects, then echoes. For the examples that
//   read or peek first and stop after one read (`readable`, `peek`, `poll_peek`): they never hang
//   waiting for a peer that waits for them.
// - `greet-close`: sends `GREETING`, then shuts its write direction down (a FIN). For the
//   examples that read until `Ok(0)` (`try_read`, `try_read_vectored`, `try_read_buf`).
// In every mode the server ends its side once the client has ended its own, and it records what
// each connection received so that a test can check the bytes an example wrote.

import net from 'node:net'

export type ServerKind = 'echo' | 'greet' | 'greet-close'

/** What the `greet` and `greet-close` servers send first. */
export const GREETING: Buffer = Buffer.from('Hello from the tokio-net example server!\n')

export interface ServerConnection {
  /** The client's address as `SocketAddr.toString()` prints it: `'127.0.0.1:41234'`, `'[::1]:41234'`. */
  readonly remoteAddr: string
  /** The bytes received so far. */
  received(): Buffer
  /**
   * Settles (never rejects) once the connection is over on the client's side (FIN, reset or
   * close), with every byte the client sent.
   */
  readonly done: Promise<Buffer>
  /** The client's FIN arrived (its `shutdown()`, or an orderly close). */
  readonly sawEnd: () => boolean
  /** The client ended with a FIN and the connection saw no error (no reset). */
  readonly endedCleanly: () => boolean
  /** The socket error the server saw, if any (`'ECONNRESET'` when the client reset the connection). */
  readonly errorCode: () => string | null
}

export interface ExampleServer {
  readonly kind: ServerKind
  /** Where to connect: `'127.0.0.1:PORT'`. */
  readonly addr: string
  readonly port: number
  /** Every connection accepted so far, in order. */
  readonly connections: readonly ServerConnection[]
  /** The `index`-th connection accepted (from 0), once accepted. */
  connection(index: number): Promise<ServerConnection>
  /** The connection whose client address is `remoteAddr`, once accepted. */
  connectionFrom(remoteAddr: string): Promise<ServerConnection>
  /** Stops listening and destroys the open connections. */
  close(): Promise<void>
}

export function formatAddr(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** Starts a server of the given kind on `host`, port chosen by the OS. */
export async function startServer(kind: ServerKind, host = '127.0.0.1'): Promise<ExampleServer> {
  const connections: ServerConnection[] = []
  const sockets = new Set<net.Socket>()
  const waiters = new Map<string, (c: ServerConnection) => void>()
  const indexWaiters = new Map<number, (c: ServerConnection) => void>()

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    const chunks: Buffer[] = []
    let ended = false
    let error: string | null = null
    let resolveDone: (b: Buffer) => void = () => {}
    const done = new Promise<Buffer>((resolve) => {
      resolveDone = resolve
    })
    const conn: ServerConnection = {
      remoteAddr: formatAddr(socket.remoteAddress ?? '?', socket.remotePort ?? 0),
      received: () => Buffer.concat(chunks),
      done,
      sawEnd: () => ended,
      endedCleanly: () => ended && error === null,
      errorCode: () => error,
    }
    connections.push(conn)
    waiters.get(conn.remoteAddr)?.(conn)
    waiters.delete(conn.remoteAddr)
    indexWaiters.get(connections.length - 1)?.(conn)
    indexWaiters.delete(connections.length - 1)

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (kind !== 'greet-close' && socket.writable) {
        socket.write(chunk)
      }
    })
    socket.on('end', () => {
      // The client shut its write direction down: finish ours too.
      ended = true
      if (socket.writable) socket.end()
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message
    })
    socket.on('close', () => {
      sockets.delete(socket)
      resolveDone(Buffer.concat(chunks))
    })

    if (kind === 'greet') {
      socket.write(GREETING)
    } else if (kind === 'greet-close') {
      socket.end(GREETING)
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') {
    throw new Error('the example server has no TCP address')
  }
  const port = address.port

  return {
    kind,
    addr: formatAddr(host, port),
    port,
    connections,
    connection(index: number): Promise<ServerConnection> {
      const found = connections[index]
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => indexWaiters.set(index, resolve))
    },
    connectionFrom(remoteAddr: string): Promise<ServerConnection> {
      const found = connections.find((c) => c.remoteAddr === remoteAddr)
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => waiters.set(remoteAddr, resolve))
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
    },
  }
}

/**
 * A port that was free a moment ago on `host`, for the examples that bind a fixed address the
 * way tokio's docs bind `127.0.0.1:8080` (and then assert that exact address back).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject)
    probe.listen(0, host, () => resolve())
  })
  const address = probe.address()
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  if (address === null || typeof address === 'string') {
    throw new Error('no port')
  }
  return address.port
}
