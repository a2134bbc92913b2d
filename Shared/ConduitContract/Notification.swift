/// One of the signed-in user's notifications, as `GET /api/notifications` lists them.
public struct NotificationView: Codable, Sendable, Equatable {
    /// The article the notification is about.
    public struct Article: Codable, Sendable, Equatable {
        public var slug: String
        public var title: String

        public init(slug: String, title: String) {
            self.slug = slug
            self.title = title
        }
    }

    public var id: Int64
    public var kind: String
    public var message: String
    public var actor: String?
    public var article: Article?
    public var createdAt: String
    /// Where its email stands: pending, sent or failed.
    public var email: String

    public init(id: Int64, kind: String, message: String, actor: String?, article: Article?, createdAt: String, email: String) {
        self.id = id
        self.kind = kind
        self.message = message
        self.actor = actor
        self.article = article
        self.createdAt = createdAt
        self.email = email
    }
}

public struct MultipleNotificationsResponse: Codable, Sendable, Equatable {
    public var notifications: [NotificationView]
    public var notificationsCount: Int

    public init(notifications: [NotificationView], notificationsCount: Int) {
        self.notifications = notifications
        self.notificationsCount = notificationsCount
    }
}
