-- Case folded once, at write time: the forms that searches and case-insensitive sorts compare.
--
-- Before this, lists searched LOWER(name) LIKE ..., and LOWER differs by backend: SQLite's folds
-- ASCII only (a search for "émile" missed "Émile"), PostgreSQL's follows the database's locale,
-- and the in-memory index folded Unicode, so the answer changed with whichever path served it.
-- Now the server writes app::dto::fold_case(name) beside each searched name (identities' emails
-- already have email_normalized, the same fold), and every path compares those columns.
--
-- The columns start NULL for rows written before this migration; the server fills them in Rust
-- right after migrating (store/sql/folding.rs), before it serves, since no SQL LOWER() here
-- folds the way fold_case does.
ALTER TABLE identities ADD COLUMN name_folded TEXT;
ALTER TABLE nodes ADD COLUMN name_folded TEXT;
ALTER TABLE nodes ADD COLUMN path_folded TEXT;
ALTER TABLE roles ADD COLUMN name_folded TEXT;

-- The identity list's default order (by name) reads this index instead of sorting.
CREATE INDEX identities_application_name_folded_idx ON identities (application_id, name_folded, id);
