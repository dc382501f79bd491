//! How a buffered wrapper takes a stream or half over, as tokio's `BufReader::new` and
//! `BufWriter::new` move theirs, and how `intoInner()` gives it back.

use std::sync::Arc;

use napi::sys;

use crate::errors::{NetError, NetResult};
use crate::js::{HeldRef, Js};
use crate::ops::to_js_class;
use crate::registry::{self, ConnKind, Core, Direction, Resource, Taken};

use super::TcpStream;
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};

/// The registry id behind a `TcpStream` or one of the four halves, if `value` is one.
pub fn handle_id(js: Js, value: sys::napi_value) -> Option<u64> {
  js.with_instance(value, |s: &TcpStream| s.id)
    .or_else(|| js.with_instance(value, |h: &ReadHalf| h.id))
    .or_else(|| js.with_instance(value, |h: &OwnedReadHalf| h.id))
    .or_else(|| js.with_instance(value, |h: &WriteHalf| h.id))
    .or_else(|| js.with_instance(value, |h: &OwnedWriteHalf| h.id))
}

/// The JS object of a stream, view or half `id` of kind `kind`.
fn conn_to_js(js: Js, id: u64, kind: ConnKind) -> NetResult<sys::napi_value> {
  use Direction::{Read, Write};
  let ConnKind::Half { direction, owned } = kind else {
    return to_js_class(js, TcpStream { id });
  };
  match (direction, owned) {
    (Read, false) => to_js_class(js, ReadHalf { id }),
    (Read, true) => to_js_class(js, OwnedReadHalf { id }),
    (Write, false) => to_js_class(js, WriteHalf { id }),
    (Write, true) => to_js_class(js, OwnedWriteHalf { id }),
  }
}

/// Takes over the stream or half `value` for a buffered wrapper, as tokio's `BufReader::new`
/// and `BufWriter::new` move theirs: `value` is closed for other use from here on. Also hands
/// back a reference to `value`, which the wrapper keeps: it keeps a borrowed half's stream alive.
pub fn take_over(
  js: Js,
  value: sys::napi_value,
  name: &str,
  expected: &str,
  direction: Direction,
) -> NetResult<(Taken, HeldRef)> {
  // The type first: Node-API makes no reference to a primitive.
  let id = handle_id(js, value).ok_or_else(|| NetError::arg_type(name, expected))?;
  let kept = HeldRef::new(js, value)?;
  let (_, kind, _) = registry::conn(id)?;
  if !kind.goes(direction) {
    return Err(NetError::arg_type(name, expected));
  }
  Ok((registry::take_io(id, |kind| kind.goes(direction))?, kept))
}

/// `intoInner()` of a buffered wrapper: hands the stream or half back as a new object of its
/// kind (a borrowed half or view again belongs to its stream). The wrapper is consumed.
pub fn give_back(
  js: Js,
  id: u64,
  core: Arc<Core>,
  kept: Option<&HeldRef>,
) -> NetResult<sys::napi_value> {
  let (parent, kind) = registry::parent_and_kind(id)?;
  let refed = registry::is_refed(id);
  let resource = registry::take(id)?;
  drop(resource);
  let new_id = registry::insert_handed_over(Resource::Conn(core, kind), parent, refed);
  let object = conn_to_js(js, new_id, kind)?;
  if parent.is_some()
    && let Some(original) = kept
  {
    // The object handed in keeps its stream alive; the one handed back does so through it.
    js.keep_parent(object, original.value()?)?;
  }
  Ok(object)
}
