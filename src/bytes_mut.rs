//! `BytesMut`: the growable buffer `tryReadBuf` appends to (the `bytes` crate's `BytesMut`).

use napi::Env;
use napi::bindgen_prelude::{Buffer, Unknown};

use crate::bridge::sync;
use crate::js::{Type, raw};

/// A growable byte buffer. `tryReadBuf` appends to it, growing it when it is full, exactly as
/// tokio's `try_read_buf` does with a `bytes::BytesMut`.
///
/// @example
/// ```ts
/// import { BytesMut, TcpStream, type NetError } from 'tokio-net'
///
/// using stream = await TcpStream.connect('127.0.0.1:8080')
/// const buf = new BytesMut(4096)
/// await stream.readable()
/// try {
///   const n = stream.tryReadBuf(buf) // appends, growing the buffer when it is full
///   console.log(`read ${n} bytes, ${buf.length} held`)
/// } catch (e) {
///   if ((e as NetError).kind !== 'WouldBlock') throw e
/// }
/// ```
#[napi]
pub struct BytesMut {
  pub(crate) inner: bytes::BytesMut,
}

const MAX_CAPACITY: f64 = 1024.0 * 1024.0 * 1024.0 * 2.0;

#[napi]
impl BytesMut {
  /// An empty buffer with room for `capacity` bytes (default 0).
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

  /// The number of bytes held.
  #[napi(getter)]
  pub fn length(&self) -> u32 {
    self.inner.len() as u32
  }

  /// How many bytes it can hold without allocating.
  #[napi(getter)]
  pub fn capacity(&self) -> u32 {
    self.inner.capacity() as u32
  }

  /// Makes room for at least `additional` more bytes.
  #[napi]
  pub fn reserve(&mut self, env: Env, additional: Unknown<'_>) -> napi::Result<()> {
    sync(&env, |js| {
      let n = js.uint_arg(raw(&additional), "additional", MAX_CAPACITY)? as usize;
      self.inner.reserve(n);
      Ok(())
    })
  }

  /// Empties the buffer, keeping its capacity.
  #[napi]
  pub fn clear(&mut self) {
    self.inner.clear();
  }

  /// A copy of the bytes held, as a `Buffer`.
  #[napi]
  pub fn to_buffer(&self) -> Buffer {
    Buffer::from(self.inner.to_vec())
  }
}
