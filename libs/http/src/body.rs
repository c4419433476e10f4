//! Request bodies: a deadline for the whole body, and reads that stop as
//! soon as a body passes its limit.

use bytes::{Buf, Bytes};
use futures_util::{Stream, StreamExt};
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// The body did not arrive within the listener's `body_timeout`.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimedOut(pub Duration);

/// A body that fails once its deadline passes: a client trickling an
/// upload a byte at a time cannot hold a handler (and its memory) longer.
pub struct Deadline<B> {
    inner: B,
    limit: Duration,
    sleep: Pin<Box<Sleep>>,
    expired: bool,
}

impl<B> Deadline<B> {
    pub fn new(inner: B, limit: Duration) -> Self {
        Deadline {
            inner,
            limit,
            sleep: Box::pin(tokio::time::sleep(limit)),
            expired: false,
        }
    }
}

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.expired {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    self.expired = true;
                    let limit = self.limit;
                    return Poll::Ready(Some(Err(Box::new(BodyTimedOut(limit)))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Why a body could not be read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the body is over the {limit}-byte limit")]
    TooLarge { limit: usize },
    #[error("the body did not arrive in time")]
    TimedOut,
    #[error("the body ended early")]
    Incomplete,
}

/// Reads a body, stopping as soon as it passes `limit`.
pub async fn read_limited<S, B>(body: S, limit: usize) -> Result<Vec<u8>, ReadError>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    read_staged(body, limit, |_| None).await
}

/// Reads a body in two stages: up to `first` bytes; past that only if
/// `then`, shown those first bytes, names a larger limit. So a request
/// can say early what it is (ELY104 carries a PDF; nothing else may be
/// large) and be cut at the ordinary limit when it is anything else.
pub async fn read_staged<S, B>(
    body: S,
    first: usize,
    then: impl FnOnce(&[u8]) -> Option<usize>,
) -> Result<Vec<u8>, ReadError>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    let mut limit = first;
    let mut then = Some(then);
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|e| classify(&e))?;
        while out.len() + chunk.remaining() > limit {
            let raised = then
                .take()
                .and_then(|then| {
                    // The first `first` bytes, whatever chunk they came in.
                    let part = chunk.chunk();
                    let wanted = first.saturating_sub(out.len()).min(part.len());
                    if wanted == 0 {
                        return then(&out);
                    }
                    let mut head = Vec::with_capacity(out.len() + wanted);
                    head.extend_from_slice(&out);
                    head.extend_from_slice(&part[..wanted]);
                    then(&head)
                })
                .filter(|&more| more > limit);
            match raised {
                Some(more) => limit = more,
                None => return Err(ReadError::TooLarge { limit }),
            }
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            out.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(out)
}

fn classify(error: &warp::Error) -> ReadError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<BodyTimedOut>() {
            return ReadError::TimedOut;
        }
        source = e.source();
    }
    ReadError::Incomplete
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes, warp::Error>> {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn a_body_within_its_limit_is_read_whole() {
        let got = read_limited(chunks(&[b"ab", b"cd"]), 4).await;
        assert_eq!(got, Ok(b"abcd".to_vec()));
    }

    #[tokio::test]
    async fn a_body_over_its_limit_is_cut() {
        let got = read_limited(chunks(&[b"ab", b"cde"]), 4).await;
        assert_eq!(got, Err(ReadError::TooLarge { limit: 4 }));
    }

    #[tokio::test]
    async fn the_head_is_shown_even_when_it_came_in_one_large_chunk() {
        let raise = |head: &[u8]| (head == b"big:").then_some(10);
        let got = read_staged(chunks(&[b"big:12345"]), 4, raise).await;
        assert_eq!(got, Ok(b"big:12345".to_vec()));
        let got = read_staged(chunks(&[b"bi", b"g:12345"]), 4, raise).await;
        assert_eq!(got, Ok(b"big:12345".to_vec()));
    }

    #[tokio::test]
    async fn the_second_stage_is_allowed_only_when_the_head_says_so() {
        let raise = |head: &[u8]| (head == b"big:").then_some(10);
        let got = read_staged(chunks(&[b"big:", b"12345"]), 4, raise).await;
        assert_eq!(got, Ok(b"big:12345".to_vec()));
        let got = read_staged(chunks(&[b"lit:", b"12345"]), 4, raise).await;
        assert_eq!(got, Err(ReadError::TooLarge { limit: 4 }));
        let got = read_staged(chunks(&[b"big:", b"1234567"]), 4, raise).await;
        assert_eq!(got, Err(ReadError::TooLarge { limit: 10 }));
    }
}
