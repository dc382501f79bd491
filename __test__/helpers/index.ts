// The helpers of the __test__ specs, by topic (each file says what it holds):
//   async.ts      the hang guard, turns of the event loop, spawned tasks, deferreds, channels
//   cleanup.ts    closing what a test opened (track), live handles, descriptors, garbage collection
//   errors.ts     describing errors, getting the error a call must give, checking its shape
//   pending.ts    whether a promise is still pending: one poll of a tokio future, watched outcomes
//   sockets.ts    connected pairs, refused ports, reading/writing until a point, kernel queues
//   bufio.ts      readers and writers of each kind for the buffered I/O specs
//   processes.ts  fixtures and `node -e` programs run in child processes
//   services.ts   real servers (redis, postgres, nginx) for the consumer specs
// and, imported on its own (it loads the adapter): net.ts, for the tokio-net/net specs.
// stress/_helpers.ts re-exports some of these for the stress suite.

export * from './async.js'
export * from './bufio.js'
export * from './cleanup.js'
export * from './errors.js'
export * from './pending.js'
export * from './processes.js'
export * from './services.js'
export * from './sockets.js'
