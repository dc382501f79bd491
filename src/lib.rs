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
mod exports;
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

use napi::bindgen_prelude::Object;
use napi::{Env, JsValue};

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
/// `readHalf` and `writeHalf` hand both halves back, still usable. Test for it with
/// `err instanceof ReuniteError`; only `reunite` makes one (`new` throws).
#[napi]
pub struct ReuniteError {}

#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> napi::Result<()> {
  bridge::init_env(&env)?;
  exports::install(&env, exports.raw())
}
