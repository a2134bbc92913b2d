import Events
import Foundation
import HTTPKit
import Logging
import Messaging
import Persistence
import PostgresNIO

/// The SQL of users and follows. Every change writes its event into the outbox in the same
/// transaction, so a change and its event are stored together or not at all.
struct UserRepository: Sendable {
    let database: PostgresClient

    static let emailConstraint = "users_email_unique"
    static let usernameConstraint = "users_username_unique"

    /// Which of `email` and `username` another user already has (case-insensitively).
    func taken(email: String?, username: String?, except userID: UUID? = nil, logger: Logger) async throws -> FieldErrors {
        let rows = try await database.query(
            """
            SELECT lower(email) = lower(\(email)), lower(username) = lower(\(username)) FROM users
            WHERE (lower(email) = lower(\(email)) OR lower(username) = lower(\(username)))
              AND id IS DISTINCT FROM \(userID)
            """,
            logger: logger
        )
        var errors = FieldErrors()
        var emailTaken = false
        var usernameTaken = false
        for try await (sameEmail, sameUsername) in rows.decode((Bool?, Bool?).self) {
            emailTaken = emailTaken || sameEmail == true
            usernameTaken = usernameTaken || sameUsername == true
        }
        if emailTaken { errors.add("email", "has already been taken") }
        if usernameTaken { errors.add("username", "has already been taken") }
        return errors
    }

    func create(_ user: UserRecord, logger: Logger) async throws -> UserRecord {
        try await mappingUniqueViolations {
            try await database.withTransaction(logger: logger) { connection in
                let time = try await Self.changeTime(
                    connection.query(
                        """
                        INSERT INTO users (id, username, email, password_hash, bio, image)
                        VALUES (\(user.id), \(user.username), \(user.email), \(user.passwordHash), \(user.bio), \(user.image))
                        RETURNING clock_timestamp()
                        """,
                        logger: logger
                    ))
                try await Outbox.append(UserRegistered(user: user.event), occurredAt: time ?? Date(), on: connection, logger: logger)
                return user
            }
        }
    }

    func find(email: String, logger: Logger) async throws -> UserRecord? {
        try await first(database.query("SELECT \(unescaped: Self.columns) FROM users WHERE lower(email) = lower(\(email))", logger: logger))
    }

    func find(id: UUID, logger: Logger) async throws -> UserRecord? {
        try await first(database.query("SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id)", logger: logger))
    }

    /// Applies `change` to the user's row under a row lock; writes `user.updated` when anything
    /// changed, and returns it with the user.
    func update(id: UUID, logger: Logger, _ change: @Sendable (inout UserRecord) -> Void) async throws -> (user: UserRecord, events: [WrittenEvent])?
    {
        try await mappingUniqueViolations {
            try await database.withTransaction(logger: logger) { connection -> (user: UserRecord, events: [WrittenEvent])? in
                let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id) FOR UPDATE", logger: logger)
                guard let current = try await first(rows) else { return nil }
                var updated = current
                change(&updated)
                guard updated != current else { return (current, []) }
                let time = try await Self.changeTime(
                    connection.query(
                        """
                        UPDATE users SET username = \(updated.username), email = \(updated.email), password_hash = \(updated.passwordHash),
                            bio = \(updated.bio), image = \(updated.image), tokens_valid_after = \(updated.tokensValidAfter), updated_at = now()
                        WHERE id = \(id)
                        RETURNING clock_timestamp()
                        """,
                        logger: logger
                    ))
                // A new password alone changes only the revocation time, which other services need.
                guard updated.event != current.event else { return (updated, []) }
                let event = try await Outbox.append(UserUpdated(user: updated.event), occurredAt: time ?? Date(), on: connection, logger: logger)
                return (updated, [event])
            }
        }
    }

    /// The user named `username` (case-insensitively) and whether `viewer` follows them.
    func profile(username: String, viewer: UUID?, logger: Logger) async throws -> (user: UserRecord, following: Bool)? {
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns),
                EXISTS (SELECT 1 FROM follows WHERE follower_id = \(viewer) AND followee_id = users.id)
            FROM users WHERE lower(username) = lower(\(username))
            """,
            logger: logger
        )
        for try await (id, name, email, hash, bio, image, validAfter, following) in rows.decode(
            (UUID, String, String, String, String, String, Date?, Bool).self)
        {
            return (
                UserRecord(id: id, username: name, email: email, passwordHash: hash, bio: bio, image: image, tokensValidAfter: validAfter), following
            )
        }
        return nil
    }

    enum FollowChange {
        case follow
        case unfollow
    }

    /// Makes `follower` follow or unfollow `username`; writes the event only when the relation changed,
    /// and returns it with the followee. Nil when no user has that name.
    func setFollow(_ change: FollowChange, follower: UUID, username: String, logger: Logger) async throws -> (
        followee: UserRecord, events: [WrittenEvent]
    )? {
        try await database.withTransaction(logger: logger) { connection -> (followee: UserRecord, events: [WrittenEvent])? in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM users WHERE lower(username) = lower(\(username))", logger: logger)
            guard let followee = try await first(rows) else { return nil }
            if change == .follow && followee.id == follower {
                throw ConduitError.invalid("username", "you cannot follow yourself")
            }
            let relation = FollowRelation(followerID: follower, followeeID: followee.id)
            let changed: PostgresRowSequence
            switch change {
            case .follow:
                changed = try await connection.query(
                    """
                    INSERT INTO follows (follower_id, followee_id) SELECT \(follower), \(followee.id)
                    WHERE EXISTS (SELECT 1 FROM users WHERE id = \(follower))
                    ON CONFLICT DO NOTHING RETURNING clock_timestamp()
                    """,
                    logger: logger
                )
            case .unfollow:
                changed = try await connection.query(
                    "DELETE FROM follows WHERE follower_id = \(follower) AND followee_id = \(followee.id) RETURNING clock_timestamp()",
                    logger: logger
                )
            }
            guard let time = try await Self.changeTime(changed) else { return (followee, []) }
            let event =
                switch change {
                case .follow: try await Outbox.append(UserFollowed(follow: relation), occurredAt: time, on: connection, logger: logger)
                case .unfollow: try await Outbox.append(UserUnfollowed(follow: relation), occurredAt: time, on: connection, logger: logger)
                }
            return (followee, [event])
        }
    }

    /// The database's time of a change (`RETURNING clock_timestamp()`), nil when no row changed. It
    /// orders a user's events wherever they are applied: one clock for every replica of auth.
    private static func changeTime(_ rows: PostgresRowSequence) async throws -> Date? {
        var time: Date?
        for try await changedAt in rows.decode(Date.self) { time = changedAt }
        return time
    }

    private static let columns = "id, username, email, password_hash, bio, image, tokens_valid_after"

    private func first(_ rows: PostgresRowSequence) async throws -> UserRecord? {
        for try await (id, username, email, hash, bio, image, validAfter) in rows.decode((UUID, String, String, String, String, String, Date?).self) {
            return UserRecord(id: id, username: username, email: email, passwordHash: hash, bio: bio, image: image, tokensValidAfter: validAfter)
        }
        return nil
    }

    /// Two requests that pass the "already taken" check at once meet at the unique indexes; the
    /// loser gets the same 422 as if the check had caught it.
    private func mappingUniqueViolations<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            switch DatabaseErrors.violatedUniqueConstraint(error) {
            case Self.emailConstraint: throw ConduitError.invalid("email", "has already been taken")
            case Self.usernameConstraint: throw ConduitError.invalid("username", "has already been taken")
            default: throw error
            }
        }
    }
}
