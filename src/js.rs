//! Thin, checked wrappers over the raw Node-API calls the crate needs (argument checks are in
//! [`crate::args`]).
//!
//! Hand-made beside napi-rs's typed values for a measured reason: the hot paths (settling a
//! promise, reading a buffer's bytes afresh at readiness) stay one Node-API call each, and a
//! throwing getter is caught where it happens instead of becoming napi-rs's generic error.
//!
//! The one module that calls `napi::sys` functions (see `clippy.toml`).

#![allow(
  clippy::disallowed_methods,
  reason = "the Node-API wrappers the rest of the crate uses"
)]

use std::ffi::{CString, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::{JsValue, sys};

use crate::errors::{ErrorClass, JsFace, MAX_STRING_LENGTH, NetError, NetResult};

/// Whether `len` bytes of UTF-8 can become a JS string (see [`MAX_STRING_LENGTH`]); if not,
/// the `ERR_STRING_TOO_LONG` error that says so.
pub fn string_fits(len: usize) -> NetResult<()> {
  if len > MAX_STRING_LENGTH {
    return Err(NetError::StringTooLong { len });
  }
  Ok(())
}

/// A Node-API environment, usable only on its own JS thread.
#[derive(Clone, Copy)]
pub struct Js(sys::napi_env);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Type {
  Undefined,
  Null,
  Boolean,
  Number,
  String,
  Object,
  Function,
  Other,
}

impl Js {
  pub fn new(env: sys::napi_env) -> Self {
    Js(env)
  }

  pub fn raw(self) -> sys::napi_env {
    self.0
  }

  pub fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
      Ok(())
    } else {
      Err(napi::Error::new(
        napi::Status::from(status),
        "Node-API call failed".to_string(),
      ))
    }
  }

  pub fn type_of(self, value: sys::napi_value) -> Type {
    let mut t = 0;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    if unsafe { sys::napi_typeof(self.0, value, &mut t) } != sys::Status::napi_ok {
      return Type::Other;
    }
    match t {
      sys::ValueType::napi_undefined => Type::Undefined,
      sys::ValueType::napi_null => Type::Null,
      sys::ValueType::napi_boolean => Type::Boolean,
      sys::ValueType::napi_number => Type::Number,
      sys::ValueType::napi_string => Type::String,
      sys::ValueType::napi_object => Type::Object,
      sys::ValueType::napi_function => Type::Function,
      _ => Type::Other,
    }
  }

  pub fn is_nullish(self, value: sys::napi_value) -> bool {
    matches!(self.type_of(value), Type::Undefined | Type::Null)
  }

  pub fn get(self, object: sys::napi_value, name: &str) -> napi::Result<sys::napi_value> {
    let key = CString::new(name)?;
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_named_property(self.0, object, key.as_ptr(), &mut out) })?;
    Ok(out)
  }

  pub fn set(
    self,
    object: sys::napi_value,
    name: &str,
    value: sys::napi_value,
  ) -> napi::Result<()> {
    let key = CString::new(name)?;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_set_named_property(self.0, object, key.as_ptr(), value) })
  }

  pub fn string(self, s: &str) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_create_string_utf8(self.0, s.as_ptr().cast(), s.len() as isize, &mut out)
    })?;
    Ok(out)
  }

  pub fn string_value(self, value: sys::napi_value) -> napi::Result<String> {
    let mut len = 0;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_get_value_string_utf8(self.0, value, ptr::null_mut(), 0, &mut len)
    })?;
    let mut buf = vec![0u8; len + 1];
    let mut written = 0;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_get_value_string_utf8(
        self.0,
        value,
        buf.as_mut_ptr().cast(),
        len + 1,
        &mut written,
      )
    })?;
    buf.truncate(written);
    String::from_utf8(buf).map_err(|e| napi::Error::from_reason(e.to_string()))
  }

  /// A JS string of `text` that came from the socket, so may be of any length: more than
  /// [`MAX_STRING_LENGTH`] bytes is `ERR_STRING_TOO_LONG` (with `len` in its message) rather than
  /// a failed Node-API call.
  pub fn text(self, text: &str) -> NetResult<sys::napi_value> {
    string_fits(text.len())?;
    Ok(self.string(text)?)
  }

  pub fn number(self, n: f64) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_create_double(self.0, n, &mut out) })?;
    Ok(out)
  }

  pub fn boolean(self, b: bool) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_boolean(self.0, b, &mut out) })?;
    Ok(out)
  }

  pub fn undefined(self) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_undefined(self.0, &mut out) })?;
    Ok(out)
  }

  pub fn null(self) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_null(self.0, &mut out) })?;
    Ok(out)
  }

  pub fn object(self) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_create_object(self.0, &mut out) })?;
    Ok(out)
  }

  pub fn array(self, items: &[sys::napi_value]) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_create_array_with_length(self.0, items.len(), &mut out) })?;
    for (i, item) in items.iter().enumerate() {
      // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
      Js::check(unsafe { sys::napi_set_element(self.0, out, i as u32, *item) })?;
    }
    Ok(out)
  }

  /// A new Node `Buffer` holding a copy of `data`.
  pub fn buffer_copy(self, data: &[u8]) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    let mut copy = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_create_buffer_copy(
        self.0,
        data.len(),
        data.as_ptr().cast(),
        &mut copy,
        &mut out,
      )
    })?;
    Ok(out)
  }

  pub fn global(self) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_global(self.0, &mut out) })?;
    Ok(out)
  }

  pub fn is_array(self, value: sys::napi_value) -> bool {
    let mut yes = false;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    (unsafe { sys::napi_is_array(self.0, value, &mut yes) }) == sys::Status::napi_ok && yes
  }

  /// The items of an array of at most `max` items; a longer one (a sparse array of length
  /// 2**32-1, say) is a `RangeError` before anything is allocated for it.
  pub fn array_items(
    self,
    value: sys::napi_value,
    name: &str,
    max: usize,
  ) -> NetResult<Vec<sys::napi_value>> {
    let mut len = 0;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_array_length(self.0, value, &mut len) })?;
    if len as usize > max {
      return Err(NetError::ArgRange(format!(
        "The \"{name}\" array is too long. It must have at most {max} items. Received {len}"
      )));
    }
    let mut items = Vec::with_capacity(len as usize);
    for i in 0..len {
      let mut item = ptr::null_mut();
      // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
      Js::check(unsafe { sys::napi_get_element(self.0, value, i, &mut item) })?;
      items.push(item);
    }
    Ok(items)
  }

  /// Calls `f` with `this`; a thrown exception is taken off the env and returned as `Err`.
  pub fn call(
    self,
    this: sys::napi_value,
    f: sys::napi_value,
    args: &[sys::napi_value],
  ) -> Result<sys::napi_value, CallError> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    let status =
      unsafe { sys::napi_call_function(self.0, this, f, args.len(), args.as_ptr(), &mut out) };
    if status == sys::Status::napi_ok {
      return Ok(out);
    }
    if status == sys::Status::napi_pending_exception
      && let Some(exception) = self.take_pending_exception()
    {
      return Err(CallError::Threw(exception));
    }
    Err(CallError::Failed(napi::Error::new(
      napi::Status::from(status),
      "calling a JavaScript function failed".to_string(),
    )))
  }

  pub fn call_method(
    self,
    object: sys::napi_value,
    name: &str,
    args: &[sys::napi_value],
  ) -> Result<sys::napi_value, CallError> {
    let f = self.get(object, name).map_err(CallError::Failed)?;
    self.call(object, f, args)
  }

  pub fn throw_value(self, value: sys::napi_value) {
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    unsafe { sys::napi_throw(self.0, value) };
  }

  /// Whether user code left an exception pending on the env.
  pub fn is_exception_pending(self) -> bool {
    let mut pending = false;
    // SAFETY: a plain query of this env's state, on its thread.
    let status = unsafe { sys::napi_is_exception_pending(self.0, &mut pending) };
    status == sys::Status::napi_ok && pending
  }

  /// Takes the exception user code left pending on the env, if any.
  pub fn take_pending_exception(self) -> Option<sys::napi_value> {
    let mut pending = false;
    // SAFETY: plain queries of this env's state, on its thread.
    unsafe {
      if sys::napi_is_exception_pending(self.0, &mut pending) != sys::Status::napi_ok || !pending {
        return None;
      }
      let mut exception = ptr::null_mut();
      (sys::napi_get_and_clear_last_exception(self.0, &mut exception) == sys::Status::napi_ok)
        .then_some(exception)
    }
  }

  /// Reports an exception user code threw where nobody can catch it, as Node reports one
  /// thrown in a callback: through `process.on('uncaughtException')`.
  pub fn report(self, exception: sys::napi_value) {
    // SAFETY: `exception` is a value of this env, on its thread.
    unsafe { sys::napi_fatal_exception(self.0, exception) };
  }

  pub fn new_ref(self, value: sys::napi_value) -> napi::Result<JsRef> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_create_reference(self.0, value, 1, &mut out) })?;
    Ok(JsRef(out))
  }

  /// The value behind `r`, and the reference released.
  pub fn take_ref(self, r: JsRef) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    let status = unsafe { sys::napi_get_reference_value(self.0, r.0, &mut out) };
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    unsafe { sys::napi_delete_reference(self.0, r.0) };
    Js::check(status)?;
    Ok(out)
  }

  /// Releases `r` without looking at its value: fine outside any handle scope (an env's
  /// cleanup hooks run there).
  pub fn delete_ref(self, r: JsRef) {
    // SAFETY: `r` was made on this env and is released once: it is taken by value.
    unsafe { sys::napi_delete_reference(self.0, r.0) };
  }

  pub fn ref_value(self, r: &JsRef) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_reference_value(self.0, r.0, &mut out) })?;
    Ok(out)
  }

  /// Makes `child` hold `parent` alive, as a borrow in Rust outlives nothing it borrows: a
  /// hidden, read-only property of `child` refers to `parent`.
  pub fn keep_parent(self, child: sys::napi_value, parent: sys::napi_value) -> napi::Result<()> {
    let property = sys::napi_property_descriptor {
      utf8name: c"__tokioNetParent".as_ptr(),
      name: ptr::null_mut(),
      method: None,
      getter: None,
      setter: None,
      value: parent,
      attributes: sys::PropertyAttributes::default,
      data: ptr::null_mut(),
    };
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_define_properties(self.0, child, 1, &property) })
  }

  /// A new `Error`, `TypeError` or `RangeError` with `code` and `message`.
  pub fn error(
    self,
    class: ErrorClass,
    code: &str,
    message: &str,
  ) -> napi::Result<sys::napi_value> {
    let code = self.string(code)?;
    let message = self.string(message)?;
    let mut out = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    let status = unsafe {
      match class {
        ErrorClass::Error => sys::napi_create_error(self.0, code, message, &mut out),
        ErrorClass::Type => sys::napi_create_type_error(self.0, code, message, &mut out),
        ErrorClass::Range => sys::napi_create_range_error(self.0, code, message, &mut out),
      }
    };
    Js::check(status)?;
    Ok(out)
  }

  /// The value of a JS number (already checked to be one).
  pub fn f64_value(self, value: sys::napi_value) -> napi::Result<f64> {
    let mut out = 0.0;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_value_double(self.0, value, &mut out) })?;
    Ok(out)
  }

  /// The value of a JS boolean (already checked to be one).
  pub fn bool_value(self, value: sys::napi_value) -> napi::Result<bool> {
    let mut out = false;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_get_value_bool(self.0, value, &mut out) })?;
    Ok(out)
  }

  /// Where the bytes of `value` are, if it is a `Uint8Array` (a `Buffer` is one): `None` for
  /// any other value. A detached buffer reports no data.
  pub fn uint8_array(self, value: sys::napi_value) -> napi::Result<Option<(*mut u8, usize)>> {
    let mut is_typed = false;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    let status = unsafe { sys::napi_is_typedarray(self.0, value, &mut is_typed) };
    if status != sys::Status::napi_ok || !is_typed {
      return Ok(None);
    }
    let mut kind = 0;
    let mut len = 0;
    let mut data = ptr::null_mut();
    let mut arraybuffer = ptr::null_mut();
    let mut offset = 0;
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_get_typedarray_info(
        self.0,
        value,
        &mut kind,
        &mut len,
        &mut data,
        &mut arraybuffer,
        &mut offset,
      )
    })?;
    Ok((kind == sys::TypedarrayType::uint8_array).then_some((data.cast(), len)))
  }

  /// A new promise and the deferred that settles it.
  pub fn promise(self) -> napi::Result<(Deferred, sys::napi_value)> {
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_create_promise(self.0, &mut deferred, &mut promise) })?;
    Ok((Deferred(deferred), promise))
  }

  /// Resolves (`Ok`) or rejects (`Err`) the promise of `deferred`.
  pub fn settle(self, deferred: Deferred, result: Result<sys::napi_value, sys::napi_value>) {
    // SAFETY: the deferred was made by `napi_create_promise` on this env and is settled once:
    // it is taken by value.
    unsafe {
      match result {
        Ok(value) => sys::napi_resolve_deferred(self.0, deferred.0, value),
        Err(value) => sys::napi_reject_deferred(self.0, deferred.0, value),
      };
    }
  }

  /// A new async resource named `name`, with its async context, for callback scopes (see
  /// [`Js::in_callback_scope`]).
  pub fn async_scope(self, name: &str) -> napi::Result<AsyncScope> {
    let resource = self.object()?;
    let name = self.string(name)?;
    let mut context = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_async_init(self.0, resource, name, &mut context) })?;
    match self.new_ref(resource) {
      Ok(resource) => Ok(AsyncScope { resource, context }),
      Err(e) => {
        // SAFETY: made just above on this env, destroyed once.
        unsafe { sys::napi_async_destroy(self.0, context) };
        Err(e)
      }
    }
  }

  pub fn destroy_async_scope(self, scope: AsyncScope) {
    // SAFETY: made for this env by `async_scope` and destroyed once: it is taken by value.
    unsafe { sys::napi_async_destroy(self.0, scope.context) };
    self.delete_ref(scope.resource);
  }

  /// Runs `f` inside a handle scope and a callback scope of `scope`'s async context, as Node
  /// does for a callback from native code; closing the callback scope runs the microtasks. False
  /// (and `f` not run) if the scopes could not be opened.
  pub fn in_callback_scope(self, scope: &AsyncScope, f: impl FnOnce()) -> bool {
    // SAFETY: scope calls on the env's JS thread; every scope opened here is closed below, even
    // if `f` panics.
    unsafe {
      let mut handles = ptr::null_mut();
      if sys::napi_open_handle_scope(self.0, &mut handles) != sys::Status::napi_ok {
        return false;
      }
      let mut object = ptr::null_mut();
      let mut callback_scope = ptr::null_mut();
      let opened = sys::napi_get_reference_value(self.0, scope.resource.0, &mut object)
        == sys::Status::napi_ok
        && !object.is_null()
        && sys::napi_open_callback_scope(self.0, object, scope.context, &mut callback_scope)
          == sys::Status::napi_ok;
      if opened {
        // The scopes are closed whatever `f` does: a panic must not leave them open.
        let _ = catch_unwind(AssertUnwindSafe(f));
        sys::napi_close_callback_scope(self.0, callback_scope);
      }
      sys::napi_close_handle_scope(self.0, handles);
      opened
    }
  }

  /// A threadsafe function named `name` that calls `call_js` on this env's JS thread with the
  /// data of each [`Tsfn::call`]; it does not hold the event loop open until
  /// [`Js::hold_loop`] says so.
  pub fn threadsafe_function(
    self,
    name: &str,
    call_js: sys::napi_threadsafe_function_call_js,
  ) -> napi::Result<Tsfn> {
    let name = self.string(name)?;
    let mut tsfn = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_create_threadsafe_function(
        self.0,
        ptr::null_mut(),
        ptr::null_mut(),
        name,
        0,
        1,
        ptr::null_mut(),
        None,
        ptr::null_mut(),
        call_js,
        &mut tsfn,
      )
    })?;
    let tsfn = Tsfn(tsfn);
    self.hold_loop(&tsfn, false)?;
    Ok(tsfn)
  }

  /// Whether `tsfn` keeps the event loop alive.
  pub fn hold_loop(self, tsfn: &Tsfn, on: bool) -> napi::Result<()> {
    // SAFETY: called on the JS thread with the env's live threadsafe function (not released:
    // release takes it by value).
    Js::check(unsafe {
      if on {
        sys::napi_ref_threadsafe_function(self.0, tsfn.0)
      } else {
        sys::napi_unref_threadsafe_function(self.0, tsfn.0)
      }
    })
  }

  /// Runs `hook` when the env goes away.
  pub fn on_cleanup(self, hook: unsafe extern "C" fn(*mut c_void)) -> napi::Result<()> {
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe { sys::napi_add_env_cleanup_hook(self.0, Some(hook), ptr::null_mut()) })
  }

  /// Runs `hook` when the env goes away, letting it finish asynchronously (it must call
  /// [`remove_async_cleanup_hook`] with the handle returned here).
  pub fn on_async_cleanup(
    self,
    hook: unsafe extern "C" fn(sys::napi_async_cleanup_hook_handle, *mut c_void),
  ) -> napi::Result<sys::napi_async_cleanup_hook_handle> {
    let mut handle = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    Js::check(unsafe {
      sys::napi_add_async_cleanup_hook(self.0, Some(hook), ptr::null_mut(), &mut handle)
    })?;
    Ok(handle)
  }

  /// The libuv loop of this env (Node only).
  pub fn uv_event_loop(self) -> Option<*mut sys::uv_loop_s> {
    let mut event_loop = ptr::null_mut();
    // SAFETY: a Node-API call on this env, on its JS thread, with live values and out-pointers.
    let status = unsafe { sys::napi_get_uv_event_loop(self.0, &mut event_loop) };
    (status == sys::Status::napi_ok && !event_loop.is_null()).then_some(event_loop)
  }
}

/// Tells Node an async cleanup hook is done.
///
/// # Safety
/// `handle` came from [`Js::on_async_cleanup`] and is removed once.
pub unsafe fn remove_async_cleanup_hook(handle: sys::napi_async_cleanup_hook_handle) {
  // SAFETY: a live hook handle, removed once (see # Safety).
  unsafe { sys::napi_remove_async_cleanup_hook(handle) };
}

/// The deferred of a promise made by [`Js::promise`], settled once by [`Js::settle`].
pub struct Deferred(sys::napi_deferred);

/// An async resource and its context, made by [`Js::async_scope`].
pub struct AsyncScope {
  resource: JsRef,
  context: sys::napi_async_context,
}

/// The JS face of the crate's error, made on the env's JS thread.
impl NetError {
  /// Builds the JS error value (on the JS thread) that [`NetError::face`] describes.
  pub fn to_js(&self, js: Js) -> napi::Result<sys::napi_value> {
    let Some(JsFace {
      class,
      code,
      kind,
      message,
    }) = self.face()
    else {
      return js
        .take_pending_exception()
        .ok_or_else(|| napi::Error::from_reason("no JavaScript exception was pending"));
    };
    let value = js.error(class, &code, &message)?;
    if let NetError::Aborted = self {
      js.set(value, "name", js.string("AbortError")?)?;
    }
    js.set(value, "kind", js.string(&kind)?)?;
    if let NetError::Io { err, syscall } = self {
      if let Some(errno) = err.raw_os_error() {
        js.set(value, "errno", js.number(f64::from(errno))?)?;
      }
      if let Some(call) = syscall {
        js.set(value, "syscall", js.string(call)?)?;
      }
    }
    Ok(value)
  }

  /// Throws this error on the env and returns the marker napi-rs uses for "already thrown".
  pub fn throw(self, js: Js) -> napi::Error {
    if !matches!(self, NetError::Pending) {
      match self.to_js(js) {
        Ok(value) => js.throw_value(value),
        Err(e) => return e,
      }
    }
    napi::Error::new(napi::Status::PendingException, String::new())
  }
}

/// A threadsafe function: callable from any thread while it lives.
pub struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: Node-API documents napi_call_threadsafe_function as callable from any thread; the
// handle is released only by `release`, which takes it by value.
unsafe impl Send for Tsfn {}

impl Tsfn {
  /// Queues a call of the function's `call_js` with `data`, from any thread; false if Node
  /// refused it (the function is closing), and `data` was not handed over.
  pub fn call(&self, data: *mut c_void) -> bool {
    // SAFETY: callable from any thread while the function is alive, and it is until `release`
    // takes it.
    let status = unsafe {
      sys::napi_call_threadsafe_function(self.0, data, sys::ThreadsafeFunctionCallMode::nonblocking)
    };
    status == sys::Status::napi_ok
  }

  /// Releases the function, aborting the calls still queued.
  pub fn release(self) {
    // SAFETY: the function is alive and released once: it is taken by value.
    unsafe {
      sys::napi_release_threadsafe_function(self.0, sys::ThreadsafeFunctionReleaseMode::abort)
    };
  }
}

/// A strong reference to a JS value, created, used and released on the JS thread only.
pub struct JsRef(sys::napi_ref);

/// A reference a waiting operation holds (the caller's buffer, an `asyncIo` closure), released
/// when the operation is dropped. Operations are dropped on the JS thread (see the bridge's task
/// set), and releasing needs no handle scope, so an env's cleanup hooks may drop them too.
pub struct HeldRef {
  js: Js,
  r: Option<JsRef>,
}

impl HeldRef {
  pub fn new(js: Js, value: sys::napi_value) -> napi::Result<HeldRef> {
    Ok(HeldRef {
      js,
      r: Some(js.new_ref(value)?),
    })
  }

  pub fn js(&self) -> Js {
    self.js
  }

  /// The value held (in the current handle scope).
  pub fn value(&self) -> napi::Result<sys::napi_value> {
    match &self.r {
      Some(r) => self.js.ref_value(r),
      None => Err(napi::Error::from_reason("the reference was released")),
    }
  }
}

impl Drop for HeldRef {
  fn drop(&mut self) {
    if let Some(r) = self.r.take() {
      self.js.delete_ref(r);
    }
  }
}

pub enum CallError {
  /// The function threw this value.
  Threw(sys::napi_value),
  Failed(napi::Error),
}

/// The raw value of an argument.
pub fn raw(value: &Unknown<'_>) -> sys::napi_value {
  value.raw()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_string_fits_up_to_v8s_limit() {
    #[cfg(target_pointer_width = "64")]
    assert_eq!(MAX_STRING_LENGTH, 0x1fff_ffe8);
    assert!(string_fits(0).is_ok());
    assert!(string_fits(MAX_STRING_LENGTH).is_ok());
    let over = string_fits(MAX_STRING_LENGTH + 1);
    assert!(matches!(over, Err(NetError::StringTooLong { len }) if len == MAX_STRING_LENGTH + 1));
  }
}
