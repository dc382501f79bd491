//! `Lines`: the lines of a `BufReader`, as tokio's `AsyncBufReadExt::lines` gives them.
//!
//! tokio's `Lines` hands out one `String` per `next_line`. Handing each line to JS through its own
//! native promise would cost more than the line, so the async iterator takes every complete line
//! the buffer holds in one call (`iterChunk`: one string, the lines joined by line feeds) and JS
//! splits it. The lines split and not yet yielded wait in a queue of the `Lines` object (in the JS
//! of `exports.rs`), which `nextLine` serves first, so iteration and `nextLine` share one order.

use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;

use napi::bindgen_prelude::{This, Unknown};
use napi::{Env, sys};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::Mutex;

use crate::bridge::{self, Handle, Promise, Start};
use crate::errors::{IoResultExt, MAX_STRING_LENGTH, NetError, NetResult};
use crate::js::{HeldRef, Js};
use crate::ops::wrapper::TokioBufReader;
use crate::registry::{self, ConnKind, Core, Resource, Wrapper};

/// `AsyncBufReadExt::lines` over the state `BufReader.lines()` took over; closing or collecting it
/// closes the connection.
#[napi]
pub struct Lines {
  pub(crate) id: u64,
  /// The `BufReader`'s object, which keeps a borrowed half's stream alive.
  _kept: HeldRef,
}

drop_releases_handle!(Lines);
ref_methods!(Lines);

/// What a `Lines` entry holds: the reader, the start of a line not complete yet, and lines the
/// JS iterator handed back.
struct LinesState {
  inner: Mutex<LinesInner>,
  /// The connection, whose read queue each call takes its place in (see `ReaderTurn`).
  core: Arc<Core>,
}

impl Wrapper for LinesState {
  fn core(&self) -> &Arc<Core> {
    &self.core
  }
}

struct LinesInner {
  reader: TokioBufReader,
  partial: Vec<u8>,
  /// A read error met while gathering more lines, reported by the next call.
  deferred: Option<io::Error>,
}

/// `bytes` as text, or tokio's `InvalidData` error for a line that is not UTF-8.
fn utf8(bytes: &[u8]) -> io::Result<&str> {
  std::str::from_utf8(bytes).map_err(|_| {
    io::Error::new(
      io::ErrorKind::InvalidData,
      "stream did not contain valid UTF-8",
    )
  })
}

/// The complete lines at the start of `bytes` when they can go to JS as they are: valid UTF-8
/// without a `\r` (which would have to be dropped before its line feed). Gives their text,
/// through the last line feed. A line that is not UTF-8 is left to the line-by-line path, which
/// hands over the lines before it first.
fn whole_lines(bytes: &[u8]) -> Option<&str> {
  let block = &bytes[..memchr::memrchr(b'\n', bytes)? + 1];
  if memchr::memchr(b'\r', block).is_some() {
    return None;
  }
  std::str::from_utf8(block).ok()
}

/// How much text one iterator call gathers (about; a buffer fill may pass it) before handing it to
/// JS. Below V8's large-object size (128 KiB), so the string is made in the young generation
/// rather than in pages of its own: 64 KiB measured faster than 256 KiB on the lines benchmark.
const CHUNK_TEXT: usize = 64 * 1024;

/// Whether `reader` has bytes now, without waiting: buffered, or readable from the socket at
/// once. A read error is kept in `deferred` for the next call to report: the lines gathered
/// before it go out first, as they would one call at a time.
async fn more_ready(reader: &mut TokioBufReader, deferred: &mut Option<io::Error>) -> bool {
  std::future::poll_fn(|cx| {
    let ready = match Pin::new(&mut *reader).poll_fill_buf(cx) {
      Poll::Ready(Ok(bytes)) => !bytes.is_empty(),
      Poll::Ready(Err(e)) => {
        *deferred = Some(e);
        false
      }
      Poll::Pending => false,
    };
    Poll::Ready(ready)
  })
  .await
}

/// Consumes the `used` bytes the lines handed over came from.
fn finish(reader: &mut TokioBufReader, used: usize) -> NetResult<bool> {
  reader.consume(used);
  Ok(true)
}

/// Whether a line of `len` bytes can join the lines in `out` (each followed by `\n`): the string
/// JS gets is `out` with this line, less the last line feed, and it must be within V8's limit.
fn fits(out: &str, len: usize) -> bool {
  out.len().saturating_add(len) <= MAX_STRING_LENGTH
}

/// Empties `partial` once its line is handed over or has failed. A long line's memory is given
/// back rather than kept for the lines after it; a small allocation is kept.
fn clear_partial(partial: &mut Vec<u8>) {
  if partial.capacity() > CHUNK_TEXT {
    *partial = Vec::new();
  } else {
    partial.clear();
  }
}

impl LinesInner {
  /// Appends up to `max` lines to `out`, each followed by `\n`, waiting only while there is no
  /// complete line; false at end of stream. The only wait is for more bytes, and whatever was
  /// consumed before it is kept in `partial`: an abort loses nothing. A line that is not UTF-8,
  /// or too long for a JS string (`ERR_STRING_TOO_LONG`), is consumed and fails the call, as in
  /// tokio, unless lines before it are ready: then those are returned and the next call fails.
  /// `out` never grows past what one JS string can hold.
  async fn take_lines(&mut self, max: usize, out: &mut String) -> NetResult<bool> {
    // Lines taken, for the bound `max`; a block taken whole counts once, as only an unbounded
    // call takes blocks, and it only asks whether any line came.
    let mut count = 0;
    if let Some(e) = self.deferred.take() {
      return Err(NetError::io(e, "read"));
    }
    let LinesInner {
      reader,
      partial,
      deferred,
      ..
    } = self;
    loop {
      let available = reader.fill_buf().await.syscall("read")?;
      if available.is_empty() {
        // End of stream: a last line without a line ending still counts.
        if partial.is_empty() {
          return Ok(false);
        }
        if !fits(out, partial.len()) {
          if count > 0 {
            return Ok(true);
          }
          let len = partial.len();
          clear_partial(partial);
          return Err(NetError::StringTooLong { len });
        }
        // As tokio does, a `\r` goes only with a line feed: this line keeps it.
        let line = std::mem::take(partial);
        out.push_str(utf8(&line).syscall("read")?);
        out.push('\n');
        return Ok(true);
      }
      let mut used = 0;
      let before = count;
      // The iterator takes every line: where they need no change, in one piece.
      let mut whole = max == usize::MAX;
      while count < max {
        if whole && partial.is_empty() {
          // (A block that might not fit, which only a buffer larger than the limit can hold,
          // goes line by line, where each line is measured.)
          if let Some(text) = whole_lines(&available[used..])
            && fits(out, text.len())
          {
            out.push_str(text);
            used += text.len();
            count += 1;
            break;
          }
          whole = false;
        }
        let Some(offset) = memchr::memchr(b'\n', &available[used..]) else {
          break;
        };
        let end = used + offset;
        let started = partial.len();
        let line: &[u8] = if partial.is_empty() {
          &available[used..end]
        } else {
          partial.extend_from_slice(&available[used..end]);
          &partial[..]
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = if fits(out, line.len()) {
          utf8(line).syscall("read")
        } else {
          Err(NetError::StringTooLong { len: line.len() })
        };
        match text {
          Ok(text) => out.push_str(text),
          // Lines before it are ready: hand them over, and fail on this one next time (its
          // bytes stay where they were).
          Err(_) if count > 0 => {
            partial.truncate(started);
            return finish(reader, used);
          }
          Err(e) => {
            clear_partial(partial);
            reader.consume(end + 1);
            return Err(e);
          }
        }
        out.push('\n');
        clear_partial(partial);
        used = end + 1;
        count += 1;
      }
      if count == max {
        return finish(reader, used);
      }
      if count == before {
        // No line ending in these bytes: keep them as the start of the next line.
        partial.extend_from_slice(available);
        used = available.len();
      }
      reader.consume(used);
      // More lines may be buffered already, or the socket may have more at once: take them too
      // (within one chunk's worth), so a fast sender's lines cross into JS in few calls.
      if count > 0 && (out.len() >= CHUNK_TEXT || !more_ready(reader, deferred).await) {
        return Ok(true);
      }
    }
  }
}

impl Lines {
  pub(crate) fn over(
    reader: TokioBufReader,
    kind: ConnKind,
    parent: Option<u64>,
    refed: bool,
    kept: HeldRef,
  ) -> Lines {
    let state = LinesState {
      core: reader.get_ref().core.clone(),
      inner: Mutex::new(LinesInner {
        reader,
        partial: Vec::new(),
        deferred: None,
      }),
    };
    let id = registry::insert_handed_over(Resource::Buffered(Rc::new(state), kind), parent, refed);
    Lines { id, _kept: kept }
  }

  /// Takes up to `max` lines; `finish` turns them (each followed by `\n`) into the promise's
  /// value.
  fn take(
    &self,
    env: &Env,
    this: &This<'_>,
    options: Option<Unknown<'_>>,
    max: usize,
    finish: impl FnOnce(Js, NetResult<Option<String>>) -> NetResult<sys::napi_value> + 'static,
  ) -> napi::Result<Promise> {
    bridge::spawn_then(
      env,
      options.as_ref(),
      Some(Handle::of(self.id, this)),
      || {
        let (state, _, closed) = registry::buffered::<LinesState>(self.id)?;
        let mut turn = state.core.read_order.ticket();
        let fut = async move {
          turn.wait().await;
          let mut inner = state.inner.lock().await;
          let mut out = String::new();
          let took = inner.take_lines(max, &mut out).await?;
          Ok(took.then_some(out))
        };
        Ok(Start::Run(Some(closed), fut, finish))
      },
    )
  }
}

#[napi]
impl Lines {
  /// `Lines::next_line`; a non-UTF-8 or over-long line is consumed, then rejected.
  #[napi(ts_return_type = "Promise<string | null>")]
  pub fn next_line(
    &self,
    env: Env,
    this: This<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    self.take(&env, &this, options, 1, |js, outcome| match outcome? {
      Some(mut line) => {
        line.pop();
        js.text(&line)
      }
      None => Ok(js.null()?),
    })
  }

  /// For the JS async iterator: every complete buffered line (waiting for one), joined by `\n`;
  /// `null` at end of stream or once closed.
  #[napi(skip_typescript)]
  pub fn iter_chunk(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    self.take(&env, &this, None, usize::MAX, |js, outcome| match outcome {
      Ok(Some(mut chunk)) => {
        chunk.pop();
        js.text(&chunk)
      }
      Ok(None) | Err(NetError::Closed) => Ok(js.null()?),
      Err(e) => Err(e),
    })
  }

  /// Closes the registry entry: a pending `iterChunk` gets `null`, a pending `nextLine` rejects.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    registry::close(self.id);
  }
}
