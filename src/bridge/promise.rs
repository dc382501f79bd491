//! The JS side of an operation: its promise, the `AbortSignal` wired to it, and settling.
//!
//! Hand-made rather than napi-rs's `PromiseRaw`/`AsyncTask`, for a measured reason: a promise is
//! settled on the JS thread the moment its operation completes (in the call itself when no wait
//! was needed), with no hop through another thread, and a throwing `AbortSignal` getter can
//! never stop it from settling.

use std::ptr;

use napi::bindgen_prelude::{FunctionCallContext, ToNapiValue, TypeName, Unknown};
use napi::{Env, JsValue, ValueType, sys};
use tokio_util::sync::CancellationToken;

use crate::errors::{NetError, NetResult};
use crate::js::{CallError, Deferred, Js, JsRef, Type};
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
pub trait IntoJs: 'static {
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
  F: FnOnce(Js) -> NetResult<sys::napi_value> + 'static,
{
  fn into_js(self, js: Js) -> NetResult<sys::napi_value> {
    (self.0)(js)
  }
}

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
    js.settle(self.deferred, result);
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

  /// Counts the operation as started on `handle`: it holds the event loop until it settles.
  pub(super) fn start_on(&mut self, handle: Option<u64>) {
    if self.hold.is_none() {
      self.hold = Some(registry::op_started(handle));
    }
  }

  /// Keeps `object` (the handle the operation runs on) from being collected until settled.
  pub(super) fn keep_object(&mut self, js: Js, object: sys::napi_value) -> NetResult<()> {
    self.keep = Some(js.new_ref(object)?);
    Ok(())
  }

  pub(super) fn abort_token(&self) -> Option<CancellationToken> {
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
  let (deferred, promise) = js.promise()?;
  let mut pending = Pending {
    deferred,
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
    env.create_function_from_closure::<(), _, _>("onAbort", move |ctx: FunctionCallContext| {
      on_abort.cancel();
      // The operation rejects with AbortError within this turn, not on the next one.
      super::channel::resume_woken_here(Js::new(ctx.env.raw()));
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
