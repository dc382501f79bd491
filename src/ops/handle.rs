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
      #[napi(ts_return_type = "Promise<Ready>")]
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
      #[napi(catch_unwind)]
      pub fn close(&self) {
        $crate::registry::close(self.id);
      }
    }
    ref_methods!($ty);
  };
}

/// `ref()` / `unref()`: whether a handle's pending operations keep the process alive. A class
/// whose pending operations are of one kind says which in docs of its own:
/// `ref_methods!(Type { #[doc = " ..."] fn ref_; #[doc = " ..."] fn unref; })`.
///
/// Docs passed to this macro and to [`option_methods`] are `#[doc = " ..."]` attributes, not `///`
/// lines: napi-rs copies a doc literal's source text into `index.d.ts`, and a `///` line passed
/// through a macro arrives as a raw string (`r" ..."`). napi-rs lists methods in `index.d.ts` in
/// source order, so a class invokes these macros between two of its `impl` blocks, where the
/// methods belong.
macro_rules! ref_methods {
  ($ty:ident) => {
    ref_methods!($ty {
      #[doc = " Lets this handle's pending operations keep the process alive again (the default),"]
      #[doc = " undoing `unref()`."]
      fn ref_;
      #[doc = " Stops this handle's pending operations from keeping the process alive: Node may exit"]
      #[doc = " while they wait, as with an unref'd `net.Socket` (Deno's `TcpConn.unref()`). A wrapper"]
      #[doc = " (`BufReader`, `BufWriter`, `Lines`) or the handle `intoInner()` gives back keeps the"]
      #[doc = " setting of the handle it came from."]
      fn unref;
    });
  };
  ($ty:ident { $(#[doc = $ref_doc:literal])* fn ref_; $(#[doc = $unref_doc:literal])* fn unref; }) => {
    #[napi]
    impl $ty {
      $(#[doc = $ref_doc])*
      #[napi(js_name = "ref")]
      pub fn ref_(&self, env: napi::Env) -> napi::Result<()> {
        $crate::bridge::sync(&env, |_| $crate::registry::set_ref(self.id, true))
      }

      $(#[doc = $unref_doc])*
      #[napi]
      pub fn unref(&self, env: napi::Env) -> napi::Result<()> {
        $crate::bridge::sync(&env, |_| $crate::registry::set_ref(self.id, false))
      }
    }
  };
}

/// A socket option's getter and setter on `$ty`. `$with` reaches the socket as
/// [`crate::bridge::sync_with`] does: `fn(&Env, id, read_args, f)`, where `f` gets the tokio
/// socket, or what holds it in `.$field`. `$gate` is `everywhere`, or `unix_only` with the option's name for the `Unsupported`
/// error elsewhere. `$read` turns the setter's raw argument into the setter's value. The `ttl`
/// form declares `ttl`/`setTtl` with the getter's docs given.
macro_rules! option_methods {
  ($ty:ident via $with:ident $(.$field:ident)?, ttl { $(#[doc = $get_doc:literal])* }) => {
    option_methods!($ty via $with $(.$field)?, everywhere "" {
      $(#[doc = $get_doc])*
      fn ttl() -> u32;
      #[doc = " Sets the IP time-to-live (1 to 255)."]
      fn set_ttl(ttl) = |js, ttl| Ok(js.uint_arg(ttl, "ttl", 255.0)? as u32);
    });
  };
  (
    $ty:ident via $with:ident $(.$field:ident)?, $gate:ident $what:literal {
      $(#[doc = $get_doc:literal])* fn $get:ident() -> $out:ty;
      $(#[doc = $set_doc:literal])* fn $set:ident($arg:ident) = $read:expr;
    }
  ) => {
    #[napi]
    impl $ty {
      $(#[doc = $get_doc])*
      #[napi]
      pub fn $get(&self, env: napi::Env) -> napi::Result<$out> {
        use $crate::errors::IoResultExt;
        $with(&env, self.id, $crate::args::no_args, |_, (), socket| {
          $crate::platform::$gate!($what, socket$(.$field)?.$get()).syscall("getsockopt")
        })
      }

      $(#[doc = $set_doc])*
      #[napi]
      pub fn $set(&self, env: napi::Env, $arg: napi::bindgen_prelude::Unknown<'_>) -> napi::Result<()> {
        use $crate::errors::IoResultExt;
        let read: fn($crate::js::Js, napi::sys::napi_value) -> $crate::errors::NetResult<_> = $read;
        $with(
          &env,
          self.id,
          |js| read(js, $crate::js::raw(&$arg)),
          |_, value, socket| $crate::platform::$gate!($what, socket$(.$field)?.$set(value)).syscall("setsockopt"),
        )
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
