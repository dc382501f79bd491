//! tokio-net: tokio's `TcpStream`, `TcpListener` and `TcpSocket` for Node.js, on a real tokio
//! runtime. See `API.md` for the contract and `README.md` for the tour.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(clippy::undocumented_unsafe_blocks)]

#[macro_use]
extern crate napi_derive;

#[macro_use]
mod ops;

mod addr;
mod args;
mod bridge;
mod bytes_mut;
mod errors;
mod interest;
mod js;
mod listener;
mod platform;
mod registry;
mod runtime;
mod socket;
mod split;
mod std_stream;
mod stream;

use std::cell::RefCell;

use napi::bindgen_prelude::{FunctionCallContext, Object, Unknown};
use napi::{Env, JsValue, sys};

use crate::js::{Js, JsRef, RawValue, Type};

/// The live registry entries of each kind in the calling Node environment.
#[napi(object)]
pub struct ActiveHandles {
  /// `TcpStream`s, `asRef()` views included.
  pub streams: u32,
  /// Halves, borrowed and owned.
  pub halves: u32,
  pub listeners: u32,
  /// `TcpSocket`s not yet connected or listening.
  pub sockets: u32,
  pub std_streams: u32,
}

/// The number of live handles of each kind in the calling Node environment (the main thread
/// or one worker). Everything closed or collected is no longer counted: all zeros means
/// nothing leaked.
#[napi]
pub fn active_handles() -> ActiveHandles {
  let [streams, halves, listeners, sockets, std_streams] = registry::counts();
  ActiveHandles {
    streams,
    halves,
    listeners,
    sockets,
    std_streams,
  }
}

/// The error `reunite` throws for halves of two different sockets (`code: 'ERR_REUNITE'`).
/// `readHalf` and `writeHalf` hand both halves back, still usable.
#[napi]
pub struct ReuniteError {}

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

const HANDLE_CLASSES: [&str; 8] = [
  "TcpStream",
  "ReadHalf",
  "WriteHalf",
  "OwnedReadHalf",
  "OwnedWriteHalf",
  "TcpListener",
  "TcpSocket",
  "StdTcpStream",
];

#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> napi::Result<()> {
  bridge::init_env(&env)?;
  let js = Js::new(env.raw());
  let exports = exports.raw();
  let global = js.global()?;
  let symbol = js.get(global, "Symbol")?;
  let dispose = js.get(symbol, "dispose")?;
  let async_dispose = js.get(symbol, "asyncDispose")?;
  let async_iterator = js.get(symbol, "asyncIterator")?;
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
  for name in HANDLE_CLASSES {
    let proto = js.get(js.get(exports, name)?, "prototype")?;
    let close = js.get(proto, "close")?;
    set_symbol(js, proto, dispose, close)?;
    set_symbol(js, proto, async_dispose, async_close.raw())?;
  }
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
  // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
  Js::check(unsafe { sys::napi_set_property(js.raw(), object, key, value) })
}
