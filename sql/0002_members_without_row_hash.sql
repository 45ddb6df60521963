-- A re-import now tells a changed roster row by comparing its fields with the stored ones.
-- The SHA-256 of every row it replaces was a quarter of the members table, and an import
-- writes every page twice (to the WAL, then to the database).
ALTER TABLE members DROP COLUMN row_hash;
