// Settings: how a service reads its configuration from the environment. `EnvironmentReader` gives
// typed values with defaults and ranges; a value that cannot be used is a `ConfigurationError`
// naming the variable and what it expected, and the service stops with it at start-up.
//
// Each target reads its own settings with it: the database's in Persistence, the token keys' in
// Authentication, the rest (the broker's too) in ServiceCore's `ServiceConfiguration`, and a
// service's own in the service.
//
// Depends on swift-log only (for log levels).
