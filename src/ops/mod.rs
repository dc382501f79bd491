//! The I/O operations a stream shares with its halves and views, written once.
//!
//! Class methods (`TcpStream`, `ReadHalf`, `OwnedReadHalf`, ...) are thin: they pass their
//! registry id here. Reads and writes go through readiness plus `try_*`, which is how tokio's own
//! `AsyncRead`/`AsyncWrite` impls work, so every operation needs only `&TcpStream` and a read
//! and a write can run at once. Operations are polled on the JS thread (see the bridge), so a
//! read fills the caller's buffer itself, at the moment the socket is ready.
//!
//! One module per capability, each with the macro that declares its methods on every class that
//! has them: [`handle`] (addresses, `ready`, `close`, `ref`/`unref`), [`read`], [`write`],
//! [`readiness`], and [`custom_io`] (`tryIo`/`asyncIo`).
//!
//! Under the buffered wrappers and `copy`: [`core_io`] (tokio's `AsyncRead`/`AsyncWrite` over a
//! connection), [`wrapper`] (what `BufReader` and `BufWriter` share) and [`turn`] (a wrapper call's
//! place in the connection's call order).

#[macro_use]
pub mod handle;
#[macro_use]
pub mod read;
#[macro_use]
pub mod write;
pub mod core_io;
pub mod custom_io;
pub mod readiness;
pub mod turn;
pub mod wrapper;

use napi::sys;

use crate::errors::NetResult;
use crate::js::Js;

pub use custom_io::{async_io, try_io};
pub use handle::{local_addr, peer_addr};
pub use read::{
  peek, poll_peek, read, read_exact, read_to_end, try_read, try_read_buf, try_read_vectored,
};
pub use readiness::{poll_read_ready, poll_write_ready, readable, ready, writable};
pub use write::{
  flush, poll_write, poll_write_vectored, shutdown, try_write, try_write_vectored, write,
  write_all, write_vectored,
};

/// The byte count a JS method reports.
pub type Count = f64;

/// How far an operation got on the JS thread, without waiting.
enum Attempt {
  /// The operation is complete: this many bytes are in (or out).
  Complete(usize),
  /// The socket had no more for now: this many bytes are in (or out), the rest must wait.
  Partial(usize),
}

pub fn to_js_class<T: napi::bindgen_prelude::ToNapiValue>(
  js: Js,
  value: T,
) -> NetResult<sys::napi_value> {
  // SAFETY: napi-rs's conversion of a class value, on this env's JS thread.
  Ok(unsafe { T::to_napi_value(js.raw(), value) }?)
}
