//! Argument checks, as Node's own APIs make them.
//!
//! Arguments arrive as raw values (`Unknown`) rather than napi-rs's typed ones, for a measured
//! reason: a wrong type becomes a `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'` and an
//! out-of-range number a `RangeError` with `'ERR_OUT_OF_RANGE'`, named after the argument, as
//! Node's APIs throw them, before anything touches a socket.

use std::ptr;

use napi::bindgen_prelude::{ClassInstance, FromNapiValue};
use napi::sys;

use crate::errors::{NetError, NetResult};
use crate::js::{Js, Type};

/// The vectored-call buffer limit (`IOV_MAX`); exported so `tokio-net/net` batches writev the same.
#[napi]
pub const MAX_BUFS: u32 = 1024;

/// The argument reader of a method that takes no argument, for [`crate::bridge::sync_with`] and
/// the helpers built on it.
pub fn no_args(_: Js) -> NetResult<()> {
  Ok(())
}

impl Js {
  /// Where the bytes of a `Uint8Array` (a `Buffer` is one) are now: a detached or shrunk-away
  /// buffer has length 0.
  pub fn byte_range(self, value: sys::napi_value, name: &str) -> NetResult<(*mut u8, usize)> {
    let Some((data, len)) = self.uint8_array(value)? else {
      return Err(NetError::arg_type(
        name,
        "an instance of Uint8Array or Buffer",
      ));
    };
    if len == 0 || data.is_null() {
      return Ok((ptr::NonNull::dangling().as_ptr(), 0));
    }
    Ok((data.cast(), len))
  }

  /// The bytes of a `Uint8Array`, to read from.
  ///
  /// # Safety
  /// The slice borrows JS memory: use it before returning to JS, on the JS thread.
  pub unsafe fn bytes<'a>(self, value: sys::napi_value, name: &str) -> NetResult<&'a [u8]> {
    let (data, len) = self.byte_range(value, name)?;
    // SAFETY: a live Uint8Array's bytes as Node-API reports them; the caller keeps the slice on
    // the JS thread and within the call (see # Safety).
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
  }

  /// The bytes of a `Uint8Array`, to fill.
  ///
  /// # Safety
  /// As for [`Js::bytes`], and no other slice of the same memory may be alive.
  pub unsafe fn bytes_mut<'a>(self, value: sys::napi_value, name: &str) -> NetResult<&'a mut [u8]> {
    let (data, len) = self.byte_range(value, name)?;
    // SAFETY: a live Uint8Array's bytes as Node-API reports them; the caller keeps the slice on
    // the JS thread, within the call and alone (see # Safety).
    Ok(unsafe { std::slice::from_raw_parts_mut(data, len) })
  }

  /// An array of `Uint8Array`s to write from: at most `MAX_BUFS` of them.
  ///
  /// # Safety
  /// As for [`Js::bytes`].
  pub unsafe fn bytes_list<'a>(
    self,
    value: sys::napi_value,
    name: &str,
  ) -> NetResult<Vec<&'a [u8]>> {
    // SAFETY: a live Uint8Array's bytes as Node-API reports them; the caller keeps the slices on
    // the JS thread and within the call.
    self
      .byte_ranges(value, name)?
      .into_iter()
      .map(|(data, len)| Ok(unsafe { std::slice::from_raw_parts(data.cast_const(), len) }))
      .collect()
  }

  /// An array of `Uint8Array`s to fill. Two of them over the same memory would be two `&mut`
  /// to it: overlapping buffers are refused.
  ///
  /// # Safety
  /// As for [`Js::bytes_mut`].
  pub unsafe fn bytes_list_mut<'a>(
    self,
    value: sys::napi_value,
    name: &str,
  ) -> NetResult<Vec<&'a mut [u8]>> {
    let ranges = self.byte_ranges(value, name)?;
    let mut sorted: Vec<(usize, usize)> = ranges
      .iter()
      .filter(|(_, len)| *len > 0)
      .map(|(data, len)| (*data as usize, *len))
      .collect();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0].0 + w[0].1 > w[1].0) {
      return Err(NetError::ArgValue(format!(
        "The \"{name}\" buffers overlap: each read buffer must be memory of its own"
      )));
    }
    // SAFETY: a live Uint8Array's bytes as Node-API reports them, checked above not to overlap
    // any other; the caller keeps the slices on the JS thread and within the call.
    Ok(
      ranges
        .into_iter()
        .map(|(data, len)| unsafe { std::slice::from_raw_parts_mut(data, len) })
        .collect(),
    )
  }

  fn byte_ranges(self, value: sys::napi_value, name: &str) -> NetResult<Vec<(*mut u8, usize)>> {
    if !self.is_array(value) {
      return Err(NetError::arg_type(name, "an array of Uint8Array"));
    }
    self
      .array_items(value, name, MAX_BUFS as usize)?
      .into_iter()
      .map(|item| self.byte_range(item, name))
      .collect()
  }

  pub fn f64_arg(self, value: sys::napi_value, name: &str) -> NetResult<f64> {
    if self.type_of(value) != Type::Number {
      return Err(NetError::arg_type(name, "of type number"));
    }
    Ok(self.f64_value(value)?)
  }

  /// A whole number in `0..=max`.
  pub fn uint_arg(self, value: sys::napi_value, name: &str, max: f64) -> NetResult<u64> {
    let n = self.f64_arg(value, name)?;
    if n.fract() != 0.0 || !(0.0..=max).contains(&n) {
      return Err(NetError::ArgRange(format!(
        "The value of \"{name}\" is out of range. It must be an integer >= 0 and <= {max}. Received {n}"
      )));
    }
    Ok(n as u64)
  }

  pub fn bool_arg(self, value: sys::napi_value, name: &str) -> NetResult<bool> {
    if self.type_of(value) != Type::Boolean {
      return Err(NetError::arg_type(name, "of type boolean"));
    }
    Ok(self.bool_value(value)?)
  }

  pub fn string_arg(self, value: sys::napi_value, name: &str) -> NetResult<String> {
    if self.type_of(value) != Type::String {
      return Err(NetError::arg_type(name, "of type string"));
    }
    Ok(self.string_value(value)?)
  }

  pub fn function_arg(self, value: sys::napi_value, name: &str) -> NetResult<sys::napi_value> {
    if self.type_of(value) != Type::Function {
      return Err(NetError::arg_type(name, "of type function"));
    }
    Ok(value)
  }

  /// Runs `f` on an instance of one of this crate's classes (checked by napi-rs's type tag and
  /// class identity); `None` when `value` is something else.
  pub fn with_instance<T: 'static, R>(
    self,
    value: sys::napi_value,
    f: impl FnOnce(&T) -> R,
  ) -> Option<R>
  where
    for<'a> ClassInstance<'a, T>: FromNapiValue,
  {
    if self.type_of(value) != Type::Object {
      return None;
    }
    // SAFETY: `value` is an object of this env; napi-rs checks its type tag before it hands the
    // instance out.
    let instance = unsafe { ClassInstance::<T>::from_napi_value(self.raw(), value) }.ok()?;
    Some(f(&instance))
  }

  /// [`Js::with_instance`] for the methods that change the instance.
  pub fn with_instance_mut<T: 'static, R>(
    self,
    value: sys::napi_value,
    f: impl FnOnce(&mut T) -> R,
  ) -> Option<R>
  where
    for<'a> ClassInstance<'a, T>: FromNapiValue,
  {
    if self.type_of(value) != Type::Object {
      return None;
    }
    // SAFETY: `value` is an object of this env; napi-rs checks its type tag before it hands the
    // instance out.
    let mut instance = unsafe { ClassInstance::<T>::from_napi_value(self.raw(), value) }.ok()?;
    Some(f(&mut instance))
  }
}
