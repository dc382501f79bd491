// What a `Socket`'s read pump and write queue (`read_pump.ts`, `write_queue.ts`) share with it.

import type { TcpStream } from '../../index.js'

/** The socket's side of its read pump and write queue. */
export interface StreamLink {
  /**
   * The stream the socket has now, or null (connecting, closed). An operation that started on
   * another stream is stale: its result is dropped.
   */
  handle(): TcpStream | null
  /** Restarts the socket's idle timer: called on every read and write. */
  activity(): void
}
