//! What the buffered wrappers (`BufReader`, `BufWriter`) share: their `capacity` argument, the
//! registry entry that holds tokio's wrapper over a connection, and its registration.

use std::rc::Rc;
use std::sync::Arc;

use napi::bindgen_prelude::Unknown;

use crate::errors::{NetError, NetResult};
use crate::js::{Js, Type, raw};
use crate::registry::{self, Core, Resource, Taken, Wrapper};

use super::core_io::CoreIo;

/// tokio's `BufReader` over a connection: what a `BufReader` and the `Lines` made of one read.
pub(crate) type TokioBufReader = tokio::io::BufReader<CoreIo>;

/// tokio's default buffer size for `BufReader` and `BufWriter`.
const DEFAULT_CAPACITY: usize = 8 * 1024;
const MAX_CAPACITY: f64 = 1024.0 * 1024.0 * 1024.0;

/// The `capacity` argument of a buffered wrapper: at least 1 byte (tokio would accept 0, and
/// then never make progress), at most 1 GiB; `undefined` means tokio's default.
pub fn capacity_arg(js: Js, capacity: Option<&Unknown<'_>>) -> NetResult<usize> {
  match capacity.map(raw) {
    Some(value) if js.type_of(value) != Type::Undefined => {
      let n = js.uint_arg(value, "capacity", MAX_CAPACITY)? as usize;
      if n == 0 {
        return Err(NetError::ArgRange(format!(
          "The value of \"capacity\" is out of range. It must be >= 1 && <= {MAX_CAPACITY}. Received 0"
        )));
      }
      Ok(n)
    }
    _ => Ok(DEFAULT_CAPACITY),
  }
}

/// What a buffered wrapper's registry entry holds: tokio's `BufReader` or `BufWriter`, locked by
/// each call for its whole run (calls are served one at a time in call order, as the `&mut self`
/// of tokio's methods serves them), the connection under it, and its capacity.
pub(crate) struct Wrapped<T> {
  pub(crate) io: tokio::sync::Mutex<T>,
  pub(crate) core: Arc<Core>,
  pub(crate) capacity: usize,
}

impl<T: 'static> Wrapper for Wrapped<T> {
  fn core(&self) -> &Arc<Core> {
    &self.core
  }
}

/// Registers the wrapper `state` over what `take_over` took; the wrapper keeps the handle's
/// parent and its `ref()`/`unref()` setting.
pub(crate) fn insert_wrapper<T: 'static>(state: Wrapped<T>, taken: &Taken) -> u64 {
  registry::insert_handed_over(
    Resource::Buffered(Rc::new(state), taken.kind),
    taken.parent,
    taken.refed,
  )
}
