//! The feed positions of the writes this process committed, so the change-feed follower
//! (`crate::feed`) tells them from other processes' writes: a write of this process has already
//! retired what it made stale (its own generation bump), and retiring the index again when the
//! feed brings the same write back would throw away the rebuild that write started.
//!
//! A mark is recorded only after its commit returned: a follower that reads the write before the
//! mark exists takes it for a foreign one (one rebuild too many, never a stale answer), while a
//! mark of a write that did not commit could hide another process's write that reused its
//! position (SQLite hands the rowids of a rolled-back write to the next writer).

use std::{collections::VecDeque, sync::Mutex};

/// Marks kept at most; older ones (long read by the follower) are dropped first.
const KEEP: usize = 4_096;

#[derive(Default)]
pub(crate) struct OwnWrites {
    marks: Mutex<Marks>,
}

#[derive(Default)]
struct Marks {
    /// SQLite: the rowids of each committed write's audit events, `(after, last]`.
    rowids: VecDeque<(i64, i64)>,
    /// PostgreSQL: the transaction id of each committed write (`xid8` as text).
    xacts: VecDeque<String>,
}

impl OwnWrites {
    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.marks.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn committed_rowids(&self, after: i64, last: i64) {
        if last > after {
            let mut marks = self.marks();
            if marks.rowids.len() == KEEP {
                marks.rowids.pop_front();
            }
            marks.rowids.push_back((after, last));
        }
    }

    pub(super) fn committed_xact(&self, xact: String) {
        let mut marks = self.marks();
        if marks.xacts.len() == KEEP {
            marks.xacts.pop_front();
        }
        marks.xacts.push_back(xact);
    }

    /// Of the `count` events with rowids in `(after, last]`, how many another process wrote;
    /// marks the follower has now read past are dropped.
    pub(super) fn foreign_rowids(&self, after: i64, last: i64, count: i64) -> i64 {
        let mut marks = self.marks();
        let own: i64 = marks.rowids.iter().map(|&(lo, hi)| (hi.min(last) - lo.max(after)).max(0)).sum();
        marks.rowids.retain(|&(_, hi)| hi > last);
        count - own
    }

    /// Of the events counted per transaction id, how many another process wrote; the marks of
    /// the transactions read are dropped.
    pub(super) fn foreign_xacts(&self, counted: &[(String, i64)]) -> i64 {
        let mut marks = self.marks();
        let mut foreign = 0;
        for (xact, count) in counted {
            match marks.xacts.iter().position(|own| own == xact) {
                Some(at) => {
                    marks.xacts.remove(at);
                }
                None => foreign += count,
            }
        }
        foreign
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_events_outside_this_processs_writes_count() {
        let own = OwnWrites::default();
        own.committed_rowids(10, 15);
        own.committed_rowids(20, 22);
        // Rowids 11..=25 were read: 5 + 2 of them are this process's, 8 another's.
        assert_eq!(own.foreign_rowids(10, 25, 15), 8);
        assert_eq!(own.foreign_rowids(25, 30, 5), 5, "marks read past are gone");
        own.committed_rowids(30, 40);
        assert_eq!(own.foreign_rowids(30, 35, 5), 0, "a write read half-way");
        assert_eq!(own.foreign_rowids(35, 40, 5), 0, "and its other half");

        own.committed_xact("7".into());
        assert_eq!(own.foreign_xacts(&[("7".into(), 10_000), ("8".into(), 1)]), 1);
        assert_eq!(own.foreign_xacts(&[("7".into(), 3)]), 3, "a mark counts once");
    }
}
