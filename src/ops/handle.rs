//! What every stream-like handle has (addresses, readiness, close, ref/unref, collection),
//! declared once for every class that has it.

use napi::Env;
use napi::sys;

use crate::addr::new_socket_addr;
use crate::bridge::sync;
use crate::errors::IoResultExt;
use crate::registry;

/// `localAddr`, `peerAddr`, `ready` and `close`: what every stream-like handle has.
macro_rules! handle_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// The local address this socket is bound to.
      #[napi(ts_return_type = "SocketAddr")]
      pub fn local_addr(&self, env: Env) -> napi::Result<napi::sys::napi_value> {
        $crate::ops::local_addr(&env, self.id)
      }

      /// The address of the remote peer.
      #[napi(ts_return_type = "SocketAddr")]
      pub fn peer_addr(&self, env: Env) -> napi::Result<napi::sys::napi_value> {
        $crate::ops::peer_addr(&env, self.id)
      }

      /// Waits for any of the requested readiness states (`Interest` flags combined with `|`).
      ///
      /// The result may be a false positive: a later `tryRead`/`tryWrite` can still throw
      /// `WouldBlock`. Readiness is cleared only when an operation hits WouldBlock.
      ///
      /// Cancel safety: cancel safe. Once readiness is seen, it stays set, and later waits return
      /// at once, until an operation that finds the socket not ready after all (a `tryRead` or
      /// `tryWrite` throwing `WouldBlock`) clears it; aborting a wait consumes nothing.
      #[napi(
        ts_args_type = "interest: Interest | number, options?: OpOptions",
        ts_return_type = "Promise<Ready>"
      )]
      pub fn ready(
        &self,
        env: Env,
        this: This<'_>,
        interest: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::ready(
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
    }
    ref_methods!($ty);
  };
}

/// `ref()` / `unref()`: whether a handle's pending operations keep the process alive.
macro_rules! ref_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// Lets this handle's pending operations keep the process alive again (the default),
      /// undoing `unref()`.
      #[napi(js_name = "ref")]
      pub fn ref_(&self, env: Env) -> napi::Result<()> {
        $crate::bridge::sync(&env, |_| $crate::registry::set_ref(self.id, true))
      }

      /// Stops this handle's pending operations from keeping the process alive: Node may exit
      /// while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper
      /// (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the
      /// setting of the handle it came from.
      #[napi]
      pub fn unref(&self, env: Env) -> napi::Result<()> {
        $crate::bridge::sync(&env, |_| $crate::registry::set_ref(self.id, false))
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

pub fn local_addr(env: &Env, id: u64) -> napi::Result<sys::napi_value> {
  sync(env, |js| {
    let (core, _) = registry::core(id)?;
    new_socket_addr(js, core.io.local_addr().syscall("getsockname")?)
  })
}

pub fn peer_addr(env: &Env, id: u64) -> napi::Result<sys::napi_value> {
  sync(env, |js| {
    let (core, _) = registry::core(id)?;
    new_socket_addr(js, core.io.peer_addr().syscall("getpeername")?)
  })
}
