// The preload's hand-over to node:net. tokio-net/net serves TCP; what it does not take (a Unix
// socket path, an `fd` or `handle`, a `blockList`, `reusePort`)
// goes, under `tokio-net/register`, to the node:net functions the preload replaced, so an
// unchanged program keeps working where tokio-net cannot serve it. Used directly, tokio-net/net
// refuses those instead (see `onlyTcp`): a silent fallback would hide that tokio is not underneath.
// So the hand-over is the preload's alone: its own `connect`, and the servers it makes.

import type { Server as NodeNetServer, Socket as NodeNetSocket } from 'node:net'

import { isPipeName } from './args.js'

/** The node:net functions the preload replaced. */
export interface NodeNetFunctions {
  connect(...args: unknown[]): NodeNetSocket
  createServer(...args: unknown[]): NodeNetServer
}

/** Set by the preload on each server it makes: the node:net to hand a `listen()` it cannot serve to. */
export const kHandOver = Symbol('tokio-net.handOver')

function has(o: object, key: string): boolean {
  return (o as Record<string, unknown>)[key] !== undefined && (o as Record<string, unknown>)[key] !== null
}

/** Whether the first argument names a pipe, or is options with a `path` string or one of `keys` set. */
function pipeOrOneOf(args: readonly unknown[], keys: readonly string[]): boolean {
  const first = args[0]
  if (first === null || typeof first !== 'object') return isPipeName(first)
  return typeof (first as { path?: unknown }).path === 'string' || keys.some((k) => has(first, k))
}

/** `connect()`/`createConnection()` arguments tokio-net/net does not serve. */
export function connectNeedsNodeNet(args: readonly unknown[]): boolean {
  return pipeOrOneOf(args, ['fd', 'handle', 'blockList'])
}

/** `createServer()` options tokio-net/net does not serve. */
export function serverNeedsNodeNet(options: unknown): boolean {
  return options !== null && typeof options === 'object' && has(options, 'blockList')
}

/** `listen()` arguments tokio-net/net does not serve: a path, a handle or fd, or options only node:net has. */
export function listenNeedsNodeNet(args: readonly unknown[]): boolean {
  // `reusePort: false` is what tokio-net does anyway; only a true one needs node:net.
  return pipeOrOneOf(args, ['fd', 'handle', '_handle']) || Boolean((args[0] as { reusePort?: unknown } | null | undefined)?.reusePort)
}
