// The part of Deno's API that the Deno bench programs (client-deno.ts, serve-deno.ts) use, typed
// here because Deno's own declarations are not installed: the programs run under Deno, and tsc
// and ESLint check them under Node's types.

export interface DenoConn {
  /** Reads into `p`: the byte count, or null at EOF. */
  read(p: Uint8Array): Promise<number | null>
  /** Writes some of `p`: the byte count. */
  write(p: Uint8Array): Promise<number>
  /** Sends a FIN. */
  closeWrite(): Promise<void>
  setNoDelay(noDelay?: boolean): void
  close(): void
}

export interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: { port: number }
}

export interface DenoApi {
  connect(options: { hostname: string; port: number }): Promise<DenoConn>
  listen(options: { hostname: string; port: number }): DenoListener
  exit(code: number): never
}
