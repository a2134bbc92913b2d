// Persistence: a service's PostgreSQL database. Where it is (`DatabaseConfiguration`, from
// `DATABASE_URL`), its versioned schema (a `DatabaseSchema` of `MigrationGroup`s, one per component
// that owns tables, applied once by `MigrationRunner` however many replicas start together), what
// PostgreSQL's errors mean (`DatabaseErrors`: unreachable, a unique constraint, a character it cannot
// store), and where a prepared statement runs
// (`PostgresClient.execute(_:on:logger:)`: in a transaction's connection or on the pool).
//
// Depends on Settings, Basics, swift-log and PostgresNIO.
