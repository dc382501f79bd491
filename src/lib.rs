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

/// Where tokio's I/O driver runs for the calling Node environment:
///
/// - `'js-thread'`: the env has its own current-thread tokio runtime, and Node's event loop turns
///   its I/O driver whenever a socket is ready, so operations wake on the JS thread with no thread
///   hop. The default on Node on Linux.
/// - `'workers'`: one tokio multi-thread runtime shared by every env of the process drives the
///   sockets on its worker threads (one per core, or `TOKIO_WORKER_THREADS`). Used on other
///   systems, under Bun and Deno (they have no libuv to watch the driver with), when the JS-thread
///   probe fails, and when `TOKIO_NET_IO_DRIVER=workers` asks for it.
///
/// Decided once per env when the module loads; both places run the same tokio code with the
/// same semantics.
///
/// @example
/// ```ts
/// import { driverPlace } from 'tokio-net'
///
/// console.log(`tokio's I/O driver runs on ${driverPlace() === 'js-thread' ? 'the JS thread' : 'tokio workers'}`)
/// ```
#[napi(ts_return_type = "'js-thread' | 'workers'")]
pub fn driver_place() -> &'static str {
  runtime::place().name()
}

#[napi(module_exports)]
pub fn init(_exports: Object, env: Env) -> napi::Result<()> {
  bridge::init_env(&env)
}
