//! tokio-net: tokio's `TcpStream`, `TcpListener` and `TcpSocket` for Node.js, on a real tokio
//! runtime. This crate is the internal binding: the public classes are TypeScript, in
//! `lib/tokio/`, and hold the objects made here. `docs/CONTRACT.md` has the rules both keep.

#[macro_use]
extern crate napi_derive;

#[macro_use]
mod ops;

mod addr;
mod args;
mod bridge;
mod buf_reader;
mod buf_writer;
mod bytes_mut;
mod copy;

// The free functions of `copy` are reached only through napi-rs's registration, which a test
// build leaves out.
pub use copy::{copy, copy_bidirectional, copy_buf};
mod errors;
mod interest;
mod js;
mod lines;
mod listener;
mod platform;
mod queue;
mod registry;
mod runtime;
mod socket;
mod std_stream;
mod stream;

#[cfg(test)]
mod module_graph_test;

use napi::Env;
use napi::bindgen_prelude::Object;

/// Live registry entries per kind in this env, from [`registry::counts`].
#[napi(object)]
pub struct ActiveHandles {
  /// Stream and view entries, wrappers over them included.
  pub streams: u32,
  /// Half entries (borrowed and owned), wrappers over them included.
  pub halves: u32,
  pub listeners: u32,
  /// Socket entries (a connecting socket included).
  pub sockets: u32,
  pub std_streams: u32,
}

/// Counts this env's live registry entries; tests use it to find leaks.
#[napi(catch_unwind)]
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

/// Which runtime drives this env's I/O, decided once at load: `'js-thread'` or `'workers'` (see
/// [`runtime`]).
#[napi(ts_return_type = "'js-thread' | 'workers'")]
pub fn driver_place() -> &'static str {
  runtime::place().name()
}

#[napi(module_exports)]
pub fn init(_exports: Object, env: Env) -> napi::Result<()> {
  bridge::init_env(&env)
}
