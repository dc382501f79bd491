// The base of the public classes: each holds its native object in a private field, and the other
// modules of lib/tokio reach that object only through `nativeOf`. `wrap` turns a native object
// the binding returned into its public class.

import native from './native.js'
import { type NetError, usageError } from './errors.js'

/** Proves a construction comes from lib/tokio, not from a user's `new`. */
export const kWrap = Symbol('tokio-net: wrap a native object')

// Keyed by class name, which a native object of any loaded copy of the addon answers the same.
const publicClasses = new Map<string, PublicClass>()

let nativeOfWrapper: (wrapper: Wrapper) => object
let isWrapper: (value: unknown) => value is Wrapper

/**
 * Holds one native object; the root of every public class. Not generic on purpose: the public
 * declarations must not name the binding's types.
 */
export abstract class Wrapper {
  readonly #native: object

  protected constructor(token: symbol, handle: object) {
    if (token !== kWrap) {
      throw usageError(
        'ERR_ILLEGAL_CONSTRUCTOR',
        `Illegal constructor: ${new.target.name} objects come from tokio-net's methods, not \`new\``,
      )
    }
    this.#native = handle
  }

  static {
    nativeOfWrapper = (wrapper) => wrapper.#native
    isWrapper = (value): value is Wrapper => typeof value === 'object' && value !== null && #native in value
  }
}

// A test runner that clears require.cache loads this package twice in one thread, over one
// native library and one table of handles, and one copy's objects (an address, a stream) reach
// the other's methods. Each copy registers how it unwraps its objects under the path of the
// binding it loaded, so only copies over the same library see each other's: an object of an
// install elsewhere stays foreign, and the binding refuses it the Node way.
const kCopies = Symbol.for('tokio-net: how each loaded copy unwraps its objects')
type Unwrap = (value: object) => object | undefined
const shared = globalThis as { [kCopies]?: Map<string, Unwrap[]> }
const copiesByBinding = (shared[kCopies] ??= new Map<string, Unwrap[]>())
const bindingPath = require.resolve('../../binding.js')
const copies = copiesByBinding.get(bindingPath) ?? []
copiesByBinding.set(bindingPath, copies)
copies.push((value) => (isWrapper(value) ? nativeOfWrapper(value) : undefined))

/** A public class, as `nativeOf` checks `this` against it. */
export interface PublicClass {
  readonly prototype: object
  readonly name: string
}

// Called, not looked up on the object: a prototype's own isPrototypeOf could be anything.
const isInstance = (kind: PublicClass, value: object): boolean => Object.prototype.isPrototypeOf.call(kind.prototype, value)

/**
 * The native object of `wrapper`, as the native class `N` its public class wraps (the one
 * unchecked cast of lib/tokio). `wrapper` must be an instance of `kind`, the class whose member
 * is running: a member called on another object, even another of ours with a member of the same
 * name, throws `ERR_INVALID_THIS`, as the native class's own check did.
 */
export function nativeOf<N extends object>(wrapper: Wrapper, kind: PublicClass): N {
  if (!isInstance(kind, wrapper) || !isWrapper(wrapper)) throw invalidThis(kind.name)
  return nativeOfWrapper(wrapper) as N
}

/** `nativeOf` for a member several classes share (the read and write members). */
export function nativeOfAny<N extends object>(wrapper: object, kinds: readonly PublicClass[], what: string): N {
  for (const kind of kinds) {
    if (isInstance(kind, wrapper) && isWrapper(wrapper)) return nativeOfWrapper(wrapper) as N
  }
  throw invalidThis(what)
}

function invalidThis(what: string): NetError {
  return usageError('ERR_INVALID_THIS', `Value of "this" must be of type ${what}`)
}

/**
 * An argument on its way to the binding: a public object becomes its native object, anything
 * else goes as it is, so that the binding answers a wrong argument with its Node-style error.
 * Runs no user code (brand checks only).
 */
export function toNative(value: unknown): unknown {
  if (isWrapper(value)) return nativeOfWrapper(value)
  if (typeof value !== 'object' || value === null || copies.length === 1) return value
  for (const unwrap of copies) {
    const handle = unwrap(value)
    if (handle !== undefined) return handle
  }
  return value
}

/**
 * Makes `publicClass` the class `wrap` gives `nativeClass`'s objects; each public class made
 * only by the binding registers itself once. Its constructor is `Wrapper`'s, protected: `wrap`
 * constructs with the token, a user's `new` throws `ERR_ILLEGAL_CONSTRUCTOR`.
 */
export function registerWrapper(nativeClass: { readonly name: string }, publicClass: PublicClass): void {
  publicClasses.set(nativeClass.name, publicClass)
}

/** The public object for a native object the binding returned (a stream, a half, an address...). */
export function wrap<W>(handle: object): W {
  const publicClass = publicClasses.get(handle.constructor.name)
  if (publicClass === undefined) throw new Error(`tokio-net: no public class for ${handle.constructor.name}`)
  return Reflect.construct<[symbol, object], W>(publicClass as unknown as new (token: symbol, handle: object) => W, [kWrap, handle])
}

/** A socket or wrapper that holds an OS resource: closed by `close()`, `using` or collection. */
interface NativeHandle {
  close(): void
  ref(): void
  unref(): void
}

export abstract class Handle extends Wrapper {
  /**
   * Drops the handle now. Pending operations on it reject with `ERR_HANDLE_CLOSED`; any
   * later call throws `ERR_HANDLE_CLOSED`. Closing twice is fine.
   * `[Symbol.dispose]()` and `[Symbol.asyncDispose]()` do the same, so `using` works.
   */
  close(): void {
    nativeOf<NativeHandle>(this, Handle).close()
  }

  /** Same as `close()`: `using stream = ...` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close()
    return Promise.resolve()
  }
}

// Before Node 20.4 there is no Symbol.dispose: the two computed keys above came out as the
// string "undefined", which is no member of ours.
if (typeof Symbol.dispose !== 'symbol') Reflect.deleteProperty(Handle.prototype, 'undefined')

/** A handle whose pending operations can stop keeping the process alive. */
export abstract class RefHandle extends Handle {
  /**
   * Lets this handle's pending operations keep the process alive again (the default),
   * undoing `unref()`.
   */
  ref(): void {
    nativeOf<NativeHandle>(this, RefHandle).ref()
  }

  /**
   * Stops this handle's pending operations from keeping the process alive: Node may exit
   * while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
   * (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
   * setting of the handle it came from.
   */
  unref(): void {
    nativeOf<NativeHandle>(this, RefHandle).unref()
  }
}

export { native }

/** `wrap` for the pairs the binding returns: `[stream, address]`, `[readHalf, writeHalf]`. */
export function wrapPair<A, B>(pair: readonly [object, object]): [A, B] {
  return [wrap<A>(pair[0]), wrap<B>(pair[1])]
}

const parents = new WeakMap<object, unknown>()

/**
 * Makes `child` hold `parent` alive, as a borrow in Rust outlives nothing it borrows: a borrowed
 * half keeps its stream, a view its half, a buffered wrapper the object it took over. (The
 * binding links the native objects the same way; this links the public ones.)
 */
export function keepAlive<T extends object>(child: T, parent: unknown): T {
  if (parent !== undefined) parents.set(child, parent)
  return child
}

/** What `keepAlive` made `child` hold alive, if anything. */
export function keptBy(child: object): unknown {
  return parents.get(child)
}
