//! The one tokio runtime the module owns.
//!
//! Every socket of every Node environment (the main thread and each `worker_threads` worker) is
//! driven by this multi-thread runtime. Its worker count is tokio's default (one per core),
//! which tokio itself lets users override with the `TOKIO_WORKER_THREADS` environment variable.

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

use crate::errors::{NetError, NetResult};

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
