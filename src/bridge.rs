//! The one road from a tokio future to a JS promise.
//!
//! Every async method calls [`spawn`] (or [`spawn_then`]): it makes the promise, wires an
//! optional `AbortSignal` to the future (abort drops the future, which is tokio's cancellation),
//! and hands the future to the env's task set ([`tasks`]), which polls it on the JS thread while
//! tokio's I/O driver wakes it. With the driver on the runtime's workers, wake-ups reach the JS
//! thread through the env's channel: one threadsafe function per Node environment, signalled
//! once per batch. With the driver on the JS thread ([`turn_driver_here`]), the tasks a turn
//! woke are resumed right after it, in a callback scope, with no signal at all. How completions
//! reach the JS thread is decided here and nowhere else.

mod tasks;

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use napi::bindgen_prelude::{FunctionCallContext, ToNapiValue, TypeName, Unknown};
use napi::{Env, JsValue, ValueType, sys};
use tokio_util::sync::CancellationToken;

use crate::errors::{NetError, NetResult};
use crate::js::{CallError, Js, JsRef, Type};
use crate::registry;
use crate::runtime;

/// A settled-later value handed back to JS.
pub struct Promise(sys::napi_value);

impl TypeName for Promise {
  fn type_name() -> &'static str {
    "Promise"
  }
  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl ToNapiValue for Promise {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    Ok(val.0)
  }
}

/// A result that becomes a JS value on the JS thread.
pub trait IntoJs: Send + 'static {
  fn into_js(self, js: Js) -> NetResult<sys::napi_value>;
}

impl IntoJs for () {
  fn into_js(self, js: Js) -> NetResult<sys::napi_value> {
    Ok(js.undefined()?)
  }
}

impl IntoJs for usize {
  fn into_js(self, js: Js) -> NetResult<sys::napi_value> {
    Ok(js.number(self as f64)?)
  }
}

impl IntoJs for Vec<u8> {
  fn into_js(self, js: Js) -> NetResult<sys::napi_value> {
    Ok(js.buffer_copy(&self)?)
  }
}

/// A result whose JS value is built by a closure on the JS thread (new handles, copies into
/// the caller's buffer).
pub struct Lazy<F>(pub F);

impl<F> IntoJs for Lazy<F>
where
  F: FnOnce(Js) -> NetResult<sys::napi_value> + Send + 'static,
{
  fn into_js(self, js: Js) -> NetResult<sys::napi_value> {
    (self.0)(js)
  }
}

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
  fn wake(self: &Arc<Self>, task: u64) {
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
    let status = unsafe {
      sys::napi_call_threadsafe_function(
        tsfn.0,
        data.cast_mut().cast(),
        sys::ThreadsafeFunctionCallMode::nonblocking,
      )
    };
    if status != sys::Status::napi_ok {
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
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
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
  Js::check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) })?;
  let mut scope = None;
  if runtime::requested_place() == Some(runtime::DriverPlace::JsThread)
    && is_node(js)
    && runtime::js_thread::install(env.raw())
  {
    let resource = js.object()?;
    let mut reference = ptr::null_mut();
    Js::check(unsafe { sys::napi_create_reference(env.raw(), resource, 1, &mut reference) })?;
    let mut context = ptr::null_mut();
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

fn channel() -> NetResult<Arc<Channel>> {
  LOCAL.with(|l| {
    l.borrow()
      .as_ref()
      .map(|l| l.channel.clone())
      .ok_or_else(|| NetError::internal("tokio-net is not initialised in this environment"))
  })
}

/// The registry id of the handle an async method runs on, and its JS object, which the
/// operation keeps alive until it settles.
#[derive(Clone, Copy)]
pub struct Handle {
  pub id: u64,
  pub this: sys::napi_value,
}

impl Handle {
  pub fn of(id: u64, this: &napi::bindgen_prelude::This<'_>) -> Handle {
    Handle {
      id,
      this: this.object.raw(),
    }
  }
}

struct Deferred(sys::napi_deferred);

struct AbortHook {
  signal: JsRef,
  listener: Option<JsRef>,
  token: CancellationToken,
}

/// A promise waiting for its operation; lives until it is settled on the JS thread.
pub struct Pending {
  deferred: Deferred,
  /// The JS object the operation runs on, kept from garbage collection until it settles (a
  /// collected handle would close the socket under the operation).
  keep: Option<JsRef>,
  abort: Option<AbortHook>,
  /// What the operation holds of the event loop, once started.
  hold: Option<registry::LoopHold>,
}

impl Pending {
  /// Resolves or rejects the promise, detaches the abort listener and lets the handle go.
  ///
  /// User code can throw in here (the signal's `reason` or `removeEventListener` getters); such
  /// an exception never stops the promise from settling: it is reported, as Node reports an
  /// exception thrown in a callback.
  pub fn settle(mut self, js: Js, outcome: NetResult<sys::napi_value>) {
    // An exception left pending by the caller's own argument checks is the real failure.
    let mut thrown = js.take_pending_exception();
    let mut stray = Vec::new();
    let result = match (outcome, thrown.take()) {
      (Err(_), Some(exception)) => Err(exception),
      (Ok(value), exception) => {
        stray.extend(exception);
        Ok(value)
      }
      (Err(err), None) => Err(self.error_value(js, &err, &mut stray)),
    };
    stray.extend(self.detach_abort(js));
    if let Some(keep) = self.keep.take() {
      let _ = js.take_ref(keep);
    }
    // SAFETY: the deferred was made by `napi_create_promise` on this env and is settled once:
    // `settle` takes `self`.
    unsafe {
      match result {
        Ok(value) => sys::napi_resolve_deferred(js.raw(), self.deferred.0, value),
        Err(value) => sys::napi_reject_deferred(js.raw(), self.deferred.0, value),
      };
    }
    if let Some(hold) = self.hold.take() {
      hold.release();
    }
    for exception in stray {
      js.report(exception);
    }
  }

  /// The JS error for `err`; an exception thrown while building it goes to `stray`.
  fn error_value(
    &self,
    js: Js,
    err: &NetError,
    stray: &mut Vec<sys::napi_value>,
  ) -> sys::napi_value {
    let value = err.to_js(js).or_else(|e| {
      NetError::Internal(e.reason)
        .to_js(js)
        .or_else(|_| js.undefined())
    });
    let value = value.unwrap_or(ptr::null_mut());
    if let (NetError::Aborted, Some(hook)) = (err, self.abort.as_ref())
      && let Ok(signal) = js.ref_value(&hook.signal)
    {
      match js.get(signal, "reason") {
        Ok(reason) => {
          let _ = js.set(value, "cause", reason);
        }
        Err(_) => stray.extend(js.take_pending_exception()),
      }
    }
    value
  }

  /// Removes the abort listener; returns what a throwing `removeEventListener` threw.
  fn detach_abort(&mut self, js: Js) -> Option<sys::napi_value> {
    let hook = self.abort.take()?;
    let signal = js.take_ref(hook.signal).ok();
    let listener = hook.listener.and_then(|l| js.take_ref(l).ok());
    let (signal, listener) = (signal?, listener?);
    let name = js.string("abort").ok()?;
    match js.call_method(signal, "removeEventListener", &[name, listener]) {
      Err(CallError::Threw(exception)) => Some(exception),
      Err(CallError::Failed(_)) => js.take_pending_exception(),
      Ok(_) => None,
    }
  }

  fn abort_token(&self) -> Option<CancellationToken> {
    self.abort.as_ref().map(|h| h.token.clone())
  }
}

/// Makes a promise for an operation, with the `{ signal }` of `opts` attached. `Err` holds the
/// promise already rejected (bad options, or a signal that was already aborted): from here on
/// every failure rejects the promise, none is thrown.
pub fn begin(
  env: &Env,
  opts: Option<&Unknown<'_>>,
) -> napi::Result<(Promise, Result<Pending, ()>)> {
  runtime::js_thread::charge();
  let js = Js::new(env.raw());
  let mut deferred = ptr::null_mut();
  let mut promise = ptr::null_mut();
  Js::check(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
  let mut pending = Pending {
    deferred: Deferred(deferred),
    keep: None,
    abort: None,
    hold: None,
  };
  match opts.map(|o| attach_signal(env, js, o.raw())).transpose() {
    Ok(hook) => pending.abort = hook.flatten(),
    Err(err) => {
      pending.settle(js, Err(err));
      return Ok((Promise(promise), Err(())));
    }
  }
  if pending
    .abort
    .as_ref()
    .is_some_and(|h| h.token.is_cancelled())
  {
    pending.settle(js, Err(NetError::Aborted));
    return Ok((Promise(promise), Err(())));
  }
  Ok((Promise(promise), Ok(pending)))
}

/// Reads `opts.signal` and listens for its abort. A signal already aborted gives a hook whose
/// token is cancelled.
fn attach_signal(env: &Env, js: Js, opts: sys::napi_value) -> NetResult<Option<AbortHook>> {
  let Some(signal) = signal_of(js, opts)? else {
    return Ok(None);
  };
  let token = CancellationToken::new();
  if js.bool_arg(js.get(signal, "aborted")?, "options.signal.aborted")? {
    token.cancel();
    return Ok(Some(AbortHook {
      signal: js.new_ref(signal)?,
      listener: None,
      token,
    }));
  }
  let on_abort = token.clone();
  let listener =
    env.create_function_from_closure::<(), _, _>("onAbort", move |_ctx: FunctionCallContext| {
      on_abort.cancel();
      Ok(())
    })?;
  let name = js.string("abort")?;
  match js.call_method(signal, "addEventListener", &[name, listener.raw()]) {
    Ok(_) => {}
    Err(CallError::Threw(exception)) => {
      js.throw_value(exception);
      return Err(NetError::Pending);
    }
    Err(CallError::Failed(_)) => {
      return Err(NetError::arg_type(
        "options.signal",
        "an instance of AbortSignal",
      ));
    }
  }
  Ok(Some(AbortHook {
    signal: js.new_ref(signal)?,
    listener: Some(js.new_ref(listener.raw())?),
    token,
  }))
}

fn signal_of(js: Js, opts: sys::napi_value) -> NetResult<Option<sys::napi_value>> {
  match js.type_of(opts) {
    Type::Undefined | Type::Null => return Ok(None),
    Type::Object => {}
    _ => return Err(NetError::arg_type("options", "of type object")),
  }
  let signal = js.get(opts, "signal")?;
  match js.type_of(signal) {
    Type::Undefined => Ok(None),
    Type::Object if js.type_of(js.get(signal, "addEventListener")?) == Type::Function => {
      Ok(Some(signal))
    }
    _ => Err(NetError::arg_type(
      "options.signal",
      "an instance of AbortSignal",
    )),
  }
}

/// Runs `fut` for `pending` (polled on the JS thread, woken by tokio's I/O driver), then
/// `finish` on the JS thread with its outcome. `closed` is the close token of the handle the
/// operation runs on, `handle` its registry id.
pub fn run<T, F, D>(
  js: Js,
  mut pending: Pending,
  handle: Option<u64>,
  closed: Option<CancellationToken>,
  fut: F,
  finish: D,
) where
  T: 'static,
  F: Future<Output = NetResult<T>> + 'static,
  D: FnOnce(Js, NetResult<T>, Pending) + 'static,
{
  let started = runtime::handle().and_then(|runtime| Ok((runtime, channel()?)));
  let (runtime, channel) = match started {
    Ok(started) => started,
    Err(err) => return pending.settle(js, Err(err)),
  };
  if pending.hold.is_none() {
    pending.hold = Some(registry::op_started(handle));
  }
  let abort = pending.abort_token();
  let job = async move {
    let outcome = CatchUnwind(guarded(fut, closed, abort)).await;
    let outcome = outcome.unwrap_or_else(|panic| Err(NetError::internal(panic_message(&panic))));
    Box::new(move |js: Js| finish(js, outcome, pending)) as tasks::Settle
  };
  tasks::spawn(js, &runtime, &channel, Box::pin(job));
}

/// How an operation goes on once its arguments are checked.
pub enum Start<F, D> {
  /// It completed on the JS thread without waiting (the fast path): the promise is settled
  /// with this value at once, and the runtime is not involved.
  Done(sys::napi_value),
  /// It has to wait: poll `F` until it is done (cancelled by the close token, if any), then `D`
  /// turns its outcome into the JS value.
  Run(Option<CancellationToken>, F, D),
}

/// The common case: start `fut` (made by `start`, which validates arguments first) and settle
/// the promise with its value.
pub fn spawn<T, F>(
  env: &Env,
  opts: Option<&Unknown<'_>>,
  on: Option<Handle>,
  start: impl FnOnce() -> NetResult<(Option<CancellationToken>, F)>,
) -> napi::Result<Promise>
where
  T: IntoJs,
  F: Future<Output = NetResult<T>> + 'static,
{
  spawn_then(env, opts, on, || {
    let (closed, fut) = start()?;
    Ok(Start::Run(closed, fut, |js: Js, outcome: NetResult<T>| {
      outcome.and_then(|v| v.into_js(js))
    }))
  })
}

/// The general case: `start` checks the arguments, may finish the operation at once, or hands
/// back the future to run and the `finish` step, which runs on the JS thread whatever the
/// outcome, so it can release what the operation held on the JS side.
pub fn spawn_then<T, F, D>(
  env: &Env,
  opts: Option<&Unknown<'_>>,
  on: Option<Handle>,
  start: impl FnOnce() -> NetResult<Start<F, D>>,
) -> napi::Result<Promise>
where
  T: 'static,
  F: Future<Output = NetResult<T>> + 'static,
  D: FnOnce(Js, NetResult<T>) -> NetResult<sys::napi_value> + 'static,
{
  let (promise, pending) = begin(env, opts)?;
  let Ok(mut pending) = pending else {
    return Ok(promise);
  };
  let js = Js::new(env.raw());
  match catch_unwind(AssertUnwindSafe(start)) {
    Ok(Ok(Start::Done(value))) => pending.settle(js, Ok(value)),
    Ok(Ok(Start::Run(closed, fut, finish))) => {
      if let Some(on) = on {
        match js.new_ref(on.this) {
          Ok(keep) => pending.keep = Some(keep),
          Err(err) => {
            pending.settle(js, Err(err.into()));
            return Ok(promise);
          }
        }
      }
      run(
        js,
        pending,
        on.map(|h| h.id),
        closed,
        fut,
        move |js, outcome, pending| {
          let value = finish(js, outcome);
          pending.settle(js, value)
        },
      )
    }
    Ok(Err(err)) => pending.settle(js, Err(err)),
    Err(panic) => pending.settle(js, Err(NetError::internal(panic_message(&panic)))),
  }
  Ok(promise)
}

/// Runs `fut` unless its handle is closed or its signal aborted. Both are looked at before the
/// operation is polled, so an operation whose handle was closed or consumed (by `intoStd`, say)
/// never touches the socket again: the bytes it would have taken belong to the new owner.
async fn guarded<T>(
  fut: impl Future<Output = NetResult<T>>,
  closed: Option<CancellationToken>,
  abort: Option<CancellationToken>,
) -> NetResult<T> {
  let was_closed = closed.clone();
  let closed = async {
    match closed {
      Some(token) => token.cancelled_owned().await,
      None => std::future::pending().await,
    }
  };
  let aborted = async {
    match abort {
      Some(token) => token.cancelled_owned().await,
      None => std::future::pending().await,
    }
  };
  tokio::select! {
    biased;
    _ = closed => Err(NetError::Closed),
    _ = aborted => Err(NetError::Aborted),
    // An operation that fails because its handle was closed under it (an owned write half's
    // close shuts the socket down at once) reports the close, not the side effect.
    result = fut => match result {
      Err(_) if was_closed.is_some_and(|t| t.is_cancelled()) => Err(NetError::Closed),
      result => result,
    },
  }
}

/// Turns a panic inside a future into an error instead of a promise that never settles.
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
  type Output = Result<F::Output, Box<dyn Any + Send>>;

  fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
    // SAFETY: the inner future is never moved out of the pinned wrapper.
    let inner = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
    match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
      Ok(Poll::Pending) => Poll::Pending,
      Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
      Err(panic) => Poll::Ready(Err(panic)),
    }
  }
}

pub fn panic_message(panic: &Box<dyn Any + Send>) -> String {
  let text = panic
    .downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| panic.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "unknown panic".to_string());
  format!("internal error in tokio-net: {text}")
}

/// Runs a synchronous method body: its error is thrown as the JS error of API.md, a panic is
/// caught and thrown as an internal error.
pub fn sync<T>(env: &Env, f: impl FnOnce(Js) -> NetResult<T>) -> napi::Result<T> {
  let js = Js::new(env.raw());
  match catch_unwind(AssertUnwindSafe(|| f(js))) {
    Ok(Ok(v)) => Ok(v),
    Ok(Err(err)) => Err(err.throw(js)),
    Err(panic) => Err(NetError::internal(panic_message(&panic)).throw(js)),
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::io;

  fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
      .enable_all()
      .build()
      .unwrap()
      .block_on(f)
  }

  #[test]
  fn a_closed_handle_never_polls_its_operation() {
    let closed = CancellationToken::new();
    closed.cancel();
    let polled = std::cell::Cell::new(false);
    let out = block_on(guarded(
      async {
        polled.set(true);
        Ok(7)
      },
      Some(closed),
      None,
    ));
    assert!(matches!(out, Err(NetError::Closed)));
    assert!(!polled.get());
  }

  #[test]
  fn close_and_abort_end_a_pending_future() {
    let closed = CancellationToken::new();
    closed.cancel();
    let out: NetResult<()> = block_on(guarded(std::future::pending(), Some(closed), None));
    assert!(matches!(out, Err(NetError::Closed)));
    let abort = CancellationToken::new();
    abort.cancel();
    let out: NetResult<()> = block_on(guarded(std::future::pending(), None, Some(abort)));
    assert!(matches!(out, Err(NetError::Aborted)));
  }

  #[test]
  fn a_failure_caused_by_closing_reports_the_close() {
    let closed = CancellationToken::new();
    closed.cancel();
    let failing = async { Err::<(), _>(NetError::io(io::ErrorKind::BrokenPipe.into(), "write")) };
    let out = block_on(guarded(failing, Some(closed), None));
    assert!(matches!(out, Err(NetError::Closed)));
  }

  #[test]
  fn a_panicking_future_becomes_an_error() {
    let out = block_on(CatchUnwind(async {
      if true {
        panic!("boom");
      }
    }));
    let panic = out.unwrap_err();
    assert!(panic_message(&panic).contains("boom"));
  }
}
