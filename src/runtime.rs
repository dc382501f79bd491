//! The tokio runtimes the module runs sockets on.
//!
//! By default every socket of every Node environment (the main thread and each `worker_threads`
//! worker) is driven by one shared multi-thread runtime. Its worker count is tokio's default (one
//! per core), which tokio itself lets users override with the `TOKIO_WORKER_THREADS` environment
//! variable. With `TOKIO_NET_IO_DRIVER=js-thread` each env instead gets a current-thread runtime
//! whose I/O driver its own event loop turns ([`js_thread`]), where the host allows it.

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
  pub fn install(_env: napi::sys::napi_env) -> bool {
    false
  }
  pub fn charge() {}
}

/// Where an env's sockets are driven, as `TOKIO_NET_IO_DRIVER` asks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DriverPlace {
  /// The shared multi-thread runtime's workers (the default).
  Workers,
  /// The env's own JS thread, through its event loop.
  JsThread,
}

impl DriverPlace {
  pub fn parse(value: Option<&str>) -> Result<DriverPlace, String> {
    match value.map(str::trim) {
      None | Some("") | Some("workers") => Ok(DriverPlace::Workers),
      Some("js-thread") => Ok(DriverPlace::JsThread),
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
      .map_err(|panic| crate::bridge::panic_message(&panic))
      .and_then(|built| built.map_err(|e| e.to_string()))
    })
    .as_ref()
    .map_err(|e| NetError::internal(format!("could not start the tokio runtime: {e}")))
}

thread_local! {
  /// Why this thread's env has no runtime (a malformed `TOKIO_NET_IO_DRIVER`), if so.
  static REFUSED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Where this thread's env drives its sockets. A malformed `TOKIO_NET_IO_DRIVER` does not stop
/// the module from loading (the loader would bury the message); every operation then fails
/// with it instead, as with a malformed `TOKIO_WORKER_THREADS`.
pub fn requested_place() -> Option<DriverPlace> {
  match DriverPlace::requested() {
    Ok(place) => Some(place),
    Err(why) => {
      REFUSED.with(|r| *r.borrow_mut() = Some(why));
      None
    }
  }
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
  fn driver_place_is_workers_unless_js_thread_is_asked_for() {
    assert_eq!(DriverPlace::parse(None), Ok(DriverPlace::Workers));
    assert_eq!(DriverPlace::parse(Some("")), Ok(DriverPlace::Workers));
    assert_eq!(
      DriverPlace::parse(Some("workers")),
      Ok(DriverPlace::Workers)
    );
    assert_eq!(
      DriverPlace::parse(Some(" js-thread ")),
      Ok(DriverPlace::JsThread)
    );
    let err = DriverPlace::parse(Some("main")).unwrap_err();
    assert!(
      err.contains("TOKIO_NET_IO_DRIVER") && err.contains("\"main\""),
      "{err}"
    );
  }
}
