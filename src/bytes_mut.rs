//! `BytesMut`: the growable buffer `tryReadBuf` appends to (the `bytes` crate's `BytesMut`).

use napi::Env;
use napi::bindgen_prelude::{Buffer, Unknown};

use crate::bridge::sync;
use crate::js::{Type, raw};

/// A `bytes::BytesMut` owned by its JS object, which `tryReadBuf` appends to.
#[napi]
pub struct BytesMut {
  pub(crate) inner: bytes::BytesMut,
}

const MAX_CAPACITY: f64 = 1024.0 * 1024.0 * 1024.0 * 2.0;

#[napi]
impl BytesMut {
  /// `BytesMut::with_capacity`, 0 by default.
  #[napi(constructor)]
  pub fn new(env: Env, capacity: Option<Unknown<'_>>) -> napi::Result<Self> {
    sync(&env, |js| {
      let capacity = match capacity.as_ref().map(raw) {
        Some(value) if js.type_of(value) != Type::Undefined => {
          js.uint_arg(value, "capacity", MAX_CAPACITY)? as usize
        }
        _ => 0,
      };
      Ok(BytesMut {
        inner: bytes::BytesMut::with_capacity(capacity),
      })
    })
  }

  /// `BytesMut::len`.
  #[napi(getter)]
  pub fn length(&self) -> u32 {
    self.inner.len() as u32
  }

  /// `BytesMut::capacity`.
  #[napi(getter)]
  pub fn capacity(&self) -> u32 {
    self.inner.capacity() as u32
  }

  /// `BytesMut::reserve`.
  #[napi]
  pub fn reserve(&mut self, env: Env, additional: Unknown<'_>) -> napi::Result<()> {
    sync(&env, |js| {
      let n = js.uint_arg(raw(&additional), "additional", MAX_CAPACITY)? as usize;
      self.inner.reserve(n);
      Ok(())
    })
  }

  /// `BytesMut::clear`.
  #[napi]
  pub fn clear(&mut self) {
    self.inner.clear();
  }

  /// Copies the bytes into a new `Buffer`.
  #[napi]
  pub fn to_buffer(&self) -> Buffer {
    Buffer::from(self.inner.to_vec())
  }
}
