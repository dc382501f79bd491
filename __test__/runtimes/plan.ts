// What `npm run test:runtimes` runs under Bun and Deno: spec files of the suite, unchanged, in this
// order (paths from the repository root). A test can be left out for one runtime only by its exact
// title, with the reason, which the report prints; a title that matches no test is an error.

export type Runtime = 'bun' | 'deno'

export interface SuiteFile {
  readonly file: string
  readonly leaveOut?: Partial<Record<Runtime, Readonly<Record<string, string>>>>
}

export interface Plan {
  readonly what: string
  /** TOKIO_NET_IO_DRIVER for the run; undefined removes it from the environment. */
  readonly ioDriver: string | undefined
  readonly files: readonly SuiteFile[]
}

// Deno's node:fs takes only descriptors Deno opened itself: readSync/writeSync on a socket's
// asRawFd() fail with EBADF, so the tests doing raw I/O in a tryIo/asyncIo closure cannot run there.
// (runtime_checks.ts runs tryIo and asyncIo without raw I/O.)
const DENO_RAW_FD = "Deno's node:fs refuses a descriptor it did not open (EBADF on asRawFd())"

// Under Deno, a node:net server's first write fails with EPIPE when the client's FIN is already
// there (a node:net client sees the same): these two examples close their write half at once, and
// the example server's greeting never comes.
const DENO_HALF_CLOSE = "the example server (Deno's node:net) loses its greeting (EPIPE) to the client's early FIN"

// The addon's own checks for these runtimes; last, as it also checks that the files before it
// closed every handle they opened.
const RUNTIME_CHECKS: SuiteFile = { file: '__test__/runtimes/runtime_checks.ts' }

export const PLANS: Readonly<Record<string, Plan>> = {
  core: {
    what: 'the examples and the core of the suite',
    ioDriver: undefined,
    files: [
      {
        file: '__test__/examples.spec.ts',
        leaveOut: {
          deno: {
            'owned_read_half_poll_peek (OwnedReadHalf::poll_peek)': DENO_HALF_CLOSE,
            'owned_read_half_peek (OwnedReadHalf::peek)': DENO_HALF_CLOSE,
          },
        },
      },
      { file: '__test__/tokio_tcp_connect.spec.ts' },
      { file: '__test__/tokio_tcp_accept.spec.ts' },
      {
        file: '__test__/tokio_tcp_accept_ready.spec.ts',
        leaveOut: { deno: { async_io_wouldblock_falls_back_to_wait: DENO_RAW_FD } },
      },
      { file: '__test__/tokio_tcp_echo.spec.ts' },
      { file: '__test__/tokio_tcp_stream.spec.ts' },
      { file: '__test__/tokio_tcp_peek.spec.ts' },
      { file: '__test__/tokio_tcp_split.spec.ts' },
      { file: '__test__/tokio_tcp_into_split.spec.ts' },
      { file: '__test__/tokio_tcp_into_std.spec.ts' },
      { file: '__test__/tokio_tcp_shutdown.spec.ts' },
      { file: '__test__/tokio_tcp_socket.spec.ts' },
      { file: '__test__/halves.spec.ts' },
      {
        file: '__test__/api_rows.spec.ts',
        leaveOut: {
          deno: {
            'tryIo runs f for raw reads/writes on asRawFd(); EAGAIN from f becomes kind WouldBlock; other errors pass through': DENO_RAW_FD,
            'asyncIo waits for readiness and retries f until it does not block': DENO_RAW_FD,
            'OwnedWriteHalf.forget(): no FIN; the write side stays open until the read half is closed': DENO_RAW_FD,
          },
        },
      },
      { file: '__test__/errors.spec.ts' },
      { file: '__test__/cancel.spec.ts' },
      // tokio_io_buffered.spec.ts is not here yet: run after the other files in one process, its
      // closing activeHandles() check still finds one half (alone it passes); not tracked down.
      { file: '__test__/tokio_io_copy.spec.ts' },
      RUNTIME_CHECKS,
    ],
  },
  // README: where Node's libuv is missing, asking for the JS-thread driver quietly keeps `workers`.
  // Bun and Deno export libuv's names (Bun aborts in uv_poll_init): the addon must tell them from
  // Node, or this run crashes or hangs.
  'js-thread-requested': {
    what: 'TOKIO_NET_IO_DRIVER=js-thread set: the driver stays on workers and sockets work',
    ioDriver: 'js-thread',
    files: [{ file: '__test__/tokio_tcp_echo.spec.ts' }, RUNTIME_CHECKS],
  },
}
