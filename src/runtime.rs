//! The tokio runtimes the module runs sockets on, and where each env's I/O driver runs.
//!
//! On Node on Linux each env (the main thread and each `worker_threads` worker) gets by default
//! its own current-thread runtime whose I/O driver its event loop turns ([`js_thread`]): the
//! fastest place, since readiness then wakes operations on the thread that polls them. Where
//! that cannot work (another OS, Bun, Deno, a failed probe), the env uses one shared
//! multi-thread runtime instead, whose worker count is tokio's default (one per core, or
//! `TOKIO_WORKER_THREADS`). `TOKIO_NET_IO_DRIVER=workers` or `=js-thread` forces either place;
//! `js-thread` still falls back where the host cannot do it.

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::errors::{NetError, NetResult};

#[cfg(target_os = "linux")]
pub mod js_thread;
#[cfg(not(target_os = "linux"))]
pub mod js_thread {
  //! The I/O driver on the JS thread needs Linux (epoll, `/proc`); elsewhere it is declined.
  pub fn handle() -> Option<tokio::runtime::Handle> {
    None
  }
  pub fn install(_js: crate::js::Js, _turn_here: fn(fn())) -> bool {
    false
  }
  pub fn charge() {}
}

/// Where an env's sockets are driven.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DriverPlace {
  /// The shared multi-thread runtime's workers.
  Workers,
  /// The env's own JS thread, through its event loop.
  JsThread,
}

impl DriverPlace {
  /// The name `driverPlace()` and `TOKIO_NET_IO_DRIVER` use.
  pub fn name(self) -> &'static str {
    match self {
      DriverPlace::Workers => "workers",
      DriverPlace::JsThread => "js-thread",
    }
  }

  /// The place `TOKIO_NET_IO_DRIVER` asks for; unset or empty asks for the JS thread, the
  /// fastest place, which the env gets where the host supports it.
  pub fn parse(value: Option<&str>) -> Result<DriverPlace, String> {
    match value.map(str::trim) {
      None | Some("") | Some("js-thread") => Ok(DriverPlace::JsThread),
      Some("workers") => Ok(DriverPlace::Workers),
      Some(other) => Err(format!(
        "TOKIO_NET_IO_DRIVER must be \"workers\" or \"js-thread\", not {other:?}"
      )),
    }
  }

  pub fn requested() -> Result<DriverPlace, String> {
    DriverPlace::parse(std::env::var("TOKIO_NET_IO_DRIVER").ok().as_deref())
  }
}

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared runtime, built on first use.
pub fn runtime() -> NetResult<&'static Runtime> {
  RUNTIME
    .get_or_init(|| {
      // tokio panics on a malformed TOKIO_WORKER_THREADS: report it as an error instead.
      std::panic::catch_unwind(|| {
        Builder::new_multi_thread()
          .enable_all()
          .thread_name("tokio-net-worker")
          .build()
      })
      .map_err(|panic| crate::errors::panic_message(&panic))
      .and_then(|built| built.map_err(|e| e.to_string()))
    })
    .as_ref()
    .map_err(|e| NetError::internal(format!("could not start the tokio runtime: {e}")))
}

thread_local! {
  /// Why this thread's env has no runtime (a malformed `TOKIO_NET_IO_DRIVER`), if so.
  static REFUSED: RefCell<Option<String>> = const { RefCell::new(None) };
  /// Where this thread's env drives its sockets, once `settle_place` has decided.
  static PLACE: Cell<DriverPlace> = const { Cell::new(DriverPlace::Workers) };
}

/// Decides where this thread's env drives its sockets: the place `TOKIO_NET_IO_DRIVER` asks
/// for if `install_js_thread` manages it, else the workers. A malformed value does not stop the
/// module from loading (the loader would bury the message); every operation then fails with it
/// instead, as with a malformed `TOKIO_WORKER_THREADS`.
pub fn settle_place(install_js_thread: impl FnOnce() -> bool) -> DriverPlace {
  let place = match DriverPlace::requested() {
    Ok(DriverPlace::JsThread) if install_js_thread() => DriverPlace::JsThread,
    Ok(_) => DriverPlace::Workers,
    Err(why) => {
      REFUSED.with(|r| *r.borrow_mut() = Some(why));
      DriverPlace::Workers
    }
  };
  PLACE.with(|p| p.set(place));
  place
}

/// Where this thread's env drives its sockets.
pub fn place() -> DriverPlace {
  PLACE.with(Cell::get)
}

/// The runtime handle operations of this thread's env run under.
pub fn handle() -> NetResult<Handle> {
  if let Some(why) = REFUSED.with(|r| r.borrow().clone()) {
    return Err(NetError::internal(format!(
      "could not start the tokio runtime: {why}"
    )));
  }
  if let Some(h) = js_thread::handle() {
    return Ok(h);
  }
  Ok(runtime()?.handle().clone())
}

#[cfg(test)]
mod tests {
  use super::DriverPlace;

  #[test]
  fn driver_place_is_the_js_thread_unless_workers_are_asked_for() {
    assert_eq!(DriverPlace::parse(None), Ok(DriverPlace::JsThread));
    assert_eq!(DriverPlace::parse(Some("")), Ok(DriverPlace::JsThread));
    assert_eq!(
      DriverPlace::parse(Some(" workers ")),
      Ok(DriverPlace::Workers)
    );
    assert_eq!(
      DriverPlace::parse(Some("js-thread")),
      Ok(DriverPlace::JsThread)
    );
    let err = DriverPlace::parse(Some("main")).unwrap_err();
    assert!(
      err.contains("TOKIO_NET_IO_DRIVER") && err.contains("\"main\""),
      "{err}"
    );
  }
}
