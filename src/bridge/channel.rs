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
use std::sync::{Arc, Mutex};

use napi::{Env, sys};

use crate::errors::{NetError, NetResult};
use crate::js::{Js, Type};
use crate::registry;
use crate::runtime;

use super::tasks;

struct RawTsfn(sys::napi_threadsafe_function);
// SAFETY: Node-API documents napi_call_threadsafe_function as callable from any thread; the
// handle is released only under the channel's lock.
unsafe impl Send for RawTsfn {}

/// The wake-up channel of one Node environment: a queue of woken task ids and one threadsafe
/// function that wakes the JS thread. Only a push onto an empty queue wakes it; the JS thread
/// then polls every task queued by then in one go.
pub struct Channel {
  tsfn: Mutex<Option<RawTsfn>>,
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
    // SAFETY: callable from any thread while the function is alive; it is released only under
    // the lock held here.
    let status = unsafe {
      sys::napi_call_threadsafe_function(
        tsfn.0,
        data.cast_mut().cast(),
        sys::ThreadsafeFunctionCallMode::nonblocking,
      )
    };
    if status != sys::Status::napi_ok {
      // SAFETY: `data` came from `Arc::into_raw` above and was not handed to Node.
      drop(unsafe { Arc::from_raw(data) });
    }
  }

  fn drain(&self) -> Vec<u64> {
    std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
  }
}

struct Local {
  env: sys::napi_env,
  channel: Arc<Channel>,
  /// Operations in flight that keep the event loop alive (those of ref'd handles); while there
  /// are any, the channel holds the loop open.
  holding: usize,
  /// The async resource (a reference to it) and context that JS-thread driver turns run under.
  scope: Option<(sys::napi_ref, sys::napi_async_context)>,
}

thread_local! {
  static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
  /// The channel of the env whose I/O driver this thread is turning right now, if any.
  static TURNING: std::cell::Cell<*const Channel> = const { std::cell::Cell::new(ptr::null()) };
}

/// Turns this env's I/O driver on its JS thread (`turn`), then settles what it woke inside a
/// callback scope, so the promise reactions run before control goes back to the event loop.
// Only the Linux JS-thread driver turns a driver here.
#[cfg_attr(
  not(target_os = "linux"),
  expect(
    dead_code,
    reason = "only the Linux JS-thread driver turns a driver here"
  )
)]
pub fn turn_driver_here(turn: impl FnOnce()) {
  let Some((env, channel, (resource, context))) = LOCAL.with(|l| {
    let l = l.borrow();
    let l = l.as_ref()?;
    Some((l.env, l.channel.clone(), l.scope?))
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
  let js = Js::new(env);
  let resumed = in_callback_scope(env, resource, context, || resume_all(js, &woken));
  if !resumed {
    // No scope to settle them in: let the threadsafe function deliver them instead.
    for task in woken {
      channel.wake(task);
    }
  }
}

/// Runs `f` inside a handle scope and a callback scope of `resource`'s async context, as Node
/// does for a callback from native code; closing the callback scope runs the microtasks. False
/// (and `f` not run) if the scopes could not be opened.
fn in_callback_scope(
  env: sys::napi_env,
  resource: sys::napi_ref,
  context: sys::napi_async_context,
  f: impl FnOnce(),
) -> bool {
  // SAFETY: scope calls on the env's JS thread; every scope opened here is closed below, even
  // if `f` panics.
  unsafe {
    let mut handles = ptr::null_mut();
    if sys::napi_open_handle_scope(env, &mut handles) != sys::Status::napi_ok {
      return false;
    }
    let mut object = ptr::null_mut();
    let mut scope = ptr::null_mut();
    let opened = sys::napi_get_reference_value(env, resource, &mut object) == sys::Status::napi_ok
      && !object.is_null()
      && sys::napi_open_callback_scope(env, object, context, &mut scope) == sys::Status::napi_ok;
    if opened {
      // The scopes are closed whatever `f` does: a panic must not leave them open.
      let _ = catch_unwind(AssertUnwindSafe(f));
      sys::napi_close_callback_scope(env, scope);
    }
    sys::napi_close_handle_scope(env, handles);
    opened
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
  if let Some((resource, context)) = local.scope {
    // SAFETY: both were made for this env in `init_env`, and are released only here.
    unsafe {
      sys::napi_async_destroy(local.env, context);
      sys::napi_delete_reference(local.env, resource);
    }
  }
  let tsfn = local
    .channel
    .tsfn
    .lock()
    .unwrap_or_else(|p| p.into_inner())
    .take();
  if let Some(tsfn) = tsfn {
    // SAFETY: the threadsafe function was made in `init_env` and is released once, here.
    unsafe {
      sys::napi_release_threadsafe_function(tsfn.0, sys::ThreadsafeFunctionReleaseMode::abort)
    };
  }
}

/// Sets up the completion channel of the env loading the module, and closes the env's handles
/// when it goes away (a terminated worker, say). Loading the module again on the same thread
/// (after clearing `require.cache`, as hot-reload tools do) gets a new `napi_env` of the same
/// Node environment: it shares what the first load set up (the channel, the driver, the handle
/// table), so nothing is made twice and nothing leaks.
pub fn init_env(env: &Env) -> napi::Result<()> {
  if LOCAL.with(|l| l.borrow().is_some()) {
    return Ok(());
  }
  let js = Js::new(env.raw());
  let name = js.string("tokio-net")?;
  let mut tsfn = ptr::null_mut();
  // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
  Js::check(unsafe {
    sys::napi_create_threadsafe_function(
      env.raw(),
      ptr::null_mut(),
      ptr::null_mut(),
      name,
      0,
      1,
      ptr::null_mut(),
      None,
      ptr::null_mut(),
      Some(call_js),
      &mut tsfn,
    )
  })?;
  // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
  Js::check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) })?;
  let mut scope = None;
  let place = runtime::settle_place(|| is_node(js) && runtime::js_thread::install(env.raw()));
  if place == runtime::DriverPlace::JsThread {
    let resource = js.object()?;
    let mut reference = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_create_reference(env.raw(), resource, 1, &mut reference) })?;
    let mut context = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_async_init(env.raw(), resource, name, &mut context) })?;
    scope = Some((reference, context));
  }
  LOCAL.with(|l| {
    *l.borrow_mut() = Some(Local {
      env: env.raw(),
      channel: Arc::new(Channel {
        tsfn: Mutex::new(Some(RawTsfn(tsfn))),
        queue: Mutex::new(Vec::new()),
      }),
      holding: 0,
      scope,
    })
  });
  // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
  Js::check(unsafe {
    sys::napi_add_env_cleanup_hook(env.raw(), Some(cleanup_env), ptr::null_mut())
  })
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
      // SAFETY: called on the JS thread with the env's live threadsafe function (under its lock).
      unsafe {
        if on {
          sys::napi_ref_threadsafe_function(self.env, tsfn.0);
        } else {
          sys::napi_unref_threadsafe_function(self.env, tsfn.0);
        }
      }
    }
  }
}

/// `n` more operations hold the event loop open.
pub fn hold_loop(n: usize) {
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
pub fn release_loop(n: usize) {
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
