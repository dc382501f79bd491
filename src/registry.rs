//! The table of live tokio objects of one Node environment. JS objects hold only an id into it.
//!
//! Each env (the main thread or one worker) owns its own table, as each Deno isolate owns its
//! resource table: there is no process-wide lock, so one env's blocking call never stalls
//! another. Entries hand out cheap clones (`Arc`s) of what they hold, and nothing runs while the
//! table is borrowed but plain Rust: no call into JS (a getter could re-enter) and no syscall
//! that can block.
//!
//! Closing an entry cancels the operations pending on it (they reject with `ERR_HANDLE_CLOSED`)
//! and drops the tokio object, so the socket closes as soon as those operations let go of it.
//! Each entry also counts its operations in flight, so that `unref()` can stop them from keeping
//! the event loop alive; an operation holds the loop until it has settled, even after its handle
//! was closed, so its rejection is always delivered.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::net::Shutdown;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;

use crate::errors::{NetError, NetResult};
use crate::queue::Queue;

/// One direction of a connection: what a half, a wrapper or an end of a copy uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
  Read,
  Write,
}

/// One TCP connection, shared by a stream, its halves and `asRef` views.
pub struct Core {
  pub io: ManuallyDrop<tokio::net::TcpStream>,
  /// Queues `read`-style calls so concurrent calls are served in call order with disjoint bytes.
  pub read_order: Queue,
  /// The same for writes, `pollWrite` included.
  pub write_order: Queue,
  /// tokio keeps one waker per direction for `poll_*_ready` and `poll_peek`: these make
  /// concurrent calls wait their turn instead of stealing each other's waker and hanging.
  pub read_poll: Queue,
  pub write_poll: Queue,
}

impl Core {
  /// The call order of `direction`: calls of one direction are served in call order.
  pub fn order(&self, direction: Direction) -> &Queue {
    match direction {
      Direction::Read => &self.read_order,
      Direction::Write => &self.write_order,
    }
  }

  pub fn new(io: tokio::net::TcpStream) -> Arc<Core> {
    Arc::new(Core {
      io: ManuallyDrop::new(io),
      read_order: Queue::default(),
      write_order: Queue::default(),
      read_poll: Queue::default(),
      write_poll: Queue::default(),
    })
  }
}

impl Drop for Core {
  fn drop(&mut self) {
    // SAFETY: `io` is never used again after this.
    let io = unsafe { ManuallyDrop::take(&mut self.io) };
    close_socket(io);
  }
}

/// Closes a socket. With a non-zero `SO_LINGER`, closing blocks until the unsent data is out
/// or the linger time has passed; that must not freeze the event loop, so such a socket is
/// closed on a thread of its own.
fn close_socket(io: tokio::net::TcpStream) {
  let lingers = socket2::SockRef::from(&io)
    .linger()
    .is_ok_and(|l| l.is_some_and(|d| d > Duration::ZERO));
  if !lingers {
    return drop(io);
  }
  // Leaves the I/O driver here, so the blocking close holds nothing of the runtime.
  let Ok(std) = io.into_std() else {
    return;
  };
  // Where no thread can be started, the closure is dropped here, closing the socket inline.
  let _ = std::thread::Builder::new()
    .name("tokio-net-linger".into())
    .spawn(move || drop(std));
}

/// A listener and the queue that keeps concurrent `pollAccept` calls from stealing each
/// other's waker (tokio keeps only the last one).
pub struct ListenerCore {
  pub io: TcpListener,
  pub poll_order: Queue,
}

pub enum Resource {
  /// A stream, an `asRef()` view or a half: a handle over one connection.
  Conn(Arc<Core>, ConnKind),
  Listener(Arc<ListenerCore>),
  Socket(Arc<TcpSocket>),
  /// A `TcpSocket` whose `connect` is under way: the socket itself is in the attempt, and the
  /// entry stays so that `close()` cancels the attempt and `unref()` reaches it.
  Connecting,
  Std(Arc<std::net::TcpStream>),
  /// A `BufReader`, a `BufWriter` or a `Lines`, and the kind of handle it took over: what
  /// `intoInner()` hands back, and what `activeHandles()` counts the wrapper as.
  Buffered(Rc<dyn Wrapper>, ConnKind),
}

/// Which handle over a connection an entry is: its class, the directions it may use, and what
/// closing it does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConnKind {
  Stream,
  /// A `TcpStream` returned by `asRef()`: a borrow of its parent's socket.
  View,
  /// A half of `split()` (borrowed) or of `intoSplit()` (owned).
  Half {
    direction: Direction,
    owned: bool,
  },
}

impl ConnKind {
  /// Whether this handle can be used in `direction`: a half only in its own.
  pub fn goes(self, direction: Direction) -> bool {
    match self {
      ConnKind::Half { direction: own, .. } => own == direction,
      ConnKind::Stream | ConnKind::View => true,
    }
  }
}

/// A buffered wrapper, as the table sees it: the registry sits below the modules that define
/// the wrappers, and needs only the connection under one, to close it as its handle would be.
pub trait Wrapper: Any {
  fn core(&self) -> &Arc<Core>;
}

/// A stream, view or half taken out of the table by a buffered wrapper.
pub struct Taken {
  pub core: Arc<Core>,
  pub kind: ConnKind,
  /// The entry a borrowed half or view belonged to: the wrapper closes with it.
  pub parent: Option<u64>,
  /// Whether the handle was ref'd: the wrapper keeps that.
  pub refed: bool,
}

struct Entry {
  resource: Resource,
  closed: CancellationToken,
  /// Borrowed halves and views that die with this entry.
  children: Vec<u64>,
  hold: Rc<HoldState>,
}

/// A handle's share in keeping the event loop alive.
struct HoldState {
  /// Whether the handle's operations keep the event loop alive (`ref()`, the default).
  refed: Cell<bool>,
  /// Its operations in flight.
  in_flight: Cell<usize>,
}

/// What an operation in flight holds of the event loop, given back when it settles.
pub struct LoopHold(Option<Rc<HoldState>>);

impl LoopHold {
  pub fn release(self) {
    match self.0 {
      Some(state) => {
        state.in_flight.set(state.in_flight.get().saturating_sub(1));
        if state.refed.get() {
          release_loop(1);
        }
      }
      None => release_loop(1),
    }
  }
}

/// How an env's event loop is kept alive while operations hold it: the bridge's doing, as it
/// owns the handle that does it, and handed in by the bridge, which sits above the registry.
#[derive(Clone, Copy)]
pub struct LoopKeeper {
  /// `n` more operations hold the calling env's loop open.
  pub hold: fn(usize),
  /// `n` operations stop holding it.
  pub release: fn(usize),
}

static LOOP_KEEPER: OnceLock<LoopKeeper> = OnceLock::new();

/// Sets how the event loop is kept alive; the first call decides, for every env.
pub fn keep_loop_with(keeper: LoopKeeper) {
  let _ = LOOP_KEEPER.set(keeper);
}

fn hold_loop(n: usize) {
  if let Some(keeper) = LOOP_KEEPER.get() {
    (keeper.hold)(n);
  }
}

fn release_loop(n: usize) {
  if let Some(keeper) = LOOP_KEEPER.get() {
    (keeper.release)(n);
  }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
  static TABLE: RefCell<HashMap<u64, Entry>> = RefCell::new(HashMap::new());
}

fn with_table<R>(f: impl FnOnce(&mut HashMap<u64, Entry>) -> R) -> R {
  TABLE.with(|t| f(&mut t.borrow_mut()))
}

/// Adds a resource owned by the calling env; returns its id.
pub fn insert(resource: Resource) -> u64 {
  insert_child(resource, None)
}

/// Adds a resource that is closed together with `parent`.
pub fn insert_child(resource: Resource, parent: Option<u64>) -> u64 {
  insert_handed_over(resource, parent, true)
}

/// Adds a resource that takes over from another handle (a wrapper, or what `intoInner` gives
/// back), keeping that handle's `ref()`/`unref()` state.
pub fn insert_handed_over(resource: Resource, parent: Option<u64>, refed: bool) -> u64 {
  let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
  with_table(|t| {
    if let Some(parent) = parent.and_then(|p| t.get_mut(&p)) {
      parent.children.push(id);
    }
    t.insert(
      id,
      Entry {
        resource,
        closed: CancellationToken::new(),
        children: Vec::new(),
        hold: Rc::new(HoldState {
          refed: Cell::new(refed),
          in_flight: Cell::new(0),
        }),
      },
    );
  });
  id
}

/// Runs `f` on a live entry and its close token. `f` must not call into JS or block.
pub fn with<R>(
  id: u64,
  f: impl FnOnce(&Resource, &CancellationToken) -> NetResult<R>,
) -> NetResult<R> {
  with_table(|t| match t.get(&id) {
    Some(entry) => f(&entry.resource, &entry.closed),
    None => Err(NetError::Closed),
  })
}

/// What `pick` finds in a live entry of the kind the caller expects; an entry of another kind
/// (`pick` gives `None`) is `WrongKind`. `pick` must not call into JS or block.
pub fn get<T>(
  id: u64,
  expected: &'static str,
  pick: impl FnOnce(&Resource, &CancellationToken) -> Option<T>,
) -> NetResult<T> {
  with(id, |resource, closed| {
    pick(resource, closed).ok_or(NetError::WrongKind { expected })
  })
}

/// The connection behind a stream, view or half, what kind of handle that is, and the entry's
/// close token.
pub fn conn(id: u64) -> NetResult<(Arc<Core>, ConnKind, CancellationToken)> {
  get(id, STREAM_OR_HALF, |resource, closed| match resource {
    Resource::Conn(core, kind) => Some((core.clone(), *kind, closed.clone())),
    _ => None,
  })
}

/// The connection behind a stream, view or half, and the entry's close token.
pub fn core(id: u64) -> NetResult<(Arc<Core>, CancellationToken)> {
  conn(id).map(|(core, _, closed)| (core, closed))
}

const STREAM_OR_HALF: &str = "a stream or a half";

/// Removes an entry without closing what it holds, for methods that consume `self`. Its
/// pending operations are cancelled first, so none of them can touch the socket once the new
/// owner has it.
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

/// Why a method that consumes a handle is refused while a call still holds it.
const SOCKET_BUSY: &str = "the socket is in use by a call still in progress";

/// Takes out the value of an entry for a method that consumes it (`listen`, `fromStd`, ...).
/// `pick` finds the value in an entry of the `expected` kind. An entry that a call still in
/// progress holds a clone of (a getter of that call's arguments consuming it) is left in place,
/// and this fails with `ResourceBusy`.
pub fn take_sole<T>(
  id: u64,
  expected: &'static str,
  pick: impl Fn(&Resource) -> Option<&Arc<T>>,
) -> NetResult<T> {
  let sole = get(id, expected, |resource, _| {
    pick(resource).map(|value| Arc::strong_count(value) == 1)
  })?;
  if !sole {
    return Err(NetError::busy(SOCKET_BUSY));
  }
  let resource = take(id)?;
  let value = pick(&resource)
    .cloned()
    .ok_or(NetError::WrongKind { expected })?;
  drop(resource);
  Arc::try_unwrap(value).map_err(|_| NetError::Closed)
}

/// The entry `id` belongs to, if it is a borrowed half or view (or a wrapper of one).
fn parent_of(t: &HashMap<u64, Entry>, id: u64) -> Option<u64> {
  t.iter()
    .find(|(_, e)| e.children.contains(&id))
    .map(|(parent, _)| *parent)
}

/// Takes a stream, view or half out of the table for a wrapper that owns it from now on, as
/// tokio's `BufReader::new(stream)` moves the stream. `fits` says which kinds the wrapper takes.
/// Pending operations on the handle are cancelled (`ERR_HANDLE_CLOSED`); borrowed halves and
/// views of a taken stream close with it.
pub fn take_io(id: u64, fits: impl Fn(ConnKind) -> bool) -> NetResult<Taken> {
  let (parent, refed) = with_table(|t| {
    let entry = t.get(&id).ok_or(NetError::Closed)?;
    match entry.resource {
      Resource::Conn(_, kind) if fits(kind) => Ok((parent_of(t, id), entry.hold.refed.get())),
      _ => Err(NetError::WrongKind {
        expected: STREAM_OR_HALF,
      }),
    }
  })?;
  match take(id)? {
    Resource::Conn(core, kind) => Ok(Taken {
      core,
      kind,
      parent,
      refed,
    }),
    _ => Err(NetError::WrongKind {
      expected: STREAM_OR_HALF,
    }),
  }
}

/// The entry `id` belongs to (if it is a borrowed half, a view, or a wrapper of one), and the
/// kind of handle it is or, for a wrapper, took over.
pub fn parent_and_kind(id: u64) -> NetResult<(Option<u64>, ConnKind)> {
  with_table(|t| {
    let entry = t.get(&id).ok_or(NetError::Closed)?;
    match entry.resource {
      Resource::Conn(_, kind) | Resource::Buffered(_, kind) => Ok((parent_of(t, id), kind)),
      _ => Err(NetError::WrongKind {
        expected: STREAM_OR_HALF,
      }),
    }
  })
}

/// The wrapper `T` an entry holds, and the kind of handle it took over.
pub fn buffered<T: 'static>(id: u64) -> NetResult<(Rc<T>, ConnKind, CancellationToken)> {
  get(id, std::any::type_name::<T>(), |resource, closed| {
    let Resource::Buffered(wrapper, kind) = resource else {
      return None;
    };
    let wrapper: Rc<dyn Any> = wrapper.clone();
    Some((wrapper.downcast::<T>().ok()?, *kind, closed.clone()))
  })
}

/// Takes the socket out of a `TcpSocket` entry for `connect`, which consumes it, leaving the
/// entry in place as `Connecting` with its close token and ref state. Refused with
/// `ResourceBusy`, as [`take_sole`], while a call still holds the socket.
pub fn start_connect(id: u64) -> NetResult<(TcpSocket, CancellationToken)> {
  const SOCKET: &str = "a TcpSocket not yet connecting";
  with_table(|t| {
    let entry = t.get_mut(&id).ok_or(NetError::Closed)?;
    match &entry.resource {
      Resource::Socket(socket) if Arc::strong_count(socket) == 1 => {}
      Resource::Socket(_) => return Err(NetError::busy(SOCKET_BUSY)),
      _ => return Err(NetError::WrongKind { expected: SOCKET }),
    }
    let Resource::Socket(socket) = std::mem::replace(&mut entry.resource, Resource::Connecting)
    else {
      return Err(NetError::WrongKind { expected: SOCKET });
    };
    let socket = Arc::try_unwrap(socket).map_err(|_| NetError::Closed)?;
    Ok((socket, entry.closed.clone()))
  })
}

/// Whether the handle `id` is ref'd (`false` once it is gone).
pub fn is_refed(id: u64) -> bool {
  with_table(|t| t.get(&id).is_some_and(|e| e.hold.refed.get()))
}

/// Closes an entry: cancels its pending operations and drops the resource. Closing twice is a
/// no-op.
pub fn close(id: u64) {
  // A handle collected while the table is borrowed (a finalizer run by an allocation) is
  // closed once the borrow ends.
  if TABLE.with(|t| t.try_borrow_mut().is_err()) {
    DEFERRED.with(|d| d.borrow_mut().push(id));
    return;
  }
  if let Ok(resource) = take(id) {
    finish(resource);
  }
  let deferred = DEFERRED.with(|d| std::mem::take(&mut *d.borrow_mut()));
  for id in deferred {
    close(id);
  }
}

thread_local! {
  static DEFERRED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Closes every entry of this env (the env is going away).
pub fn close_all() {
  let entries: Vec<Entry> = with_table(|t| t.drain().map(|(_, e)| e).collect());
  drop_all(entries);
}

/// Counts an operation on `id` (or on no handle) as started: it keeps the event loop alive
/// until it settles, while its handle is ref'd.
pub fn op_started(id: Option<u64>) -> LoopHold {
  let state = id.and_then(|id| with_table(|t| t.get(&id).map(|e| e.hold.clone())));
  match &state {
    Some(state) => {
      state.in_flight.set(state.in_flight.get() + 1);
      if state.refed.get() {
        hold_loop(1);
      }
    }
    None => hold_loop(1),
  }
  LoopHold(state)
}

/// `ref()` / `unref()`: whether the handle's pending operations keep the event loop alive.
pub fn set_ref(id: u64, refed: bool) -> NetResult<()> {
  let state = with_table(|t| t.get(&id).map(|e| e.hold.clone())).ok_or(NetError::Closed)?;
  if state.refed.replace(refed) != refed {
    let in_flight = state.in_flight.get();
    if refed {
      hold_loop(in_flight);
    } else {
      release_loop(in_flight);
    }
  }
  Ok(())
}

/// Live entries of this env, per kind: streams (views included), halves, listeners, sockets
/// (connecting ones included), std streams. A wrapper counts as the handle it took over.
pub fn counts() -> [u32; 5] {
  let mut counts = [0; 5];
  with_table(|t| {
    for entry in t.values() {
      let slot = match entry.resource {
        Resource::Conn(_, ConnKind::Stream | ConnKind::View)
        | Resource::Buffered(_, ConnKind::Stream | ConnKind::View) => 0,
        Resource::Conn(_, ConnKind::Half { .. }) | Resource::Buffered(_, ConnKind::Half { .. }) => {
          1
        }
        Resource::Listener(_) => 2,
        Resource::Socket(_) | Resource::Connecting => 3,
        Resource::Std(_) => 4,
      };
      counts[slot] += 1;
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

/// What dropping the Rust value does: an owned write half sends its FIN, as tokio's does, also
/// from inside a wrapper. A listener stops listening now, even while a cancelled `accept` still
/// holds it until its next poll: a connect right after `close()` is refused, not queued and then
/// reset.
fn finish(resource: Resource) {
  const OWNED_WRITE_HALF: ConnKind = ConnKind::Half {
    direction: Direction::Write,
    owned: true,
  };
  let shut = match &resource {
    Resource::Conn(core, OWNED_WRITE_HALF) => {
      Some((socket2::SockRef::from(&*core.io), Shutdown::Write))
    }
    Resource::Buffered(wrapper, OWNED_WRITE_HALF) => {
      Some((socket2::SockRef::from(&*wrapper.core().io), Shutdown::Write))
    }
    Resource::Listener(listener) => Some((socket2::SockRef::from(&listener.io), Shutdown::Both)),
    _ => None,
  };
  if let Some((socket, how)) = shut {
    let _ = socket.shutdown(how);
  }
  drop(resource);
}

#[cfg(test)]
mod tests {
  use super::*;

  fn socket() -> Resource {
    Resource::Socket(Arc::new(TcpSocket::new_v4().unwrap()))
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
  fn a_lookup_of_another_kind_is_wrong_kind_not_closed() {
    let id = insert(socket());
    assert!(matches!(core(id), Err(NetError::WrongKind { .. })));
    assert!(live(id));
    close(id);
    assert!(matches!(core(id), Err(NetError::Closed)));
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
  fn each_environment_thread_has_its_own_table() {
    let id = insert(socket());
    let here = counts()[3];
    let (elsewhere, seen_here) = std::thread::spawn(move || (counts()[3], live(id)))
      .join()
      .unwrap();
    assert!(here >= 1);
    assert_eq!(elsewhere, 0);
    assert!(!seen_here);
    close(id);
  }

  #[test]
  fn a_close_during_a_borrow_waits_for_the_borrow_to_end() {
    let id = insert(socket());
    let other = insert(socket());
    let _ = with(id, |_, _| {
      close(other);
      Ok(())
    });
    assert!(live(other));
    close(id);
    assert!(!live(other));
  }
}
