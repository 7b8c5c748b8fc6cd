//! What this process learns from each of its own commits: a count (so a read after a write of
//! this process waits until the change-feed follower has applied it, see `crate::feed`), a
//! wake-up for the follower (so it reads the write at once instead of at its next poll), and the
//! write's [`Revision`], which the response carries back as `Canopy-Revision`.
//!
//! A commit is counted only after its commit returned: the follower takes the count before it
//! reads the feed, so every write counted then is committed and in what it reads.

use std::{
    cell::RefCell,
    sync::atomic::{AtomicU64, Ordering},
};

use super::revision::Revision;

#[derive(Default)]
pub(crate) struct Commits {
    count: AtomicU64,
    wake: tokio::sync::Notify,
}

tokio::task_local! {
    /// The latest revision a request's writes committed, for its response.
    static WRITTEN: RefCell<Option<Revision>>;
}

impl Commits {
    pub(super) fn committed(&self, revision: Option<Revision>) {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.wake.notify_one();
        // Outside a request's scope (start-up tasks, the command line) there is no one to tell.
        if let Some(revision) = revision {
            let _ = WRITTEN.try_with(|written| *written.borrow_mut() = Some(revision));
        }
    }

    /// How many writes this process has committed.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Resolves at the next commit of this process (or at once if one came since the last call).
    pub(crate) async fn next(&self) {
        self.wake.notified().await;
    }
}

/// Runs `request`, and answers with the revision of the last write it committed, if any.
pub async fn recording_revision<F: Future>(request: F) -> (F::Output, Option<Revision>) {
    WRITTEN
        .scope(RefCell::new(None), async move {
            let output = request.await;
            (output, WRITTEN.with(|written| written.borrow_mut().take()))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_learns_the_revision_of_its_last_commit() {
        let commits = Commits::default();
        let ((), revision) = recording_revision(async {
            commits.committed(Some(Revision::Rowid(3)));
            commits.committed(Some(Revision::Rowid(9)));
        })
        .await;
        assert_eq!(revision, Some(Revision::Rowid(9)));
        assert_eq!(commits.count(), 2);
        let ((), none) = recording_revision(async {}).await;
        assert_eq!(none, None, "a request that wrote nothing has no revision");
        commits.committed(None);
        assert_eq!(commits.count(), 3, "outside a request a commit is still counted");
    }
}
