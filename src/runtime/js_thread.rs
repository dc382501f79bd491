//! The I/O driver on the JS thread: the default on Node on Linux (`TOKIO_NET_IO_DRIVER=workers`
//! opts out).
//!
//! Each Node environment gets its own current-thread tokio runtime. Its I/O driver is an epoll
//! instance; libuv watches that epoll fd like any other, and when it turns readable the JS
//! thread turns the driver once without blocking (`block_on(yield_now())`: one zero-timeout
//! poll). Socket readiness then wakes the operations on the thread that polls them, with no
//! worker thread in between: the design Deno uses. Linux only (the epoll fd is found through
//! `/proc`), and Node only (libuv's functions come from the host process); elsewhere `install`
//! declines and the env stays on the shared multi-thread runtime.

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_int, c_void};
use std::os::fd::AsRawFd;

use napi::sys;
use tokio::runtime::{Builder, Handle, Runtime};

use crate::js::{Js, remove_async_cleanup_hook};

type UvPollCb = unsafe extern "C" fn(*mut c_void, c_int, c_int);
type UvCloseCb = unsafe extern "C" fn(*mut c_void);

/// The few libuv functions needed, looked up in the host process (Node exports libuv).
#[derive(Clone, Copy)]
struct Uv {
  handle_size: unsafe extern "C" fn(c_int) -> usize,
  poll_init: unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int,
  poll_start: unsafe extern "C" fn(*mut c_void, c_int, UvPollCb) -> c_int,
  unref: unsafe extern "C" fn(*mut c_void),
  close: unsafe extern "C" fn(*mut c_void, UvCloseCb),
}

const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;

impl Uv {
  fn lookup() -> Option<Uv> {
    /// libuv's function `name`, typed as `F` (a function pointer of its exact signature).
    unsafe fn function<F: Copy>(name: &CStr) -> Option<F> {
      // SAFETY: a look-up by NUL-terminated name in the loaded images; it reads nothing else.
      let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
      // SAFETY: F is a function pointer type, the size of a data pointer on every target here.
      (!found.is_null()).then(|| unsafe { std::mem::transmute_copy::<*mut c_void, F>(&found) })
    }
    // SAFETY: each name is libuv's public function with the signature of its field.
    unsafe {
      Some(Uv {
        handle_size: function(c"uv_handle_size")?,
        poll_init: function(c"uv_poll_init")?,
        poll_start: function(c"uv_poll_start")?,
        unref: function(c"uv_unref")?,
        close: function(c"uv_close")?,
      })
    }
  }
}

struct Driver {
  runtime: Runtime,
  uv: Uv,
  /// The `uv_poll_t` watching the driver's epoll fd: memory of libuv's size for it, freed by
  /// the close callback once libuv is done with it.
  watcher: *mut c_void,
  /// Runs a turn of the driver: the bridge's, which settles in one callback scope what the turn
  /// woke. Handed in by the bridge, which sits above the runtime.
  turn_here: fn(fn()),
}

thread_local! {
  static DRIVER: RefCell<Option<Driver>> = const { RefCell::new(None) };
  /// The size of this thread's watcher allocation, for the close callback to free it.
  static WATCHER_LEN: Cell<usize> = const { Cell::new(0) };
  static OPS_SINCE_TURN: Cell<u32> = const { Cell::new(0) };
}

/// The runtime of this thread's env, when its driver runs here.
pub fn handle() -> Option<Handle> {
  DRIVER.with(|d| d.borrow().as_ref().map(|d| d.runtime.handle().clone()))
}

/// Turns the driver once without blocking: whatever became ready wakes its operations.
fn turn() {
  OPS_SINCE_TURN.with(|n| n.set(0));
  DRIVER.with(|d| {
    if let Some(d) = d.borrow().as_ref() {
      d.runtime.block_on(tokio::task::yield_now());
    }
  })
}

unsafe extern "C" fn on_ready(_watcher: *mut c_void, _status: c_int, _events: c_int) {
  // A panic must not unwind into libuv.
  let turn_here = DRIVER.with(|d| d.borrow().as_ref().map(|d| d.turn_here));
  let _ = std::panic::catch_unwind(|| match turn_here {
    Some(turn_here) => turn_here(turn),
    None => turn(),
  });
}

/// Operations one env may start between two driver turns: tokio's own task budget.
const BUDGET: u32 = 128;

/// Counts an operation started on this thread. Operations that complete at once never give the
/// event loop a chance to turn the driver, so a loop of them (`await ready()` again and again)
/// would see stale readiness forever; every `BUDGET` of them the driver is turned here instead,
/// as tokio's cooperative budget makes a task yield to its driver.
pub fn charge() {
  let due = OPS_SINCE_TURN.with(|n| {
    n.set(n.get() + 1);
    n.get() >= BUDGET
  });
  if due {
    turn();
  }
}

/// The epoll fd of `runtime`'s I/O driver: the epoll instance whose interest list holds a
/// probe socket registered with that driver (same fd number and inode, as `/proc` lists them).
fn epoll_fd(runtime: &Runtime) -> Option<c_int> {
  let _context = runtime.enter();
  let (probe, _peer) = tokio::net::UnixStream::pair().ok()?;
  let probe_fd = probe.as_raw_fd();
  let probe_inode = std::fs::metadata(format!("/proc/self/fd/{probe_fd}"))
    .ok()
    .map(|m| std::os::unix::fs::MetadataExt::ino(&m))?;
  let watches_probe = |info: &str| {
    info.lines().any(|line| {
      let mut fields = line.split_whitespace();
      let fd = fields.next() == Some("tfd:") && fields.next() == Some(&*probe_fd.to_string());
      let inode = fields
        .find_map(|f| f.strip_prefix("ino:"))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
      fd && inode == Some(probe_inode)
    })
  };
  std::fs::read_dir("/proc/self/fd")
    .ok()?
    .flatten()
    .filter(|entry| {
      std::fs::read_link(entry.path()).is_ok_and(|t| t.as_os_str() == "anon_inode:[eventpoll]")
    })
    .filter_map(|entry| entry.file_name().to_str()?.parse::<c_int>().ok())
    .find(|fd| {
      std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).is_ok_and(|i| watches_probe(&i))
    })
}

/// Gives the env its own runtime driven from its event loop. False (and nothing changed) when
/// this host cannot do it. Each turn runs inside `turn_here`.
pub fn install(js: Js, turn_here: fn(fn())) -> bool {
  let Some(uv) = Uv::lookup() else {
    return false;
  };
  // I/O only: nothing here uses tokio's timers, and a time driver would read the clock on
  // every turn.
  let Ok(runtime) = Builder::new_current_thread()
    .enable_io()
    .thread_name("tokio-net-blocking")
    .build()
  else {
    return false;
  };
  let Some(epoll) = epoll_fd(&runtime) else {
    return false;
  };
  let Some(event_loop) = js.uv_event_loop() else {
    return false;
  };
  // SAFETY: libuv's `uv_handle_size`, found by name, with its own signature.
  let watcher_len = unsafe { (uv.handle_size)(UV_POLL) };
  WATCHER_LEN.with(|l| l.set(watcher_len));
  let Some(watcher) = alloc_watcher(watcher_len) else {
    return false;
  };
  let driver = Driver {
    runtime,
    uv,
    watcher,
    turn_here,
  };
  // SAFETY: libuv's functions on the watcher memory allocated above with libuv's size for a
  // `uv_poll_t`, on the loop's own thread.
  unsafe {
    if (uv.poll_init)(event_loop.cast(), watcher, epoll) != 0 {
      free_watcher(watcher, watcher_len);
      return false;
    }
    // From here on the handle belongs to the loop and must be closed, not freed.
    let started = (uv.poll_start)(watcher, UV_READABLE, on_ready) == 0;
    let Some(hook) = started
      .then(|| js.on_async_cleanup(close_driver).ok())
      .flatten()
    else {
      (uv.close)(watcher, on_watcher_closed);
      return false;
    };
    // The watcher never keeps the process alive: operations in flight do (see the bridge).
    (uv.unref)(watcher);
    // uv_handle_t's first field is `void* data`: the close callback finds the hook there.
    *watcher.cast::<*mut c_void>() = hook.cast();
  }
  DRIVER.with(|d| *d.borrow_mut() = Some(driver));
  true
}

/// Async cleanup of the env: closes the watcher (libuv then frees it through the close
/// callback, after which Node may close the loop) and shuts the runtime down without waiting
/// for its blocking threads (a name lookup in flight must not hold up the env's exit).
unsafe extern "C" fn close_driver(_hook: sys::napi_async_cleanup_hook_handle, _arg: *mut c_void) {
  // A panic must not unwind into Node.
  let _ = std::panic::catch_unwind(|| {
    if let Some(driver) = DRIVER.with(|d| d.borrow_mut().take()) {
      // SAFETY: the watcher was started by `install` and is closed once: the driver is taken.
      unsafe { (driver.uv.close)(driver.watcher, on_watcher_closed) };
      driver.runtime.shutdown_background();
    }
  });
}

unsafe extern "C" fn on_watcher_closed(watcher: *mut c_void) {
  // SAFETY: a `uv_handle_t` starts with its `void* data` field, where `install` put the hook.
  let hook = unsafe { *watcher.cast::<*mut c_void>() };
  let len = WATCHER_LEN.with(|l| l.get());
  // SAFETY: allocated by `alloc_watcher` with this length; libuv is done with it once it calls
  // the close callback.
  unsafe { free_watcher(watcher, len) };
  if !hook.is_null() {
    // SAFETY: the hook `install` added for this env, removed once.
    unsafe { remove_async_cleanup_hook(hook.cast()) };
  }
}

/// libuv writes the handle as a struct of pointers and integers: its memory gets the
/// alignment `malloc` would give it.
fn watcher_layout(len: usize) -> Option<Layout> {
  Layout::from_size_align(len.max(1), 16).ok()
}

fn alloc_watcher(len: usize) -> Option<*mut c_void> {
  let layout = watcher_layout(len)?;
  // SAFETY: the layout has a non-zero size.
  let watcher = unsafe { std::alloc::alloc_zeroed(layout) };
  (!watcher.is_null()).then_some(watcher.cast())
}

unsafe fn free_watcher(watcher: *mut c_void, len: usize) {
  if let Some(layout) = watcher_layout(len) {
    // SAFETY: allocated by `alloc_watcher` with this same layout.
    unsafe { std::alloc::dealloc(watcher.cast(), layout) };
  }
}
