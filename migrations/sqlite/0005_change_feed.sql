-- The change feed (server/src/feed.rs) follows audit events by rowid on SQLite: there is one
-- writer at a time (BEGIN IMMEDIATE holds the file's write lock from the first statement to the
-- commit), so rowids are handed out in commit order and a reader that remembers the last one it
-- saw misses nothing. Nothing to change in the schema; numbered alike with PostgreSQL's 0005.
SELECT 1;
