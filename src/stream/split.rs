//! The halves of a `TcpStream`: borrowed (`split`) and owned (`intoSplit`), with `reunite`.

use napi::Env;
use napi::bindgen_prelude::{This, Unknown};

use crate::bridge::sync;
use crate::errors::{NetError, NetResult};
use crate::js::raw;
use crate::registry::{self, ConnKind, Core, Direction, Resource};

use super::TcpStream;

/// `asRef()` of a half: a `TcpStream` view of the shared socket, closed with the half.
macro_rules! as_ref_method {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// A `TcpStream` view entry of this half's connection, closed with the half; closing the view
      /// leaves the socket open.
      #[napi(ts_return_type = "TcpStream")]
      pub fn as_ref(&self, env: Env, this: This<'_>) -> napi::Result<napi::sys::napi_value> {
        use napi::JsValue;
        super::view_of(&env, self.id, this.object.raw())
      }
    }
  };
}

/// `tokio::net::tcp::ReadHalf`: a registry entry closed with its stream.
#[napi]
pub struct ReadHalf {
  pub(crate) id: u64,
}

/// `tokio::net::tcp::WriteHalf`: a registry entry closed with its stream; closing it shuts nothing
/// down.
#[napi]
pub struct WriteHalf {
  pub(crate) id: u64,
}

/// `tokio::net::tcp::OwnedReadHalf`: a registry entry owning its share of the connection.
#[napi]
pub struct OwnedReadHalf {
  pub(crate) id: u64,
}

/// `tokio::net::tcp::OwnedWriteHalf`: closing or collecting it shuts the write direction down,
/// unless `forget` was called.
#[napi]
pub struct OwnedWriteHalf {
  pub(crate) id: u64,
}

handle_methods!(ReadHalf);
read_methods!(ReadHalf);
as_ref_method!(ReadHalf);
drop_releases_handle!(ReadHalf);

handle_methods!(WriteHalf);
write_methods!(WriteHalf);
as_ref_method!(WriteHalf);
drop_releases_handle!(WriteHalf);

handle_methods!(OwnedReadHalf);
read_methods!(OwnedReadHalf);
as_ref_method!(OwnedReadHalf);
drop_releases_handle!(OwnedReadHalf);

handle_methods!(OwnedWriteHalf);
write_methods!(OwnedWriteHalf);
as_ref_method!(OwnedWriteHalf);
drop_releases_handle!(OwnedWriteHalf);

/// Registers the two owned halves of a connection.
pub(crate) fn owned_pair(core: std::sync::Arc<Core>) -> (u64, u64) {
  let owned = |direction| ConnKind::Half {
    direction,
    owned: true,
  };
  let read = registry::insert(Resource::Conn(core.clone(), owned(Direction::Read)));
  let write = registry::insert(Resource::Conn(core, owned(Direction::Write)));
  (read, write)
}

fn owned_core(id: u64, direction: Direction) -> NetResult<std::sync::Arc<Core>> {
  let owned = ConnKind::Half {
    direction,
    owned: true,
  };
  registry::get(id, "an owned half", |resource, _| match resource {
    Resource::Conn(core, kind) if *kind == owned => Some(core.clone()),
    _ => None,
  })
}

/// Puts two owned halves back together. Halves of two sockets are refused with
/// `ERR_REUNITE`, which the public class turns into a `ReuniteError` holding both.
fn reunite(read_id: u64, write_id: u64) -> NetResult<TcpStream> {
  let read_core = owned_core(read_id, Direction::Read)?;
  let write_core = owned_core(write_id, Direction::Write)?;
  if !std::sync::Arc::ptr_eq(&read_core, &write_core) {
    return Err(NetError::Reunite);
  }
  registry::take(read_id)?;
  // Taken, not closed: reuniting must not send the FIN that closing the write half would.
  registry::take(write_id)?;
  let id = registry::insert(Resource::Conn(read_core, ConnKind::Stream));
  Ok(TcpStream { id })
}

#[napi]
impl OwnedReadHalf {
  /// `OwnedReadHalf::reunite`, consuming both; a mismatch throws `ReuniteError`, halves intact.
  #[napi]
  pub fn reunite(&self, env: Env, other: Unknown<'_>) -> napi::Result<TcpStream> {
    sync(&env, |js| {
      let write = js
        .with_instance(raw(&other), |w: &OwnedWriteHalf| w.id)
        .ok_or_else(|| NetError::arg_type("other", "an instance of OwnedWriteHalf"))?;
      reunite(self.id, write)
    })
  }
}

#[napi]
impl OwnedWriteHalf {
  /// `OwnedWriteHalf::reunite`, as `OwnedReadHalf.reunite`.
  #[napi]
  pub fn reunite(&self, env: Env, other: Unknown<'_>) -> napi::Result<TcpStream> {
    sync(&env, |js| {
      let read = js
        .with_instance(raw(&other), |r: &OwnedReadHalf| r.id)
        .ok_or_else(|| NetError::arg_type("other", "an instance of OwnedReadHalf"))?;
      reunite(read, self.id)
    })
  }

  /// `OwnedWriteHalf::forget`: consumes this half without shutting the write direction down.
  #[napi]
  pub fn forget(&self, env: Env) -> napi::Result<()> {
    sync(&env, |_| {
      owned_core(self.id, Direction::Write)?;
      registry::take(self.id)?;
      Ok(())
    })
  }
}
