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
      /// `local_addr` of the connection.
      #[napi(ts_return_type = "SocketAddr")]
      pub fn local_addr(&self, env: Env) -> napi::Result<napi::sys::napi_value> {
        $crate::ops::local_addr(&env, self.id)
      }

      /// `peer_addr` of the connection.
      #[napi(ts_return_type = "SocketAddr")]
      pub fn peer_addr(&self, env: Env) -> napi::Result<napi::sys::napi_value> {
        $crate::ops::peer_addr(&env, self.id)
      }

      /// `TcpStream::ready`; readiness stays set until an operation hits `WouldBlock`.
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

      /// Closes the registry entry: pending operations reject with `ERR_HANDLE_CLOSED`; idempotent.
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
/// lines: napi-rs copies a doc literal's source text into `binding.d.ts`, and a `///` line passed
/// through a macro arrives as a raw string (`r" ..."`). napi-rs lists methods in `binding.d.ts` in
/// source order, so a class invokes these macros between two of its `impl` blocks, where the
/// methods belong.
macro_rules! ref_methods {
  ($ty:ident) => {
    ref_methods!($ty {
      #[doc = " Sets the entry's ref flag: pending operations keep the loop alive (the default)."]
      fn ref_;
      #[doc = " Clears the entry's ref flag; a wrapper or `intoInner()` result inherits it."]
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
      #[doc = " `set_ttl`, 1 to 255."]
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
