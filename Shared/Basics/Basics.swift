// Basics: the helpers every other target uses, each the one way to do its thing in Inkwell.
//
// - `Backoff`: the retry schedule of every retry loop, with waits that end when the service stops.
// - `Duration.milliseconds`, `Duration.seconds`: a `Duration` as the numbers librdkafka, libcurl
//   and PostgreSQL take (NIO's `TimeAmount(_:)` is NIO's own).
// - `Logger.component(_:)`: the tag that says which piece of a service wrote a log line.
// - `ExpiringCache`: a bounded map whose entries expire, shared between tasks.
// - `ReadsInFlight`: concurrent reads of one key share the first one's.
// - `UUID.random()`: a random UUID without `UUID()`'s three system calls on Linux.
// - `Data.base64URLEncoded` and `Data(base64URLEncoded:)`, `String.nonEmpty`, and
//   `String.urlComponentEncoded` (a path segment or query value, percent-encoded).
//
// Depends on Foundation, swift-log and swift-service-lifecycle only.
