// The preload: `node --import tokio-net/register app.mjs` (or `--require` for CommonJS) sends an
// unchanged program's TCP through tokio-net. It replaces `net.connect`/`net.createConnection`,
// `net.createServer` and `http.Agent.prototype.createConnection` (the default agent's way to open
// a connection). `net.Socket`, `net.Server` and servers Node builds itself (`http.createServer`)
// stay node:net's: replacing those classes would break Node's own `instanceof` checks.

import http from 'node:http'
import { syncBuiltinESMExports } from 'node:module'
import nodeNet from 'node:net'

import { connect, createServer } from './index.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const target = nodeNet as unknown as Mutable<Record<'connect' | 'createConnection' | 'createServer', unknown>>
target.connect = connect
target.createConnection = connect
target.createServer = createServer
;(http.Agent.prototype as unknown as { createConnection: unknown }).createConnection = connect
// `import { connect } from 'node:net'` sees the replacement too.
syncBuiltinESMExports()

export {}
