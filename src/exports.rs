//! What module init adds to the classes napi-rs defines: `Symbol.dispose`/`asyncDispose`, the
//! listener's async iterator, `ReuniteError`'s place under `Error`, and Node-style answers to
//! misuse (`new` on a class made only by factories, a call without `new`, a getter read on a
//! foreign object), where napi-rs's own are plain `Error`s without a `code`.

use std::cell::RefCell;

use napi::bindgen_prelude::{FunctionCallContext, Unknown};
use napi::{Env, JsValue, sys};

use crate::bytes_mut::BytesMut;
use crate::errors::NetError;
use crate::js::{CallError, Js, JsRef, RawValue, Type};

/// An exported class, as module init treats it.
struct Class {
  name: &'static str,
  /// It owns a socket: `close()` is its `Symbol.dispose`.
  owns_socket: bool,
  /// JS may construct it (`new BytesMut()`); the others are made by their factories
  /// (`TcpStream.connect`, ...).
  constructible: bool,
}

const fn class(name: &'static str, owns_socket: bool, constructible: bool) -> Class {
  Class {
    name,
    owns_socket,
    constructible,
  }
}

const CLASSES: [Class; 15] = [
  class("TcpStream", true, false),
  class("ReadHalf", true, false),
  class("WriteHalf", true, false),
  class("OwnedReadHalf", true, false),
  class("OwnedWriteHalf", true, false),
  class("TcpListener", true, false),
  class("TcpSocket", true, false),
  class("StdTcpStream", true, false),
  class("SocketAddr", false, false),
  class("Ready", false, false),
  class("ReuniteError", false, false),
  class("BytesMut", false, true),
  class("BufReader", true, true),
  class("BufWriter", true, true),
  class("Lines", true, false),
];

thread_local! {
  static REUNITE_PROTOTYPE: RefCell<Option<JsRef>> = const { RefCell::new(None) };
}

/// Makes `error` an instance of the exported `ReuniteError` class.
pub(crate) fn set_reunite_prototype(js: Js, error: sys::napi_value) {
  REUNITE_PROTOTYPE.with(|p| {
    if let Some(proto) = p.borrow().as_ref().and_then(|r| js.ref_value(r).ok())
      && let Ok(object) = js.global().and_then(|g| js.get(g, "Object"))
    {
      let _ = js.call_method(object, "setPrototypeOf", &[error, proto]);
    }
  });
}

pub fn install(env: &Env, exports: sys::napi_value) -> napi::Result<()> {
  let js = Js::new(env.raw());
  install_dispose(env, js, exports)?;
  install_async_iterator(env, js, exports)?;
  install_reunite_error(js, exports)?;
  guard_bytes_mut_getters(env, js, exports)?;
  // Last: the classes are replaced by their guards.
  guard_constructors(env, js, exports)
}

fn install_dispose(env: &Env, js: Js, exports: sys::napi_value) -> napi::Result<()> {
  let symbol = js.get(js.global()?, "Symbol")?;
  let dispose = js.get(symbol, "dispose")?;
  let async_dispose = js.get(symbol, "asyncDispose")?;
  let async_close =
    env.create_function_from_closure::<(), _, _>("asyncDispose", |ctx: FunctionCallContext| {
      let js = Js::new(ctx.env.raw());
      let this = ctx.this::<Unknown>()?.raw();
      let _ = js.call_method(this, "close", &[]);
      let promise_ctor = js.get(js.global()?, "Promise")?;
      let undefined = js.undefined()?;
      match js.call_method(promise_ctor, "resolve", &[undefined]) {
        Ok(p) => Ok(RawValue(p)),
        Err(_) => Err(napi::Error::from_reason("Promise.resolve failed")),
      }
    })?;
  for Class { name, .. } in CLASSES.iter().filter(|c| c.owns_socket) {
    let proto = js.get(js.get(exports, name)?, "prototype")?;
    let close = js.get(proto, "close")?;
    set_symbol(js, proto, dispose, close)?;
    set_symbol(js, proto, async_dispose, async_close.raw())?;
  }
  Ok(())
}

fn install_async_iterator(env: &Env, js: Js, exports: sys::napi_value) -> napi::Result<()> {
  let async_iterator = js.get(js.get(js.global()?, "Symbol")?, "asyncIterator")?;
  let listener_proto = js.get(js.get(exports, "TcpListener")?, "prototype")?;
  let iterate =
    env.create_function_from_closure::<(), _, _>("asyncIterator", |ctx: FunctionCallContext| {
      let js = Js::new(ctx.env.raw());
      let listener = ctx.this::<Unknown>()?.raw();
      let accept_next = js.get(listener, "acceptNext")?;
      let iterator = js.object()?;
      let bind = js.get(accept_next, "bind")?;
      let next = js
        .call(accept_next, bind, &[listener])
        .map_err(|_| napi::Error::from_reason("bind failed"))?;
      js.set(iterator, "next", next)?;
      Ok(RawValue(iterator))
    })?;
  set_symbol(js, listener_proto, async_iterator, iterate.raw())?;
  let lines_proto = js.get(js.get(exports, "Lines")?, "prototype")?;
  let install = js.run_script(LINES_ITERATOR)?;
  js.call(js.undefined()?, install, &[lines_proto])
    .map_err(|_| napi::Error::from_reason("installing the Lines iterator failed"))?;
  Ok(())
}

/// The async iterator of `Lines` and its `nextLine`, in JS because they run once per line: the
/// iterator takes the buffered lines in one native call (`iterChunk`) into a queue of the object
/// and yields them one by one; `nextLine` serves that queue first and calls the native method
/// only when it is empty. Every step, of any iterator or `nextLine`, runs in call order.
const LINES_ITERATOR: &str = r#"(function installLines(proto) {
  const nativeNextLine = proto.nextLine
  // Per Lines object: the lines split from the last chunk and not yet handed out, and the tail
  // of the steps queued on it (null when none is pending).
  const queues = new WeakMap()
  const queueOf = (lines) => {
    let q = queues.get(lines)
    if (q === undefined) {
      q = { lines: [], at: 0, tail: null }
      queues.set(lines, q)
    }
    return q
  }
  const ignore = () => {}
  // Runs `step` once every step queued before it has settled; at once when none is pending. The
  // promise handed out clears the tail in its own settling, before the caller's reaction runs, so
  // a caller that awaits each step before the next (a `for await`) always takes the fast path.
  // The next step waits on an internal promise, not on the caller's: a rejection the caller
  // drops is still reported as unhandled.
  const run = (q, step) => {
    let result
    if (q.tail === null) {
      result = step()
      if (!(result instanceof Promise)) return Promise.resolve(result)
    } else {
      result = q.tail.then(step)
    }
    const tail = result.then(ignore, ignore)
    const handedOut = result.then(
      (value) => {
        if (q.tail === tail) q.tail = null
        return value
      },
      (error) => {
        if (q.tail === tail) q.tail = null
        throw error
      },
    )
    q.tail = tail
    return handedOut
  }
  // Takes the next chunk of lines into the queue; false at end of stream or once closed.
  const fill = (lines, q) =>
    lines.iterChunk().then(
      (chunk) => {
        if (chunk === null) return false
        q.lines = chunk.split('\n')
        q.at = 0
        return true
      },
      (error) => {
        if (error !== null && typeof error === 'object' && error.code === 'ERR_HANDLE_CLOSED') return false
        throw error
      },
    )

  proto.nextLine = function nextLine(options) {
    // Called on something else: the native method answers (ERR_INVALID_THIS).
    if (this === null || typeof this !== 'object') return nativeNextLine.call(this, options)
    const q = queueOf(this)
    const own = options === undefined || (typeof options === 'object' && options !== null)
    const signal = own && options !== undefined ? options.signal : undefined
    let started = false
    let skipped = false
    const serve = () => {
      started = true
      if (skipped) return null
      if (own && !(signal && signal.aborted) && q.at < q.lines.length) return q.lines[q.at++]
      return nativeNextLine.call(this, options)
    }
    const queued = q.tail !== null
    if (!queued || signal == null || typeof signal.addEventListener !== 'function' || signal.aborted) {
      return run(q, serve)
    }
    // Waiting in line behind other steps: an abort answers at once, as it would a native call,
    // and the step gives its turn up without taking a line. Once the step runs, the native
    // call's own abort handling (cancel safe) answers instead.
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (started) return
        skipped = true
        nativeNextLine.call(this, options).then(resolve, reject)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      run(q, serve).then(
        (value) => {
          signal.removeEventListener('abort', onAbort)
          if (!skipped) resolve(value)
        },
        (error) => {
          signal.removeEventListener('abort', onAbort)
          if (!skipped) reject(error)
        },
      )
    })
  }

  proto[Symbol.asyncIterator] = function lines() {
    const source = this
    const q = queueOf(this)
    let finished = false
    const step = () => {
      if (finished) return { value: undefined, done: true }
      if (q.at < q.lines.length) return { value: q.lines[q.at++], done: false }
      return fill(source, q).then((more) => {
        if (!more) finished = true
        return step()
      })
    }
    return {
      // The common case, a line already split off and nothing queued, without the queue's calls.
      next: () =>
        q.tail === null && !finished && q.at < q.lines.length
          ? Promise.resolve({ value: q.lines[q.at++], done: false })
          : run(q, step),
      return() {
        // The lines not yet yielded stay queued for the next iteration or nextLine().
        finished = true
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
})"#;

fn install_reunite_error(js: Js, exports: sys::napi_value) -> napi::Result<()> {
  let global = js.global()?;
  let reunite_proto = js.get(js.get(exports, "ReuniteError")?, "prototype")?;
  let error_proto = js.get(js.get(global, "Error")?, "prototype")?;
  let object = js.get(global, "Object")?;
  js.call_method(object, "setPrototypeOf", &[reunite_proto, error_proto])
    .map_err(|_| napi::Error::from_reason("setPrototypeOf failed"))?;
  js.set(reunite_proto, "name", js.string("ReuniteError")?)?;
  let proto_ref = js.new_ref(reunite_proto)?;
  REUNITE_PROTOTYPE.with(|p| *p.borrow_mut() = Some(proto_ref));
  Ok(())
}

/// Replaces each exported class with a proxy that answers `new` on a factory-made class and a
/// call without `new` with a `TypeError` (`ERR_ILLEGAL_CONSTRUCTOR`,
/// `ERR_CONSTRUCT_CALL_REQUIRED`). Everything else (statics, `prototype`, `instanceof`) passes
/// through. A static factory (`TcpSocket.newV4()`) constructs through the proxy, so `new` is
/// forwarded to the class, and only napi-rs's refusal of a user's `new` is translated.
fn guard_constructors(env: &Env, js: Js, exports: sys::napi_value) -> napi::Result<()> {
  let global = js.global()?;
  let proxy = js.get(global, "Proxy")?;
  let reflect = js.new_ref(js.get(global, "Reflect")?)?;
  let reflect = std::rc::Rc::new(reflect);
  for &Class {
    name,
    constructible,
    ..
  } in &CLASSES
  {
    let class = js.get(exports, name)?;
    let handler = js.object()?;
    let apply = env.create_function_from_closure::<(), (), _>("apply", move |ctx| {
      Err(misuse(
        ctx.env,
        "ERR_CONSTRUCT_CALL_REQUIRED",
        format!("Class constructor {name} cannot be invoked without 'new'"),
      ))
    })?;
    js.set(handler, "apply", apply.raw())?;
    if !constructible {
      let reflect = reflect.clone();
      let construct = env.create_function_from_closure::<(), _, _>("construct", move |ctx| {
        let js = Js::new(ctx.env.raw());
        let args: Vec<sys::napi_value> = (0..ctx.length())
          .map(|i| ctx.get::<Unknown>(i).map(|v| v.raw()))
          .collect::<napi::Result<_>>()?;
        let reflect = js.ref_value(&reflect)?;
        match js.call_method(reflect, "construct", &args) {
          Err(CallError::Threw(e)) if is_napi_no_constructor(js, e) => Err(misuse(
            ctx.env,
            "ERR_ILLEGAL_CONSTRUCTOR",
            format!("Illegal constructor: {name} objects come from tokio-net's methods, not `new`"),
          )),
          called => passthrough(js, called),
        }
      })?;
      js.set(handler, "construct", construct.raw())?;
    }
    let guarded = js.new_instance(proxy, &[class, handler])?;
    js.set(exports, name, guarded)?;
  }
  Ok(())
}

/// Whether `error` is napi-rs's refusal of `new` on a class without a constructor.
fn is_napi_no_constructor(js: Js, error: sys::napi_value) -> bool {
  js.get(error, "message")
    .ok()
    .filter(|m| js.type_of(*m) == Type::String)
    .and_then(|m| js.string_value(m).ok())
    .is_some_and(|m| m.contains("contains no `constructor`"))
}

/// `BytesMut`'s `length` and `capacity` getters, read on something that is not a `BytesMut`,
/// throw a `TypeError` with `ERR_INVALID_THIS` (napi-rs's own say `InvalidArg`).
fn guard_bytes_mut_getters(env: &Env, js: Js, exports: sys::napi_value) -> napi::Result<()> {
  let object = js.get(js.global()?, "Object")?;
  let proto = js.get(js.get(exports, "BytesMut")?, "prototype")?;
  for name in ["length", "capacity"] {
    let key = js.string(name)?;
    let descriptor = js
      .call_method(object, "getOwnPropertyDescriptor", &[proto, key])
      .map_err(|_| napi::Error::from_reason("getOwnPropertyDescriptor failed"))?;
    let getter = js.new_ref(js.get(descriptor, "get")?)?;
    let guarded = env.create_function_from_closure::<(), _, _>(name, move |ctx| {
      let js = Js::new(ctx.env.raw());
      let this = ctx.this::<Unknown>()?.raw();
      if js.with_instance(this, |_: &BytesMut| ()).is_none() {
        return Err(misuse(
          ctx.env,
          "ERR_INVALID_THIS",
          "Value of \"this\" must be of type BytesMut".to_string(),
        ));
      }
      let getter = js.ref_value(&getter)?;
      passthrough(js, js.call(this, getter, &[]))
    })?;
    js.set(descriptor, "get", guarded.raw())?;
    js.call_method(object, "defineProperty", &[proto, key, descriptor])
      .map_err(|_| napi::Error::from_reason("defineProperty failed"))?;
  }
  Ok(())
}

/// Hands what a forwarded call returned or threw back to JS unchanged.
fn passthrough(js: Js, called: Result<sys::napi_value, CallError>) -> napi::Result<RawValue> {
  match called {
    Ok(value) => Ok(RawValue(value)),
    Err(CallError::Threw(e)) => {
      js.throw_value(e);
      Err(NetError::Pending.throw(js))
    }
    Err(CallError::Failed(e)) => Err(e),
  }
}

/// Throws a `TypeError` with `code` and hands back napi-rs's "already thrown" marker.
fn misuse(env: &Env, code: &'static str, message: String) -> napi::Error {
  NetError::Usage { code, message }.throw(Js::new(env.raw()))
}

fn set_symbol(
  js: Js,
  object: sys::napi_value,
  key: sys::napi_value,
  value: sys::napi_value,
) -> napi::Result<()> {
  if js.type_of(key) != Type::Other {
    // Symbol.dispose / asyncDispose are missing on old runtimes: nothing to install then.
    return Ok(());
  }
  js.set_property(object, key, value)
}
