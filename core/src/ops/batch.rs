//! Pulling a stream in batches, the one adapter every host uses for events and listings
//! (hosts pull; nothing is pushed to them).
//!
//! A pull waits for one item, then takes whatever else is ready, letting the producer run a few
//! times so that bytes already received become items (without that, a batch would often carry
//! one item and cost a host round trip per event). An error met after some items is held back
//! and returned by the next pull, so the items before it are delivered first; after an error or
//! the end, every pull reports the end.

use std::future::Future;

use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};

use crate::client::{Error, Result};

/// Scheduler yields allowed without a new item before a batch is handed over.
const IDLE_YIELDS: u32 = 4;

/// What one pull gave.
#[derive(Debug)]
pub enum Batch<T> {
    /// At least one item.
    Items(Vec<T>),
    /// The stream ended (or was closed).
    End,
    /// The interrupt fired while waiting for the first item; nothing was taken.
    Interrupted,
}

/// A stream pulled in batches.
pub struct Batches<T> {
    items: Option<BoxStream<'static, Result<T>>>,
    held: Option<Error>,
}

impl<T: Send + 'static> Batches<T> {
    /// Batches of `items`.
    pub fn new(items: BoxStream<'static, Result<T>>) -> Self {
        Batches {
            items: Some(items),
            held: None,
        }
    }

    /// Waits for at least one item (unless `interrupt` resolves first) and returns up to `max`.
    pub async fn next(
        &mut self,
        max: usize,
        interrupt: impl Future<Output = ()>,
    ) -> Result<Batch<T>> {
        if let Some(e) = self.held.take() {
            self.items = None;
            return Err(e);
        }
        let Some(items) = self.items.as_mut() else {
            return Ok(Batch::End);
        };
        let first = tokio::select! {
            biased;
            () = interrupt => return Ok(Batch::Interrupted),
            x = items.next() => x,
        };
        let first = match first {
            None => {
                self.items = None;
                return Ok(Batch::End);
            }
            Some(Err(e)) => {
                self.items = None;
                return Err(e);
            }
            Some(Ok(v)) => v,
        };
        let max = max.max(1);
        let mut out = Vec::with_capacity(max.min(64));
        out.push(first);
        let mut idle = 0;
        while out.len() < max {
            match items.next().now_or_never() {
                Some(Some(Ok(v))) => {
                    idle = 0;
                    out.push(v);
                }
                Some(Some(Err(e))) => {
                    self.held = Some(e);
                    break;
                }
                Some(None) => {
                    self.items = None;
                    break;
                }
                None if idle < IDLE_YIELDS => {
                    idle += 1;
                    tokio::task::yield_now().await;
                }
                None => break,
            }
        }
        Ok(Batch::Items(out))
    }

    /// Ends the stream: its source (and so its connection) is dropped.
    pub fn close(&mut self) {
        self.items = None;
        self.held = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    #[tokio::test]
    async fn delivers_items_before_a_held_error_then_ends() {
        let items: Vec<Result<u32>> = vec![Ok(1), Ok(2), Err(Error::validation("boom")), Ok(4)];
        let mut b = Batches::new(stream::iter(items).boxed());
        let never = || std::future::pending::<()>();
        match b.next(10, never()).await.unwrap() {
            Batch::Items(v) => assert_eq!(v, vec![1, 2]),
            other => panic!("{other:?}"),
        }
        assert!(b.next(10, never()).await.is_err());
        assert!(matches!(b.next(10, never()).await.unwrap(), Batch::End));
    }

    #[tokio::test]
    async fn respects_max_and_interrupts_only_the_wait() {
        let mut b = Batches::new(stream::iter((0..5).map(Ok)).boxed());
        match b.next(2, std::future::pending()).await.unwrap() {
            Batch::Items(v) => assert_eq!(v, vec![0, 1]),
            other => panic!("{other:?}"),
        }
        let mut idle: Batches<u32> = Batches::new(stream::pending().boxed());
        assert!(matches!(
            idle.next(2, async {}).await.unwrap(),
            Batch::Interrupted
        ));
        idle.close();
        assert!(matches!(idle.next(2, async {}).await.unwrap(), Batch::End));
    }
}
