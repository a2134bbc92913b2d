import AsyncHTTPClient
import Basics
import Foundation
import HTTPKit
import JWTKit
import Logging
import NIOCore

/// The auth service's public keys, fetched over HTTP from its JWKS endpoint and cached.
///
/// A token naming a key the cache lacks triggers a refetch (at most one every
/// `minimumRefetchInterval`, so that made-up `kid`s cannot flood auth); a cache older than
/// `maximumAge` is refreshed on its next use, and kept when that refresh fails. Concurrent
/// requests share one fetch. When the key set cannot be fetched and the token's key is not
/// known, the request gets a 503: the token may well be valid.
public actor JWKSKeySource: TokenKeySource {
    struct KeySet {
        let collection: JWTKeyCollection
        let kids: Set<String>
        let fetchedAt: ContinuousClock.Instant
    }

    let configuration: TokenVerificationConfiguration
    let httpClient: HTTPClient
    let logger: Logger
    private let clock = ContinuousClock()
    private var cached: KeySet?
    private var lastAttempt: ContinuousClock.Instant?
    private var lastAttemptFailed = false
    private var inFlight: Task<KeySet, any Error>?

    public init(configuration: TokenVerificationConfiguration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger.component("jwks")
    }

    public func keys(for kid: String) async throws -> JWTKeyCollection {
        if let cached, cached.kids.contains(kid), clock.now - cached.fetchedAt < configuration.maximumAge {
            return cached.collection
        }
        // Known to a cache that is old: usable while a refresh fails or may not run yet.
        let stale = cached.flatMap { $0.kids.contains(kid) ? $0.collection : nil }
        if inFlight != nil || mayFetch {
            do {
                try await refresh()
            } catch {
                if let stale {
                    logger.warning("refreshing the key set failed, keeping the cached one", metadata: ["error": "\(error)"])
                    return stale
                }
                logger.error("fetching the key set failed", metadata: ["error": "\(error)", "kid": "\(kid)"])
                throw Self.unavailable
            }
        } else if lastAttemptFailed && stale == nil {
            throw Self.unavailable
        }
        guard let cached, cached.kids.contains(kid) else { throw TokenRejection.unknownKey(kid) }
        return cached.collection
    }

    static let unavailable = ConduitError.unavailable("cannot check the token now: the auth service's key set is unreachable, try again")

    private var mayFetch: Bool {
        guard let lastAttempt else { return true }
        let interval = lastAttemptFailed ? min(.seconds(1), configuration.minimumRefetchInterval) : configuration.minimumRefetchInterval
        return clock.now - lastAttempt >= interval
    }

    /// Fetches the set, or waits for the fetch already under way. The fetching task itself updates
    /// the cache, so that every waiter sees the new set as soon as it resumes.
    private func refresh() async throws {
        if let inFlight {
            _ = try await inFlight.value
            return
        }
        lastAttempt = clock.now
        let task = Task { () throws -> KeySet in
            defer { self.inFlight = nil }
            do {
                let keySet = try await self.fetch()
                self.cached = keySet
                self.lastAttemptFailed = false
                self.logger.info("fetched the key set", metadata: ["kids": "\(keySet.kids.sorted().joined(separator: ","))"])
                return keySet
            } catch {
                self.lastAttemptFailed = true
                throw error
            }
        }
        inFlight = task
        _ = try await task.value
    }

    private nonisolated func fetch() async throws -> KeySet {
        let client = ServiceClient(
            service: "auth", baseURLs: configuration.jwksURLs, attemptTimeout: configuration.fetchTimeout,
            deadline: configuration.fetchTimeout * configuration.jwksURLs.count, attempts: configuration.jwksURLs.count, httpClient: httpClient
        )
        let reply = try await client.get("", logger: logger)
        guard reply.status == 200 else { throw JWKSFetchError(reason: "status \(reply.status)") }
        let jwks = try JSONDecoder().decode(JWKS.self, from: reply.body)
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        // Only ES256 keys are taken, whatever else the set holds, so that no other algorithm can be used.
        for jwk in jwks.keys where jwk.algorithm == .es256 {
            guard let kid = jwk.keyIdentifier else { continue }
            try await collection.add(jwk: jwk)
            kids.insert(kid.string)
        }
        return KeySet(collection: collection, kids: kids, fetchedAt: ContinuousClock.now)
    }
}

struct JWKSFetchError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "could not fetch the key set: \(reason)" }
}
