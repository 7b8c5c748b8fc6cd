//! Revisions: places in the change feed, and the opaque `Canopy-Revision` tokens that carry them.
//!
//! SQLite has one writer at a time, so a revision is the rowid of an audit event (the feed is in
//! rowid order). PostgreSQL commits transactions in an order their ids do not follow, so a
//! revision is a snapshot (`pg_current_snapshot()`): everything visible in it. A write answers
//! with the snapshot taken right after its commit; a reader's place is the snapshot it last read
//! at; a page of `GET /api/v1/changes` that stops inside what is visible is a [`Revision::Cursor`]. A token names the database it came from, so a token of another database (or of the
//! same server pointed at a restored copy) is refused instead of being compared with numbers that
//! mean something else there.

use std::fmt;

/// A place in the change feed, or a write's place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// SQLite: everything up to and including this audit rowid.
    Rowid(i64),
    /// PostgreSQL: everything visible in this snapshot.
    Snapshot(Snapshot),
    /// PostgreSQL: everything visible in `seen`, and of what is visible in `upto`, every event up
    /// to `through` in feed order (transaction id, then event id).
    Cursor { seen: Snapshot, upto: Snapshot, through: (u64, String) },
}

/// A PostgreSQL snapshot, `xmin:xmax:xip1,xip2,...`: transactions below `xmin` are settled,
/// those from `xmax` on had not started, and those in `in_progress` were running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub xmin: u64,
    pub xmax: u64,
    pub in_progress: Vec<u64>,
}

impl Snapshot {
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, ':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let list = parts.next()?;
        let in_progress = if list.is_empty() { Vec::new() } else { list.split(',').map(|x| x.parse().ok()).collect::<Option<Vec<u64>>>()? };
        (xmin <= xmax && in_progress.iter().all(|x| (xmin..xmax).contains(x))).then_some(Self { xmin, xmax, in_progress })
    }

    /// Whether transaction `xact` (known to have committed) is visible in this snapshot.
    pub fn sees(&self, xact: u64) -> bool {
        xact < self.xmin || (xact < self.xmax && !self.in_progress.contains(&xact))
    }

    /// Whether every transaction visible in `other` is visible here.
    pub fn covers(&self, other: &Snapshot) -> bool {
        other.xmax <= self.xmax
            // A transaction this snapshot does not see must not be one `other` sees.
            && self.in_progress.iter().all(|x| *x >= other.xmax || other.in_progress.contains(x))
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.xmin, self.xmax)?;
        for (n, x) in self.in_progress.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{x}")?;
        }
        Ok(())
    }
}

impl Revision {
    /// Whether a reader at `self` has seen everything of `wanted`. Revisions of the other
    /// backend are never covered; a cursor asks for all it might have seen (`upto`).
    pub fn covers(&self, wanted: &Revision) -> bool {
        match (self, wanted) {
            (Revision::Rowid(at), Revision::Rowid(want)) => at >= want,
            (Revision::Snapshot(at), Revision::Snapshot(want)) => at.covers(want),
            (Revision::Snapshot(at), Revision::Cursor { upto, .. }) => at.covers(upto),
            _ => false,
        }
    }

    /// The opaque token of this revision of database `database`.
    pub fn token(&self, database: &str) -> String {
        match self {
            Revision::Rowid(rowid) => format!("{database}.r{rowid}"),
            Revision::Snapshot(snapshot) => format!("{database}.s{snapshot}"),
            Revision::Cursor { seen, upto, through: (xact, event) } => format!("{database}.c{seen}~{upto}~{xact}~{event}"),
        }
    }

    /// Reads a token of database `database`.
    pub fn from_token(token: &str, database: &str) -> Result<Self, TokenError> {
        let (of, value) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let revision = match value.split_at_checked(1).ok_or(TokenError::Malformed)? {
            ("r", rowid) => Revision::Rowid(rowid.parse().ok().filter(|r: &i64| *r >= 0).ok_or(TokenError::Malformed)?),
            ("s", snapshot) => Revision::Snapshot(Snapshot::parse(snapshot).ok_or(TokenError::Malformed)?),
            ("c", cursor) => {
                let parts: Vec<&str> = cursor.split('~').collect();
                let [seen, upto, xact, event] = parts[..] else { return Err(TokenError::Malformed) };
                let (seen, upto) = (Snapshot::parse(seen).ok_or(TokenError::Malformed)?, Snapshot::parse(upto).ok_or(TokenError::Malformed)?);
                let xact = xact.parse().map_err(|_| TokenError::Malformed)?;
                if event.is_empty() || !event.chars().all(|c| c.is_ascii_hexdigit() || c == '-') || !upto.covers(&seen) {
                    return Err(TokenError::Malformed);
                }
                Revision::Cursor { seen, upto, through: (xact, event.to_owned()) }
            }
            _ => return Err(TokenError::Malformed),
        };
        if of != database {
            return Err(TokenError::OtherDatabase);
        }
        Ok(revision)
    }
}

/// Why a `Canopy-Revision` token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    OtherDatabase,
    /// Names a write the database has not committed.
    Future,
}

impl TokenError {
    pub fn message(self) -> &'static str {
        match self {
            TokenError::Malformed => "This is not a Canopy-Revision token; send back a value a Canopy response carried.",
            TokenError::OtherDatabase => "This Canopy-Revision token comes from another Canopy database.",
            TokenError::Future => "This Canopy-Revision token names a revision this database has not reached.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_name_their_database() {
        let cursor = Revision::Cursor {
            seen: Snapshot::parse("10:20:12,15").unwrap(),
            upto: Snapshot::parse("12:30:15").unwrap(),
            through: (13, "0190a0a0-0000-7000-8000-000000000001".into()),
        };
        for revision in [Revision::Rowid(42), Revision::Snapshot(Snapshot::parse("10:20:12,15").unwrap()), cursor] {
            let token = revision.token("db-1");
            assert_eq!(Revision::from_token(&token, "db-1"), Ok(revision.clone()));
            assert_eq!(Revision::from_token(&token, "db-2"), Err(TokenError::OtherDatabase));
        }
        for bad in ["", "db-1", "db-1.", "db-1.q1", "db-1.r-1", "db-1.rx", "db-1.s20:10:", "db-1.s10:20:30", "db-1.x5", "db-1.c1:2:~1:2:~1", "db-1.c5:9:~1:2:~1~ab"] {
            assert_eq!(Revision::from_token(bad, "db-1"), Err(TokenError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn a_snapshot_sees_what_committed_before_it() {
        let at = Snapshot::parse("10:20:12,15").unwrap();
        assert!(at.sees(9) && at.sees(11) && at.sees(19));
        assert!(!at.sees(12) && !at.sees(15) && !at.sees(20) && !at.sees(25));
        let reader = Revision::Snapshot(at.clone());
        assert!(reader.covers(&Revision::Snapshot(Snapshot::parse("10:14:12").unwrap())));
        assert!(!reader.covers(&Revision::Snapshot(Snapshot::parse("10:16:12").unwrap())), "15 is visible there, not here");
        assert!(!reader.covers(&Revision::Rowid(1)), "another backend's revision is never covered");
    }

    #[test]
    fn a_snapshot_covers_another_when_it_sees_all_it_sees() {
        let later = Snapshot::parse("12:25:15,21").unwrap();
        assert!(later.covers(&Snapshot::parse("10:20:12,15").unwrap()), "12 settled since, 15 still running in both");
        assert!(!later.covers(&Snapshot::parse("10:22:12").unwrap()), "15 is visible in the other, not here");
        assert!(!later.covers(&Snapshot::parse("10:30:").unwrap()), "the other is ahead");
        assert!(later.covers(&later));
    }
}
