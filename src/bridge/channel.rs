//! How completions reach an env's JS thread: the wake-up channel, the env's state, and its
//! hold on the event loop.
//!
//! Hand-made rather than napi-rs's `ThreadsafeFunction`, for a measured reason: one raw
//! threadsafe function per env is signalled once per batch of wake-ups (only a push onto an
//! empty queue signals), and with the I/O driver on the JS thread the tasks a driver turn woke
//! are resumed right after the turn, in a callback scope, with no signal at all.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use napi::{Env, sys};

use crate::errors::{NetError, NetResult};
use crate::js::{AsyncScope, Js, Tsfn, Type};
use crate::registry;
use crate::runtime;

use super::tasks;

/// The wake-up channel of one Node environment: a queue of woken task ids and one threadsafe
/// function that wakes the JS thread. Only a push onto an empty queue wakes it; the JS thread
/// then polls every task queued by then in one go.
pub struct Channel {
  tsfn: Mutex<Option<Tsfn>>,
  queue: Mutex<Vec<u64>>,
}

impl Channel {
  pub(super) fn wake(self: &Arc<Self>, task: u64) {
    let was_empty = {
      let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
      queue.push(task);
      queue.len() == 1
    };
    if !was_empty || TURNING.with(|t| t.get() == Arc::as_ptr(self)) {
      // Someone already signalled, or the JS thread itself is turning the I/O driver and
      // resumes every woken task right after the turn.
      return;
    }
    let guard = self.tsfn.lock().unwrap_or_else(|p| p.into_inner());
    let Some(tsfn) = guard.as_ref() else {
      // The env is gone: nobody is left to settle the promise.
      return;
    };
    let data = Arc::into_raw(self.clone());
    if !tsfn.call(data.cast_mut().cast()) {
      // SAFETY: `data` came from `Arc::into_raw` above and was not handed to Node.
      drop(unsafe { Arc::from_raw(data) });
    }
  }

  fn drain(&self) -> Vec<u64> {
    std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
  }
}

struct Local {
  js: Js,
  channel: Arc<Channel>,
  /// Operations in flight that keep the event loop alive (those of ref'd handles); while there
  /// are any, the channel holds the loop open.
  holding: usize,
  /// The async resource (a reference to it) and context that JS-thread driver turns run under.
  scope: Option<Rc<AsyncScope>>,
}

thread_local! {
  static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
  /// The channel of the env whose I/O driver this thread is turning right now, if any.
  static TURNING: std::cell::Cell<*const Channel> = const { std::cell::Cell::new(ptr::null()) };
}

/// Turns this env's I/O driver on its JS thread (`turn`), then settles what it woke inside a
/// callback scope, so the promise reactions run before control goes back to the event loop.
fn turn_driver_here(turn: impl FnOnce()) {
  let Some((js, channel, scope)) = LOCAL.with(|l| {
    let l = l.borrow();
    let l = l.as_ref()?;
    Some((l.js, l.channel.clone(), l.scope.clone()?))
  }) else {
    return turn();
  };
  TURNING.with(|t| t.set(Arc::as_ptr(&channel)));
  let _ = catch_unwind(AssertUnwindSafe(turn));
  TURNING.with(|t| t.set(ptr::null()));
  let woken = channel.drain();
  if woken.is_empty() {
    return;
  }
  let resumed = js.in_callback_scope(&scope, || resume_all(js, &woken));
  if !resumed {
    // No scope to settle them in: let the threadsafe function deliver them instead.
    for task in woken {
      channel.wake(task);
    }
  }
}

unsafe extern "C" fn call_js(
  env: sys::napi_env,
  _js_callback: sys::napi_value,
  _context: *mut std::ffi::c_void,
  data: *mut std::ffi::c_void,
) {
  if data.is_null() {
    return;
  }
  // SAFETY: `data` is the `Arc<Channel>` that `Channel::wake` leaked for this call.
  let channel = unsafe { Arc::from_raw(data.cast::<Channel>().cast_const()) };
  let woken = channel.drain();
  if env.is_null() {
    return;
  }
  // A panic must not unwind into Node.
  let _ = catch_unwind(AssertUnwindSafe(|| resume_all(Js::new(env), &woken)));
}

/// Settles, now, the tasks that JS code on this thread just woke (an `AbortSignal`'s abort):
/// their wake-ups would otherwise wait for the threadsafe function's call on a later turn of
/// the event loop, where node:net's equivalents finish within the turn. Called from a JS
/// callback, so the promise reactions run when it returns.
pub fn resume_woken_here(js: Js) {
  let Some(channel) = LOCAL.with(|l| l.borrow().as_ref().map(|l| l.channel.clone())) else {
    return;
  };
  let woken = channel.drain();
  resume_all(js, &woken);
}

/// Resumes each woken task. Each one is isolated: an exception that user code left pending
/// while one settled (a throwing getter on its `AbortSignal`, say) is reported as Node reports
/// an exception thrown in a callback, and cannot stop the others from settling.
fn resume_all(js: Js, woken: &[u64]) {
  for &task in woken {
    tasks::resume(js, task);
    if let Some(exception) = js.take_pending_exception() {
      js.report(exception);
    }
  }
}

unsafe extern "C" fn cleanup_env(_arg: *mut std::ffi::c_void) {
  let _ = catch_unwind(close_env);
}

/// The env is going away (a terminated worker, the process exiting): close its handles, drop
/// its operations and release what the bridge holds of it.
fn close_env() {
  registry::close_all();
  tasks::drop_all();
  let Some(local) = LOCAL.with(|l| l.borrow_mut().take()) else {
    return;
  };
  // A scope still shared is in use by a driver turn up the stack: that turn's `Rc` lets it go.
  if let Some(scope) = local.scope.and_then(Rc::into_inner) {
    local.js.destroy_async_scope(scope);
  }
  let tsfn = local
    .channel
    .tsfn
    .lock()
    .unwrap_or_else(|p| p.into_inner())
    .take();
  if let Some(tsfn) = tsfn {
    tsfn.release();
  }
}

/// Sets up the completion channel of the env loading the module, and closes the env's handles
/// when it goes away (a terminated worker, say). Loading the module again on the same thread
/// (after clearing `require.cache`, as hot-reload tools do) gets a new `napi_env` of the same
/// Node environment: it shares what the first load set up (the channel, the driver, the handle
/// table), so nothing is made twice and nothing leaks.
pub fn init_env(env: &Env) -> napi::Result<()> {
  registry::keep_loop_with(registry::LoopKeeper {
    hold: hold_loop,
    release: release_loop,
  });
  if LOCAL.with(|l| l.borrow().is_some()) {
    return Ok(());
  }
  let js = Js::new(env.raw());
  let tsfn = js.threadsafe_function("tokio-net", Some(call_js))?;
  let mut scope = None;
  let place =
    runtime::settle_place(|| is_node(js) && runtime::js_thread::install(js, turn_driver_here));
  if place == runtime::DriverPlace::JsThread {
    scope = Some(Rc::new(js.async_scope("tokio-net")?));
  }
  LOCAL.with(|l| {
    *l.borrow_mut() = Some(Local {
      js,
      channel: Arc::new(Channel {
        tsfn: Mutex::new(Some(tsfn)),
        queue: Mutex::new(Vec::new()),
      }),
      holding: 0,
      scope,
    })
  });
  js.on_cleanup(cleanup_env)
}

/// Whether the host is Node itself (whose libuv the JS-thread driver needs), not Bun or Deno,
/// which load Node-API modules but have no real libuv (Bun aborts on `uv_poll_init`).
fn is_node(js: Js) -> bool {
  let Ok(global) = js.global() else {
    return false;
  };
  let defined = |object, name| {
    js.get(object, name)
      .is_ok_and(|v| js.type_of(v) != Type::Undefined)
  };
  let versions = js
    .get(global, "process")
    .and_then(|p| js.get(p, "versions"));
  versions.is_ok_and(|v| defined(v, "node") && !defined(v, "bun")) && !defined(global, "Deno")
}

impl Local {
  /// Whether the channel keeps the event loop alive: while any operation is in flight.
  fn keep_alive(&self, on: bool) {
    let guard = self.channel.tsfn.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tsfn) = guard.as_ref() {
      let _ = self.js.hold_loop(tsfn, on);
    }
  }
}

/// `n` more operations hold the event loop open.
fn hold_loop(n: usize) {
  LOCAL.with(|l| {
    if let Some(local) = l.borrow_mut().as_mut() {
      if local.holding == 0 && n > 0 {
        local.keep_alive(true);
      }
      local.holding += n;
    }
  })
}

/// `n` operations stop holding the event loop open.
fn release_loop(n: usize) {
  LOCAL.with(|l| {
    if let Some(local) = l.borrow_mut().as_mut() {
      let before = local.holding;
      local.holding = before.saturating_sub(n);
      if before > 0 && local.holding == 0 {
        local.keep_alive(false);
      }
    }
  })
}

/// The calling env's channel.
pub(super) fn current() -> NetResult<Arc<Channel>> {
  LOCAL.with(|l| {
    l.borrow()
      .as_ref()
      .map(|l| l.channel.clone())
      .ok_or_else(|| NetError::internal("tokio-net is not initialised in this environment"))
  })
}
