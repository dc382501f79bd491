// The option objects the methods take.

/** Options every async method takes as its last argument. */
export interface OpOptions {
  /** Aborting drops the Rust future (tokio's cancellation) and rejects with an `AbortError`. */
  signal?: AbortSignal
}

/** The timing of TCP keepalive probes, for `setTcpKeepalive` (socket2's `TcpKeepalive`). */
export interface TcpKeepaliveParams {
  /** Idle time in ms before the first probe (`TCP_KEEPIDLE`). */
  time?: number
  /** Time in ms between probes (`TCP_KEEPINTVL`). **[Unix, Win]** */
  interval?: number
  /** Unanswered probes before the connection is dropped (`TCP_KEEPCNT`). **[Unix]** */
  retries?: number
}
