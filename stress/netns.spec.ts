// A real link fault. Two network namespaces joined by a veth pair, a tokio-net server in one and a
// client in the other (child processes under `ip netns exec`); mid-stream the link is set down or
// the packets are dropped (netem loss 100% where the kernel has netem, else a blackhole route),
// and the client's pending read must end the way a user expects: ETIMEDOUT from keepalive, an
// AbortError from its signal, ECONNRESET from the peer's RST once the link is back.
//
// It needs root, `ip` (iproute2) and network namespaces. Without them every test here is
// registered with `test.skip`, chosen up front, and the reason is printed and put in the title:
// a skip shows in the summary as a skip, where a `t.pass()` would count as a pass.

import { execFileSync } from 'node:child_process'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { describeError } from '../__test__/helpers/index.js'

import { fixtureArgv, LineChild } from './_fault_helpers.js'
import { ip, tryIp } from './_helpers.js'
import type { FixtureEvent } from './_fault_helpers.js'

const PREFIX = 'tnstress'
const SERVER_IP = '10.213.0.1'
const CLIENT_IP = '10.213.0.2'
/** Keepalive in the client's namespace: first probe after 1 s idle, then every 1 s, 2 probes. */
const KEEPALIVE = { tcp_keepalive_time: 1, tcp_keepalive_intvl: 1, tcp_keepalive_probes: 2 }
/** Bounds on waits that normally take a few seconds at most (hang guards, not timings). */
const START_MS = 30_000
const SETTLE_MS = 60_000

/** Deletes namespaces a crashed run left behind (their creator's pid is gone). */
function removeLeftovers(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0]
    const m = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name)
    if (!m) continue
    let alive = true
    try {
      process.kill(Number(m[1]), 0)
    } catch {
      alive = false
    }
    if (!alive) removeNamespace(name)
  }
}

function removeNamespace(name: string): void {
  for (const pid of (tryIpOut('netns', 'pids', name) ?? '').split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // gone already
    }
  }
  tryIp('netns', 'del', name)
}

function tryIpOut(...args: string[]): string | null {
  try {
    return ip(...args)
  } catch {
    return null
  }
}

function unavailableReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs CAP_SYS_ADMIN and CAP_NET_ADMIN'
  if (tryIpOut('-V') === null) return 'no `ip` command (Debian package iproute2)'
  const probe = `${PREFIX}-${process.pid}-probe`
  const failed = tryIp('netns', 'add', probe)
  tryIp('netns', 'del', probe)
  return failed === null ? null : `ip netns add failed: ${failed}`
}

const skipReason = unavailableReason()
if (skipReason !== null) console.log(`netns.spec.ts: skipping every test: ${skipReason}`)
else removeLeftovers()
const netnsTest = skipReason === null ? test.serial : test.serial.skip
const title = (s: string): string => (skipReason === null ? s : `${s} [skipped: ${skipReason}]`)

let counter = 0

/** Two namespaces joined by a veth pair, a server and a client running in them. */
class Link {
  readonly serverNs: string
  readonly clientNs: string
  readonly children: LineChild[] = []
  /** How packets were dropped by `blackhole()`, for the log. */
  dropMethod = ''

  constructor() {
    const id = `${PREFIX}-${process.pid}-${counter++}`
    this.serverNs = `${id}-srv`
    this.clientNs = `${id}-cli`
    ip('netns', 'add', this.serverNs)
    ip('netns', 'add', this.clientNs)
    // The veth ends are created inside the namespaces: nothing touches the host's own links.
    ip('link', 'add', 'veth-srv', 'netns', this.serverNs, 'type', 'veth', 'peer', 'name', 'veth-cli', 'netns', this.clientNs)
    ip('-n', this.serverNs, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'veth-srv')
    ip('-n', this.clientNs, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'veth-cli')
    for (const [ns, dev] of [[this.serverNs, 'veth-srv'], [this.clientNs, 'veth-cli']]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      ip('-n', ns, 'link', 'set', dev, 'up')
    }
    // Per-namespace sysctls: only the client's namespace gets the short keepalive timers.
    for (const [key, value] of Object.entries(KEEPALIVE)) {
      execFileSync('ip', ['netns', 'exec', this.clientNs, 'sh', '-c', `echo ${value} > /proc/sys/net/ipv4/${key}`], { stdio: 'pipe', timeout: 20_000 })
    }
  }

  spawn(ns: string, args: string[]): LineChild {
    const child = new LineChild(['ip', 'netns', 'exec', ns, ...fixtureArgv('netns_peer.ts', args)])
    this.children.push(child)
    return child
  }

  /** A server and a client that have exchanged a greeting over the link. */
  async connect(keepalive: boolean): Promise<{ server: LineChild; client: LineChild; connected: FixtureEvent }> {
    const server = this.spawn(this.serverNs, ['server', SERVER_IP])
    const { port } = await server.waitFor('listening', START_MS)
    const client = this.spawn(this.clientNs, ['client', SERVER_IP, String(port), keepalive ? 'keepalive' : 'nokeepalive'])
    const connected = await client.waitFor('connected', START_MS)
    await server.waitFor('accepted', START_MS)
    return { server, client, connected }
  }

  setServerLink(state: 'up' | 'down'): void {
    ip('-n', this.serverNs, 'link', 'set', 'veth-srv', state)
  }

  /** Drops every packet the server sends: netem loss 100% where available, else a blackhole route. */
  blackhole(): void {
    const netem = tryTc(this.serverNs)
    if (netem === null) {
      this.dropMethod = 'tc qdisc netem loss 100% on the server side'
      return
    }
    ip('-n', this.serverNs, 'route', 'add', 'blackhole', `${CLIENT_IP}/32`)
    this.dropMethod = `ip route add blackhole on the server side (netem unavailable: ${netem})`
  }

  /** Kills the children and removes both namespaces (the veth pair goes with them). */
  async remove(): Promise<void> {
    for (const c of this.children) c.kill()
    await Promise.all(this.children.map((c) => c.exited))
    removeNamespace(this.serverNs)
    removeNamespace(this.clientNs)
  }
}

function tryTc(ns: string): string | null {
  try {
    execFileSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'veth-srv', 'root', 'netem', 'loss', '100%'], { stdio: 'pipe', timeout: 20_000 })
    return null
  } catch (e) {
    return (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message
  }
}

async function withLink(t: ExecutionContext, body: (link: Link) => Promise<void>): Promise<void> {
  const link = new Link()
  try {
    await body(link)
  } finally {
    await link.remove()
    t.falsy(tryIpOut('netns', 'list')?.includes(link.serverNs), 'the namespaces are gone')
  }
}

interface ReadSettled {
  ok: boolean
  n?: number
  ms: number
  error?: { name?: string; kind?: string; code?: string; message?: string }
}

async function settledRead(client: LineChild): Promise<ReadSettled> {
  return (await client.waitFor('read-settled', SETTLE_MS)) as unknown as ReadSettled
}

netnsTest(title('link down mid-stream: with keepalive on, the pending read rejects with ETIMEDOUT'), async (t) => {
  await withLink(t, async (link) => {
    const { client, connected } = await link.connect(true)
    t.true(connected.keepalive, 'TcpSocket.keepalive() reads back true')
    t.true(connected.echoed, 'the greeting made the round trip')
    client.send('read')
    await client.waitFor('reading', START_MS)
    link.setServerLink('down')
    const r = await settledRead(client)
    t.log(`read settled after ${r.ms}ms: ${JSON.stringify(r.error)}`)
    t.false(r.ok, `the read resolved: ${JSON.stringify(r)}`)
    t.is(r.error?.code, 'ETIMEDOUT', describeError(r.error))
    t.is(r.error?.kind, 'TimedOut', describeError(r.error))
  })
})

netnsTest(title('packets dropped mid-stream: with keepalive on, the pending read rejects with ETIMEDOUT'), async (t) => {
  await withLink(t, async (link) => {
    const { client } = await link.connect(true)
    client.send('read')
    await client.waitFor('reading', START_MS)
    link.blackhole()
    t.log(link.dropMethod)
    const r = await settledRead(client)
    t.log(`read settled after ${r.ms}ms: ${JSON.stringify(r.error)}`)
    t.false(r.ok, `the read resolved: ${JSON.stringify(r)}`)
    t.is(r.error?.code, 'ETIMEDOUT', describeError(r.error))
    t.is(r.error?.kind, 'TimedOut', describeError(r.error))
  })
})

netnsTest(title('packets dropped mid-stream: a read with AbortSignal.timeout(500) rejects with AbortError'), async (t) => {
  await withLink(t, async (link) => {
    // No keepalive: nothing but the signal can end this read.
    const { client } = await link.connect(false)
    link.blackhole()
    t.log(link.dropMethod)
    client.send('read-timeout 500')
    const r = await settledRead(client)
    t.false(r.ok, `the read resolved: ${JSON.stringify(r)}`)
    t.is(r.error?.name, 'AbortError', describeError(r.error))
    t.is(r.error?.code, 'ABORT_ERR', describeError(r.error))
  })
})

netnsTest(title('link down, then up again: the peer closing with zero linger surfaces as ECONNRESET on the pending read'), async (t) => {
  await withLink(t, async (link) => {
    const { server, client } = await link.connect(false)
    client.send('read')
    await client.waitFor('reading', START_MS)
    link.setServerLink('down')
    // Traffic sent during the outage waits in the retransmit queue and must not end the read.
    client.send('write 1000')
    await client.waitFor('wrote', START_MS)
    link.setServerLink('up')
    server.send('reset')
    await server.waitFor('reset', START_MS)
    const r = await settledRead(client)
    t.false(r.ok, `the read resolved: ${JSON.stringify(r)}`)
    t.is(r.error?.code, 'ECONNRESET', describeError(r.error))
    t.is(r.error?.kind, 'ConnectionReset', describeError(r.error))
  })
})

netnsTest(title('the peer resets during an outage: once the link is back, our next send draws an RST and the pending read rejects with ECONNRESET'), async (t) => {
  await withLink(t, async (link) => {
    const { server, client } = await link.connect(false)
    client.send('read')
    await client.waitFor('reading', START_MS)
    link.setServerLink('down')
    server.send('reset') // this RST is lost on the dead link
    await server.waitFor('reset', START_MS)
    link.setServerLink('up')
    client.send('write 100')
    const r = await settledRead(client)
    t.false(r.ok, `the read resolved: ${JSON.stringify(r)}`)
    t.is(r.error?.code, 'ECONNRESET', describeError(r.error))
    t.is(r.error?.kind, 'ConnectionReset', describeError(r.error))
  })
})
