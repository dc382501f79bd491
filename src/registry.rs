//! The table of live tokio objects. JS objects hold only an id into it.
//!
//! Closing an entry cancels the operations pending on it (they reject with `ERR_HANDLE_CLOSED`)
//! and drops the tokio object, so the socket closes as soon as those operations let go of it.
//! Entries belong to the Node environment that made them: `activeHandles()` counts only the
//! caller's, and a terminated worker's entries are closed with it.

use std::collections::HashMap;
use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;

use crate::errors::{NetError, NetResult};
use crate::turn::Turns;

/// One TCP connection, shared by a stream, its halves and `asRef` views.
pub struct Core {
  pub io: tokio::net::TcpStream,
  /// Queues `read`-style calls so concurrent calls are served in call order with disjoint bytes.
  pub read_order: Turns,
  /// The same for writes.
  pub write_order: Turns,
  /// tokio keeps one waker per direction for `poll_*`: these make concurrent `pollX` calls wait
  /// their turn instead of stealing each other's waker and hanging.
  pub read_poll: Turns,
  pub write_poll: Turns,
}

impl Core {
  pub fn new(io: tokio::net::TcpStream) -> Arc<Core> {
    Arc::new(Core {
      io,
      read_order: Turns::default(),
      write_order: Turns::default(),
      read_poll: Turns::default(),
      write_poll: Turns::default(),
    })
  }
}

pub enum Resource {
  Stream(Arc<Core>),
  /// A `TcpStream` returned by `asRef()`: a borrow of its parent's socket.
  View(Arc<Core>),
  ReadHalf {
    core: Arc<Core>,
    owned: bool,
  },
  WriteHalf {
    core: Arc<Core>,
    owned: bool,
  },
  Listener(Arc<TcpListener>),
  Socket(TcpSocket),
  Std(std::net::TcpStream),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
  Stream,
  Half,
  Listener,
  Socket,
  Std,
}

impl Resource {
  fn kind(&self) -> Kind {
    match self {
      Resource::Stream(_) | Resource::View(_) => Kind::Stream,
      Resource::ReadHalf { .. } | Resource::WriteHalf { .. } => Kind::Half,
      Resource::Listener(_) => Kind::Listener,
      Resource::Socket(_) => Kind::Socket,
      Resource::Std(_) => Kind::Std,
    }
  }
}

struct Entry {
  env: u64,
  resource: Resource,
  closed: CancellationToken,
  /// Borrowed halves and views that die with this entry.
  children: Vec<u64>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_ENV: AtomicU64 = AtomicU64::new(1);
static TABLE: Mutex<Option<HashMap<u64, Entry>>> = Mutex::new(None);

thread_local! {
  static ENV_KEY: u64 = NEXT_ENV.fetch_add(1, Ordering::Relaxed);
}

/// The key of the calling thread's Node environment (one env per JS thread).
pub fn env_key() -> u64 {
  ENV_KEY.with(|k| *k)
}

fn table() -> MutexGuard<'static, Option<HashMap<u64, Entry>>> {
  // A panic while the lock was held cannot leave the map half-updated in a way that matters
  // more than losing every handle would, so a poisoned lock is taken over.
  TABLE
    .lock()
    .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn with_table<R>(f: impl FnOnce(&mut HashMap<u64, Entry>) -> R) -> R {
  let mut guard = table();
  f(guard.get_or_insert_with(HashMap::new))
}

/// Adds a resource owned by the calling env; returns its id.
pub fn insert(resource: Resource) -> u64 {
  insert_child(resource, None)
}

/// Adds a resource that is closed together with `parent`.
pub fn insert_child(resource: Resource, parent: Option<u64>) -> u64 {
  let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
  let env = env_key();
  with_table(|t| {
    if let Some(parent) = parent.and_then(|p| t.get_mut(&p)) {
      parent.children.push(id);
    }
    t.insert(
      id,
      Entry {
        env,
        resource,
        closed: CancellationToken::new(),
        children: Vec::new(),
      },
    );
  });
  id
}

/// Runs `f` on a live entry and its close token.
pub fn with<R>(
  id: u64,
  f: impl FnOnce(&mut Resource, &CancellationToken) -> NetResult<R>,
) -> NetResult<R> {
  with_table(|t| match t.get_mut(&id) {
    Some(entry) => f(&mut entry.resource, &entry.closed),
    None => Err(NetError::Closed),
  })
}

/// The connection behind a stream, view or half, and the entry's close token.
pub fn core(id: u64) -> NetResult<(Arc<Core>, CancellationToken)> {
  with(id, |resource, closed| match resource {
    Resource::Stream(core)
    | Resource::View(core)
    | Resource::ReadHalf { core, .. }
    | Resource::WriteHalf { core, .. } => Ok((core.clone(), closed.clone())),
    _ => Err(NetError::Closed),
  })
}

/// Removes an entry without closing what it holds, for methods that consume `self`.
pub fn take(id: u64) -> NetResult<Resource> {
  let (entry, children) = with_table(|t| {
    let entry = t.remove(&id).ok_or(NetError::Closed)?;
    let children = remove_children(t, &entry.children);
    Ok::<_, NetError>((entry, children))
  })?;
  entry.closed.cancel();
  drop_all(children);
  Ok(entry.resource)
}

/// Closes an entry: cancels its pending operations and drops the resource. Closing twice is a
/// no-op, as is dropping a value twice in Rust impossible.
pub fn close(id: u64) {
  if let Ok(resource) = take(id) {
    finish(resource);
  }
}

/// Closes every entry of an env (the env is going away).
pub fn close_env(env: u64) {
  let entries: Vec<Entry> = with_table(|t| {
    let ids: Vec<u64> = t
      .iter()
      .filter(|(_, e)| e.env == env)
      .map(|(id, _)| *id)
      .collect();
    ids.into_iter().filter_map(|id| t.remove(&id)).collect()
  });
  drop_all(entries);
}

/// Live entries of the calling env, per kind, in `activeHandles()` order.
pub fn counts() -> [(&'static str, u32); 5] {
  let env = env_key();
  let mut counts = [
    ("streams", 0),
    ("halves", 0),
    ("listeners", 0),
    ("sockets", 0),
    ("stdStreams", 0),
  ];
  with_table(|t| {
    for entry in t.values().filter(|e| e.env == env) {
      let slot = match entry.resource.kind() {
        Kind::Stream => 0,
        Kind::Half => 1,
        Kind::Listener => 2,
        Kind::Socket => 3,
        Kind::Std => 4,
      };
      counts[slot].1 += 1;
    }
  });
  counts
}

fn remove_children(t: &mut HashMap<u64, Entry>, children: &[u64]) -> Vec<Entry> {
  let mut removed = Vec::new();
  let mut queue: Vec<u64> = children.to_vec();
  while let Some(id) = queue.pop() {
    if let Some(entry) = t.remove(&id) {
      queue.extend(entry.children.iter().copied());
      removed.push(entry);
    }
  }
  removed
}

fn drop_all(entries: Vec<Entry>) {
  for entry in entries {
    entry.closed.cancel();
    finish(entry.resource);
  }
}

/// What dropping the Rust value does: an owned write half sends its FIN, as tokio's does.
fn finish(resource: Resource) {
  if let Resource::WriteHalf { core, owned: true } = &resource {
    let _ = socket2::SockRef::from(&core.io).shutdown(Shutdown::Write);
  }
  drop(resource);
}

#[cfg(test)]
mod tests {
  use super::*;

  fn socket() -> Resource {
    Resource::Socket(TcpSocket::new_v4().unwrap())
  }

  fn live(id: u64) -> bool {
    with(id, |_, _| Ok(())).is_ok()
  }

  #[test]
  fn close_cancels_and_removes_once() {
    let id = insert(socket());
    let token = with(id, |_, closed| Ok(closed.clone())).unwrap();
    close(id);
    assert!(token.is_cancelled());
    assert!(!live(id));
    close(id);
    assert!(matches!(take(id), Err(NetError::Closed)));
  }

  #[test]
  fn children_close_with_their_parent() {
    let parent = insert(socket());
    let child = insert_child(socket(), Some(parent));
    let grandchild = insert_child(socket(), Some(child));
    close(parent);
    assert!(!live(child));
    assert!(!live(grandchild));
  }

  #[test]
  fn take_leaves_nothing_behind_but_returns_the_resource() {
    let id = insert(socket());
    assert!(matches!(take(id), Ok(Resource::Socket(_))));
    assert!(!live(id));
  }

  #[test]
  fn counts_are_per_environment_thread() {
    let id = insert(socket());
    let here = counts()[3].1;
    let elsewhere = std::thread::spawn(|| counts()[3].1).join().unwrap();
    assert!(here >= 1);
    assert_eq!(elsewhere, 0);
    close(id);
  }

  #[test]
  fn close_env_closes_only_that_env() {
    let mine = insert(socket());
    let (theirs, their_env) = std::thread::spawn(|| (insert(socket()), env_key()))
      .join()
      .unwrap();
    close_env(their_env);
    assert!(!live(theirs));
    assert!(live(mine));
    close(mine);
  }
}
