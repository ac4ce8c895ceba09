//! Concurrent callers on one PostgreSQL database (several servers): what SQLite's single writer
//! made exclusive stays exclusive.
