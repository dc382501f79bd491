// The preload: `node --import tokio-net/register app.mjs` (or `--require` for CommonJS) sends an
// unchanged program's TCP through tokio-net. It replaces `net.connect`/`net.createConnection`,
// `net.createServer` and `http.Agent.prototype.createConnection` (the default agent's way to open
// a connection). `net.Socket`, `net.Server` and servers Node builds itself (`http.createServer`)
// stay node:net's: replacing those classes would break Node's own `instanceof` checks. What
// tokio-net/net does not take (Unix socket paths, fds, handles, `blockList`, ...) is handed to
// the node:net functions replaced here (`handover.ts`).

import http from 'node:http'
import { syncBuiltinESMExports } from 'node:module'
import nodeNet from 'node:net'

import { connectNeedsNodeNet, kHandOver, serverNeedsNodeNet } from './handover.js'
import { type Server, connect, createServer } from './index.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const original = {
  connect: nodeNet.connect as (...args: unknown[]) => nodeNet.Socket,
  createServer: nodeNet.createServer as (...args: unknown[]) => nodeNet.Server,
}

function connectOrHandOver(...args: unknown[]): unknown {
  if (connectNeedsNodeNet(args)) return original.connect(...args)
  return (connect as (...a: unknown[]) => unknown)(...args)
}

function createServerOrHandOver(...args: unknown[]): unknown {
  if (serverNeedsNodeNet(args[0])) return original.createServer(...args)
  const server = (createServer as (...a: unknown[]) => Server)(...args)
  server[kHandOver] = original
  return server
}

const target = nodeNet as unknown as Mutable<Record<'connect' | 'createConnection' | 'createServer', unknown>>
target.connect = connectOrHandOver
target.createConnection = connectOrHandOver
target.createServer = createServerOrHandOver
;(http.Agent.prototype as unknown as { createConnection: unknown }).createConnection = connectOrHandOver
// `import { connect } from 'node:net'` sees the replacement too.
syncBuiltinESMExports()

export {}
