// The package's entry points, as consumers load them (the built dist/, through the exports map):
// tokio-net/net from require and import, and the tokio-net/register preload under --import and
// --require running an unchanged program. Each program runs in a child process with a time bound.

import path from 'node:path'

import test from 'ava'

import { runNode } from './helpers/index.js'

const ROOT = process.cwd()
const FIXTURES = path.join(ROOT, '__test__', 'fixtures')

interface Handles {
  streams: number
  halves: number
  listeners: number
  sockets: number
  stdStreams: number
}

/** The probe's snapshots of activeHandles(), one per HTTP request the program's server got. */
function probe(stdout: string): Handles[] {
  const line = stdout.split('\n').find((l) => l.startsWith('probe: '))
  return line ? (JSON.parse(line.slice('probe: '.length)) as Handles[]) : []
}

const CHECK_ENTRY = `
const cjs = require('tokio-net/net')
import('tokio-net/net').then((esm) => {
  const names = ['Socket', 'Server', 'connect', 'createConnection', 'createServer', 'isIP', 'isIPv4', 'isIPv6']
  const same = names.every((n) => typeof cjs[n] === 'function' && esm[n] === cjs[n] && esm.default[n] === cjs[n] && cjs.default[n] === cjs[n])
  const { TcpStream } = require('tokio-net')
  console.log(JSON.stringify({ same, isIP: cjs.isIP('::1'), duplex: new cjs.Socket() instanceof require('node:stream').Duplex, raw: typeof TcpStream }))
})
`

test('tokio-net/net loads from require and import as one module: same classes, named and default exports', async (t) => {
  const r = await runNode(['-e', CHECK_ENTRY])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(JSON.parse(r.stdout.trim()), { same: true, isIP: 6, duplex: true, raw: 'function' })
})

for (const [flag, app] of [
  ['--import', 'register-app.mjs'],
  ['--require', 'register-app.cjs'],
] as const) {
  test(`${flag} tokio-net/register: an unchanged program's net.connect, net.createServer, http.get and fetch go through tokio-net`, async (t) => {
    const probeArgs = ['--require', path.join(FIXTURES, 'register-probe.cjs')]
    const r = await runNode([flag, 'tokio-net/register', ...probeArgs, path.join(FIXTURES, app)])
    t.is(r.code, 0, `exit ${String(r.code)}\n${r.stderr}`)
    t.regex(r.stdout, /^echo: ping$/m)
    t.regex(r.stdout, /^http: pong$/m)
    t.regex(r.stdout, /^fetch: pong$/m)
    const seen = probe(r.stdout)
    // While node:http served each request (http.get, then fetch): the requesting socket was a
    // tokio-net TcpStream, and the echo server (net.createServer) a tokio-net TcpListener.
    t.is(seen.length, 2, r.stdout)
    for (const h of seen) {
      t.true(h.streams >= 1, r.stdout)
      t.true(h.listeners >= 1, r.stdout)
    }

    // The same program without the preload: node:net, and the probe sees no tokio-net handle.
    const plain = await runNode([...probeArgs, path.join(FIXTURES, app)])
    t.is(plain.code, 0, plain.stderr)
    const none = { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 }
    t.deepEqual(probe(plain.stdout), [none, none])
  })
}
