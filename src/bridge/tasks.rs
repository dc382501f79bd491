//! The operations in flight of one Node environment, polled on its JS thread.
//!
//! An operation's future is polled right away on the JS thread, inside the runtime's context, so
//! one that can finish without waiting settles its promise with no thread hop at all. One that has
//! to wait leaves its waker with tokio's I/O driver (on the runtime's worker threads, or on this
//! JS thread, the default on Node on Linux); when the socket becomes ready the driver wakes
//! it, the wake-up reaches the JS thread (see the bridge), and the JS thread polls the future
//! again. Compared with spawning each operation onto a worker, this saves a cross-thread wake-up
//! per operation, and JS memory and promises are only ever touched on the JS thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

use tokio::runtime::Handle;

use crate::js::Js;
use crate::runtime;

use super::channel::Channel;

/// What a finished operation does on the JS thread: settle its promise.
pub type Settle = Box<dyn FnOnce(Js)>;
type Job = Pin<Box<dyn Future<Output = Settle>>>;

struct Task {
  job: Job,
  waker: Waker,
  wake: Arc<TaskWake>,
}

/// Wakes a task from any thread by queueing its id on the env's channel, once per wake-up.
struct TaskWake {
  id: u64,
  queued: AtomicBool,
  channel: Weak<Channel>,
}

impl Wake for TaskWake {
  fn wake(self: Arc<Self>) {
    self.wake_by_ref();
  }

  fn wake_by_ref(self: &Arc<Self>) {
    if self.queued.swap(true, Ordering::AcqRel) {
      return;
    }
    if let Some(channel) = self.channel.upgrade() {
      channel.wake(self.id);
    }
  }
}

#[derive(Default)]
struct Tasks {
  next_id: u64,
  live: HashMap<u64, Task>,
}

thread_local! {
  static TASKS: RefCell<Tasks> = RefCell::new(Tasks::default());
}

/// Starts `job` on the JS thread: polls it once now, and again whenever it is woken.
pub fn spawn(js: Js, runtime: &Handle, channel: &Arc<Channel>, job: Job) {
  let id = TASKS.with(|t| {
    let mut tasks = t.borrow_mut();
    tasks.next_id += 1;
    tasks.next_id
  });
  let wake = Arc::new(TaskWake {
    id,
    queued: AtomicBool::new(false),
    channel: Arc::downgrade(channel),
  });
  let task = Task {
    job,
    waker: Waker::from(wake.clone()),
    wake,
  };
  poll(js, Some(runtime), id, task);
}

/// Polls the task `id` again after a wake-up.
pub fn resume(js: Js, id: u64) {
  let task = TASKS.with(|t| t.borrow_mut().live.remove(&id));
  if let Some(task) = task {
    task.wake.queued.store(false, Ordering::Release);
    let runtime = runtime::handle().ok();
    poll(js, runtime.as_ref(), id, task);
  }
}

/// Drops every task of this thread's env (the env is going away).
pub fn drop_all() {
  let live = TASKS.with(|t| std::mem::take(&mut t.borrow_mut().live));
  drop(live);
}

fn poll(js: Js, runtime: Option<&Handle>, id: u64, mut task: Task) {
  // The runtime's context lets the future create sockets and resolve names, as it would on a
  // worker thread.
  let _context = runtime.map(Handle::enter);
  let mut cx = Context::from_waker(&task.waker);
  // The jobs catch panics of the operation itself; this guards the settle step.
  match task.job.as_mut().poll(&mut cx) {
    Poll::Ready(settle) => {
      drop(task);
      let _ = catch_unwind(AssertUnwindSafe(|| settle(js)));
    }
    Poll::Pending => {
      TASKS.with(|t| t.borrow_mut().live.insert(id, task));
    }
  }
}
