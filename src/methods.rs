//! The JS methods a stream shares with its halves, declared once for every class that has them.
//! Each expands to a `#[napi] impl` block whose methods call into `crate::io`.

/// `localAddr`, `peerAddr`, `ready` and `close`: what every stream-like handle has.
macro_rules! handle_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// The local address this socket is bound to.
      #[napi(ts_return_type = "SocketAddr")]
      pub fn local_addr(&self, env: Env) -> napi::Result<napi::sys::napi_value> {
        $crate::io::local_addr(&env, self.id)
      }

      /// The address of the remote peer.
      #[napi(ts_return_type = "SocketAddr")]
      pub fn peer_addr(&self, env: Env) -> napi::Result<napi::sys::napi_value> {
        $crate::io::peer_addr(&env, self.id)
      }

      /// Waits for any of the requested readiness states (`Interest` flags combined with `|`).
      ///
      /// The result may be a false positive: a later `tryRead`/`tryWrite` can still throw
      /// `WouldBlock`. Readiness is cleared only when an operation hits WouldBlock.
      ///
      /// Cancel safety: cancel safe. Aborting loses nothing.
      #[napi(
        ts_args_type = "interest: number, options?: OpOptions",
        ts_return_type = "Promise<Ready>"
      )]
      pub fn ready(
        &self,
        env: Env,
        this: This<'_>,
        interest: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::ready(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          interest,
          options,
        )
      }

      /// Drops the handle now. Pending operations on it reject with `ERR_HANDLE_CLOSED`; any
      /// later call throws `ERR_HANDLE_CLOSED`. Closing twice is fine.
      /// `[Symbol.dispose]()` and `[Symbol.asyncDispose]()` do the same, so `using` works.
      #[napi]
      pub fn close(&self) {
        $crate::registry::close(self.id);
      }

      /// Lets this handle's pending operations keep the process alive again (the default),
      /// undoing `unref()`.
      #[napi(js_name = "ref")]
      pub fn ref_(&self, env: Env) -> napi::Result<()> {
        $crate::bridge::sync(&env, |_| $crate::registry::set_ref(self.id, true))
      }

      /// Stops this handle's pending operations from keeping the process alive: Node may exit
      /// while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`).
      #[napi]
      pub fn unref(&self, env: Env) -> napi::Result<()> {
        $crate::bridge::sync(&env, |_| $crate::registry::set_ref(self.id, false))
      }
    }
  };
}

/// The read side: `peek`, `pollPeek`, `readable`, `tryRead*`, `read`, `readExact`, `readToEnd`.
macro_rules! read_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// Receives data without removing it from the queue: the next read returns it again.
      /// Resolves with the number of bytes copied into `buf`; 0 means the peer closed.
      ///
      /// Cancel safety: cancel safe. Aborting consumes nothing.
      #[napi(
        ts_args_type = "buf: Uint8Array, options?: OpOptions",
        ts_return_type = "Promise<number>"
      )]
      pub fn peek(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::peek(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// Like `peek`, through tokio's `poll_peek`: settles when the poll would return `Ready`.
      /// Concurrent calls all settle, one after another.
      #[napi(ts_args_type = "buf: Uint8Array", ts_return_type = "Promise<number>")]
      pub fn poll_peek(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::poll_peek(&env, $crate::bridge::Handle::of(self.id, &this), buf)
      }

      /// Waits until the socket is readable. May be a false positive: `tryRead` can still throw
      /// `WouldBlock`, and then you wait again.
      ///
      /// Cancel safety: cancel safe.
      #[napi(ts_args_type = "options?: OpOptions", ts_return_type = "Promise<void>")]
      pub fn readable(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::readable(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }

      /// Reads what is available now into `buf` without waiting, returning the byte count.
      /// 0 means the peer closed its write side (or `buf` is empty). Throws `kind: 'WouldBlock'`
      /// (`code: 'EAGAIN'`) when there is nothing to read; that clears the readiness.
      #[napi(ts_args_type = "buf: Uint8Array")]
      pub fn try_read(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
        $crate::io::try_read(&env, self.id, buf)
      }

      /// `tryRead` into several buffers in order (`readv`), returning the total byte count.
      #[napi(ts_args_type = "bufs: Uint8Array[]")]
      pub fn try_read_vectored(&self, env: Env, bufs: Unknown<'_>) -> napi::Result<f64> {
        $crate::io::try_read_vectored(&env, self.id, bufs)
      }

      /// `tryRead` that appends to a growable `BytesMut`, growing it when it is full.
      #[napi(ts_args_type = "buf: BytesMut")]
      pub fn try_read_buf(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
        $crate::io::try_read_buf(&env, self.id, buf)
      }

      /// Reads into `buf`, waiting until at least one byte is there; resolves with the count,
      /// 0 at end of stream. Concurrent calls are served in call order with disjoint bytes.
      ///
      /// Cancel safety: cancel safe. If aborted, no data was read; the next call gets it.
      #[napi(
        ts_args_type = "buf: Uint8Array, options?: OpOptions",
        ts_return_type = "Promise<number>"
      )]
      pub fn read(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::read(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// Fills `buf` completely; rejects with `kind: 'UnexpectedEof'` if the stream ends first.
      ///
      /// Cancel safety: not cancel safe. If aborted, some bytes may have been read and lost.
      #[napi(
        ts_args_type = "buf: Uint8Array, options?: OpOptions",
        ts_return_type = "Promise<number>"
      )]
      pub fn read_exact(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::read_exact(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// Reads until end of stream and resolves with everything read, as a `Buffer`.
      ///
      /// Cancel safety: not cancel safe. If aborted, the bytes read so far are lost.
      #[napi(
        ts_args_type = "options?: OpOptions",
        ts_return_type = "Promise<Buffer>"
      )]
      pub fn read_to_end(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::read_to_end(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }
    }
  };
}

/// The write side: `writable`, `tryWrite*`, `write`, `writeAll`, `writeVectored`, `flush`,
/// `shutdown`.
macro_rules! write_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// Waits until the socket is writable. May be a false positive: `tryWrite` can still
      /// throw `WouldBlock`.
      ///
      /// Cancel safety: cancel safe.
      #[napi(ts_args_type = "options?: OpOptions", ts_return_type = "Promise<void>")]
      pub fn writable(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::writable(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }

      /// Writes what the socket takes now, without waiting; returns the byte count (possibly
      /// fewer than `buf.length`). Throws `kind: 'WouldBlock'` when the send buffer is full.
      #[napi(ts_args_type = "buf: Uint8Array")]
      pub fn try_write(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
        $crate::io::try_write(&env, self.id, buf)
      }

      /// `tryWrite` from several buffers in order (`writev`).
      #[napi(ts_args_type = "bufs: Uint8Array[]")]
      pub fn try_write_vectored(&self, env: Env, bufs: Unknown<'_>) -> napi::Result<f64> {
        $crate::io::try_write_vectored(&env, self.id, bufs)
      }

      /// Writes some of `buf`, waiting until the socket takes at least one byte; resolves with
      /// the count. `buf` is not kept: what the socket does not take at once is copied during
      /// the call. Concurrent writes are served in call order.
      ///
      /// Cancel safety: cancel safe. If aborted, nothing was written.
      #[napi(
        ts_args_type = "buf: Uint8Array, options?: OpOptions",
        ts_return_type = "Promise<number>"
      )]
      pub fn write(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::write(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// Writes all of `buf`.
      ///
      /// Cancel safety: not cancel safe. If aborted, part of `buf` may have been written.
      #[napi(
        ts_args_type = "buf: Uint8Array, options?: OpOptions",
        ts_return_type = "Promise<void>"
      )]
      pub fn write_all(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::write_all(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// Writes from several buffers in order with one `writev`; resolves with the count.
      ///
      /// Cancel safety: cancel safe.
      #[napi(
        ts_args_type = "bufs: Uint8Array[], options?: OpOptions",
        ts_return_type = "Promise<number>"
      )]
      pub fn write_vectored(
        &self,
        env: Env,
        this: This<'_>,
        bufs: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::write_vectored(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          bufs,
          options,
        )
      }

      /// A TCP socket has nothing to flush; resolves once the writes queued before it are done.
      #[napi(ts_args_type = "options?: OpOptions", ts_return_type = "Promise<void>")]
      pub fn flush(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::flush(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }

      /// Shuts the write direction down (sends a FIN) after the writes queued before it. The
      /// read direction stays open. Calling it again is fine.
      #[napi(ts_args_type = "options?: OpOptions", ts_return_type = "Promise<void>")]
      pub fn shutdown(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::io::shutdown(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }
    }
  };
}

/// `asRef()` of a half: a `TcpStream` view of the shared socket, closed with the half.
macro_rules! as_ref_method {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// A `TcpStream` view of the socket this half belongs to, for the `&self` methods
      /// (`nodelay`, `ttl`, `localAddr`, ...). Closing the view leaves the socket open; it is
      /// closed together with this half.
      #[napi(ts_return_type = "TcpStream")]
      pub fn as_ref(&self, env: Env, this: This<'_>) -> napi::Result<napi::sys::napi_value> {
        use napi::JsValue;
        $crate::stream::view_of(&env, self.id, this.object.raw())
      }
    }
  };
}

/// Releases the registry entry when the JS object is garbage collected.
macro_rules! drop_releases_handle {
  ($ty:ident) => {
    impl Drop for $ty {
      fn drop(&mut self) {
        $crate::registry::close(self.id);
      }
    }
  };
}
