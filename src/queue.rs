//! Call-order queues for the operations on one socket.
//!
//! A JS caller may start many `read()`s (or `write()`s) without awaiting them; they must run in
//! the order they were called, even though each is a task of its own that the I/O driver wakes
//! in any order. So the place in line is taken when the method is called ([`Queue::ticket`]),
//! and the task waits for its turn before touching the socket. A ticket dropped before its turn
//! (an aborted or closed operation) gives its place up without blocking those behind it.

use std::collections::{BTreeSet, HashMap};
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

#[derive(Default)]
struct State {
  next: u64,
  serving: u64,
  abandoned: BTreeSet<u64>,
  waiting: HashMap<u64, Waker>,
}

impl State {
  /// The current turn is over: move on to the next ticket still wanted, and wake it.
  fn advance(&mut self) {
    self.serving += 1;
    while self.abandoned.remove(&self.serving) {
      self.serving += 1;
    }
    if let Some(waker) = self.waiting.remove(&self.serving) {
      waker.wake();
    }
  }
}

/// A FIFO of operations on one direction of a socket.
#[derive(Clone, Default)]
pub struct Queue {
  state: Arc<Mutex<State>>,
}

impl Queue {
  fn lock(&self) -> MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|p| p.into_inner())
  }

  /// Whether nobody holds or waits for a turn: an operation may then run at once without
  /// jumping the line.
  pub fn is_idle(&self) -> bool {
    let state = self.lock();
    state.serving == state.next
  }

  /// Takes the next place in line.
  pub fn ticket(&self) -> Ticket {
    let mut state = self.lock();
    let number = state.next;
    state.next += 1;
    Ticket {
      queue: self.clone(),
      number,
      served: false,
    }
  }
}

/// A place in line; [`Ticket::wait`] resolves when it is this ticket's turn, and the turn lasts
/// until the ticket is dropped.
pub struct Ticket {
  queue: Queue,
  number: u64,
  served: bool,
}

impl Ticket {
  /// Waits for this ticket's turn.
  pub async fn wait(&mut self) {
    poll_fn(|cx| {
      let mut state = self.queue.lock();
      if state.serving == self.number {
        state.waiting.remove(&self.number);
        Poll::Ready(())
      } else {
        state.waiting.insert(self.number, cx.waker().clone());
        Poll::Pending
      }
    })
    .await;
    self.served = true;
  }
}

impl Drop for Ticket {
  fn drop(&mut self) {
    let mut state = self.queue.lock();
    state.waiting.remove(&self.number);
    if state.serving == self.number {
      state.advance();
    } else if !self.served {
      state.abandoned.insert(self.number);
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::{AtomicUsize, Ordering};

  fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
      .worker_threads(4)
      .build()
      .unwrap()
  }

  #[test]
  fn turns_follow_ticket_order_whatever_the_task_order() {
    let rt = runtime();
    let turns = Queue::default();
    let log = Arc::new(Mutex::new(Vec::new()));
    let tickets: Vec<(usize, Ticket)> = (0..200).map(|i| (i, turns.ticket())).collect();
    // Spawned last-first, so the runtime would run them in the wrong order if it could.
    let handles: Vec<_> = tickets
      .into_iter()
      .rev()
      .map(|(i, mut ticket)| {
        let log = log.clone();
        rt.spawn(async move {
          ticket.wait().await;
          log.lock().unwrap().push(i);
          tokio::task::yield_now().await;
        })
      })
      .collect();
    for h in handles {
      rt.block_on(h).unwrap();
    }
    let log = log.lock().unwrap();
    assert_eq!(*log, (0..200).collect::<Vec<_>>());
  }

  #[test]
  fn an_abandoned_ticket_does_not_block_the_line() {
    let rt = runtime();
    let turns = Queue::default();
    let first = turns.ticket();
    let skipped = turns.ticket();
    let mut third = turns.ticket();
    drop(skipped);
    let done = Arc::new(AtomicUsize::new(0));
    let seen = done.clone();
    let waiter = rt.spawn(async move {
      third.wait().await;
      seen.fetch_add(1, Ordering::SeqCst);
    });
    drop(first);
    rt.block_on(waiter).unwrap();
    assert_eq!(done.load(Ordering::SeqCst), 1);
  }
}
