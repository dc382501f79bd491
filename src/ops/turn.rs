//! A buffered wrapper's call turn: its place in the connection's call order.

use std::rc::Rc;

use crate::registry::Direction;

use super::core_io::CoreIo;
use super::wrapper::Wrapped;
use crate::queue;

/// The direction of the connection a wrapper uses: its calls queue with that direction's calls.
pub(crate) trait Directed {
  const DIRECTION: Direction;
}

impl Directed for tokio::io::BufReader<CoreIo> {
  const DIRECTION: Direction = Direction::Read;
}

impl Directed for tokio::io::BufWriter<CoreIo> {
  const DIRECTION: Direction = Direction::Write;
}

/// A wrapper call's place in line, taken when the call is made: behind the calls of the same
/// direction made before it on the connection (its stream, halves and copies included), then
/// behind the wrapper's other calls.
pub(crate) struct Turn<T> {
  state: Rc<Wrapped<T>>,
  ticket: queue::Ticket,
}

impl<T: Directed> Turn<T> {
  pub(crate) fn take(state: Rc<Wrapped<T>>) -> Turn<T> {
    let ticket = state.core.order(T::DIRECTION).ticket();
    Turn { state, ticket }
  }

  /// Waits for this call's turn, then for the wrapper.
  pub(crate) async fn lock(&mut self) -> tokio::sync::MutexGuard<'_, T> {
    self.ticket.wait().await;
    self.state.io.lock().await
  }
}
