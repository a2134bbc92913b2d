// ConduitContract: the bodies of the public API's answers, as the services encode them and web
// decodes them: one type per view, so a field added to a service's answer reaches its readers.
//
// - Auth: `User`, `Profile` (and their envelopes).
// - Posts: `ArticleView` (lists leave `body` out; a search's hits carry an `excerpt`, this API's
//   extension), the article list and `TagsResponse`.
// - Comments: `CommentView` and its envelopes.
// - Notifier: `NotificationView` and the list (the in-app feed Conduit lacks).
// - Analytics: an author's and an article's numbers.
//
// The services write some of these with HTTPKit's `JSONWritable`: the JSON matches the synthesized
// `Codable` (absent optionals are left out, not null). Depends on Foundation only.
