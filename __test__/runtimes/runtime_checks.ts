// Checks of the addon itself under Bun and Deno, run by `npm run test:runtimes` (see plan.ts)
// after the spec files; not a `.spec.ts` file, so ava does not run it under Node.

import { createRequire } from 'node:module'
import path from 'node:path'

import test from 'ava'

import * as addon from '../../index.js'
import { activeHandles, Interest, TcpListener, TcpStream } from '../../index.js'

import { guard, pair, shape } from '../helpers/index.js'

const ROOT = process.cwd()

test("the package by name, as an app loads it: import and require of 'tokio-net' give the one binding", async (t) => {
  const esm = await import('tokio-net')
  const required = createRequire(path.join(ROOT, 'package.json'))('tokio-net') as typeof addon
  t.is(typeof required.TcpStream, 'function')
  t.is(required.TcpStream, TcpStream, 'require and import share the native module')
  t.is(esm.TcpStream, TcpStream)
  t.is(esm.TcpListener, TcpListener)
})

test("driverPlace() is 'workers': the JS-thread driver needs Node's libuv, which this runtime lacks", (t) => {
  // Read from the namespace: a named import of an export the addon lacks would stop the file loading.
  const { driverPlace } = addon as { driverPlace?: () => string }
  t.is(typeof driverPlace, 'function', 'tokio-net exports driverPlace()')
  t.is(driverPlace?.(), 'workers')
})

// The addon calls the closure synchronously from inside the native call. The suite's tryIo and
// asyncIo tests do raw I/O on asRawFd() in it, which Deno's node:fs refuses (plan.ts); this one
// needs none.
test("tryIo and asyncIo call f and return its value; f's EAGAIN becomes kind WouldBlock", async (t) => {
  const [client, server] = await pair(t)
  await guard(client.writable(), 'writable')
  t.is(
    client.tryIo(Interest.WRITABLE, () => 'ran'),
    'ran',
  )
  const eagain = Object.assign(new Error('the closure would block'), { code: 'EAGAIN' })
  const e = t.throws(() =>
    client.tryIo(Interest.WRITABLE, () => {
      throw eagain
    }),
  )
  t.is(shape(e).kind, 'WouldBlock')
  let calls = 0
  const later = client.asyncIo(Interest.READABLE, () => ++calls)
  await server.writeAll(Buffer.from('x'))
  t.is(await guard(later, 'asyncIo once the peer wrote'), 1)
})

test('every handle the files run before this one opened was closed: activeHandles() is back to zero', (t) => {
  t.deepEqual(activeHandles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
})
