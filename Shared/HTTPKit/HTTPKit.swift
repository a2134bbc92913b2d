// HTTPKit: the HTTP side that every service shares. The request context (its request id and
// signed-in user), the middleware every router gets (request ids, access log, Conduit errors, body
// limits, U+0000), Conduit's error body and request decoding, field validation, paging, the
// JSON writing of ConduitContract's `Profile`, `ServiceClient` for calls to other services (traced: each call is
// a client span whose context travels in its `traceparent` header), and `HTMLText`, the escaping
// of text into HTML.
//
// Checking tokens is Authentication's (it sets the context's user); building the router is
// HTTPCore's, and mapping the database's errors ServiceCore's. Depends on Basics, ConduitContract,
// Hummingbird and AsyncHTTPClient.
