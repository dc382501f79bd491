// TLS over tokio-net/net sockets: tls.connect({ socket }) on the client side and
// new tls.TLSSocket(socket, { isServer: true }) on the server side. The certificate is made by
// the test with openssl, for 127.0.0.1 only.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

import test from 'ava'

import net from '../lib/net/index.js'
import type { Socket } from '../lib/net/index.js'

import { sha256 } from './helpers/index.js'
import { listen, own, waitFor } from './helpers/net.js'

let key = ''
let cert = ''

test.before(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokio-net-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8')
    cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('tls.connect({ socket }) over a tokio-net Socket to a node tls server, certificate verified, 4 MiB echoed', async (t) => {
  const server = tls.createServer({ key, cert }, (s) => s.pipe(s))
  t.teardown(() => server.close())
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as import('node:net').AddressInfo).port
  const raw = own(t, net.connect(port, '127.0.0.1'))
  const secure = tls.connect({ socket: raw, ca: cert, host: '127.0.0.1' })
  t.teardown(() => secure.destroy())
  await waitFor(secure, 'secureConnect')
  t.true(secure.authorized, String(secure.authorizationError))
  const payload = Buffer.alloc(4 * 1024 * 1024, 'tls')
  const chunks: Buffer[] = []
  let got = 0
  const done = new Promise<void>((resolve) =>
    secure.on('data', (c: Buffer) => {
      chunks.push(c)
      got += c.length
      if (got >= payload.length) resolve()
    }),
  )
  secure.write(payload)
  await done
  t.is(sha256(Buffer.concat(chunks)), sha256(payload))
  t.true(raw.bytesRead > payload.length, 'the ciphertext went through the tokio-net socket')
})

test('new tls.TLSSocket(socket, { isServer: true }) on a tokio-net Server serves a node tls client', async (t) => {
  const server = net.createServer((s: Socket) => {
    const secure = new tls.TLSSocket(s, { isServer: true, key, cert })
    secure.on('data', (c: Buffer) => secure.end(`secure:${c.toString()}`))
    secure.on('error', () => {})
  })
  const port = await listen(t, server)
  const client = tls.connect({ port, host: '127.0.0.1', ca: cert })
  t.teardown(() => client.destroy())
  await waitFor(client, 'secureConnect')
  t.true(client.authorized)
  client.write('hello')
  let reply = ''
  client.setEncoding('utf8')
  client.on('data', (c: string) => (reply += c))
  await waitFor(client, 'end')
  t.is(reply, 'secure:hello')
})
