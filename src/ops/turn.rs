//! A buffered wrapper's call turn: its place in the connection's call order.

use std::rc::Rc;

use crate::registry::Core;

use super::core_io::CoreIo;
use super::queue;
use super::wrapper::Wrapped;

/// The direction of the connection a wrapper uses: its calls queue with that direction's calls.
pub(crate) trait Direction {
  fn order(core: &Core) -> &queue::Queue;
}

impl Direction for tokio::io::BufReader<CoreIo> {
  fn order(core: &Core) -> &queue::Queue {
    &core.read_order
  }
}

impl Direction for tokio::io::BufWriter<CoreIo> {
  fn order(core: &Core) -> &queue::Queue {
    &core.write_order
  }
}

/// A wrapper call's place in line, taken when the call is made: behind the calls of the same
/// direction made before it on the connection (its stream, halves and copies included), then
/// behind the wrapper's other calls.
pub(crate) struct Turn<T> {
  state: Rc<Wrapped<T>>,
  ticket: queue::Ticket,
}

impl<T: Direction> Turn<T> {
  pub(crate) fn take(state: Rc<Wrapped<T>>) -> Turn<T> {
    let ticket = T::order(&state.core).ticket();
    Turn { state, ticket }
  }

  /// Waits for this call's turn, then for the wrapper.
  pub(crate) async fn lock(&mut self) -> tokio::sync::MutexGuard<'_, T> {
    self.ticket.wait().await;
    self.state.io.lock().await
  }
}
