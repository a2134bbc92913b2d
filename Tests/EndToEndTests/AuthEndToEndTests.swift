import Foundation
import TestSupport
import Testing

/// A Conduit client's user and profile journey through the gateway, across two auth replicas.
extension EndToEnd {
    @Suite struct AuthEndToEndTests {
        let json = [("Content-Type", "application/json")]

        func user(_ result: HTTPResult) -> [String: Any] {
            ((result.json as? [String: Any])?["user"] as? [String: Any]) ?? [:]
        }

        func profile(_ result: HTTPResult) -> [String: Any] {
            ((result.json as? [String: Any])?["profile"] as? [String: Any]) ?? [:]
        }

        @Test func registerLogInReadAndUpdateYourself() async throws {
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let registered = try await request(
                .POST, Stack.gateway + "/api/users", headers: json,
                body: #"{"user":{"username":"e2e\#(suffix)","email":"e2e\#(suffix)@example.com","password":"secret-\#(suffix)"}}"#
            )
            #expect(registered.status == 201)
            #expect(user(registered)["username"] as? String == "e2e\(suffix)")

            let login = try await request(
                .POST, Stack.gateway + "/api/users/login", headers: json,
                body: #"{"user":{"email":"E2E\#(suffix)@example.com","password":"secret-\#(suffix)"}}"#
            )
            #expect(login.status == 200)
            let token = try (user(login)["token"] as? String).unwrap("token")

            // Several reads, so that both auth replicas check the token.
            for _ in 0..<4 {
                let current = try await request(.GET, Stack.gateway + "/api/user", headers: [("Authorization", "Token \(token)")])
                #expect(current.status == 200)
                #expect(user(current)["email"] as? String == "e2e\(suffix)@example.com")
            }

            let updated = try await request(
                .PUT, Stack.gateway + "/api/user", headers: json + [("Authorization", "Bearer \(token)")],
                body: #"{"user":{"bio":"hello from the gateway","image":"https://example.com/a.png"}}"#
            )
            #expect(updated.status == 200)
            #expect(user(updated)["bio"] as? String == "hello from the gateway")

            let wrong = try await request(
                .POST, Stack.gateway + "/api/users/login", headers: json,
                body: #"{"user":{"email":"e2e\#(suffix)@example.com","password":"nope-nope"}}"#)
            #expect(wrong.status == 401)
            #expect(wrong.conduitErrors == ["email or password": ["is invalid"]])
            let anonymous = try await request(.GET, Stack.gateway + "/api/user")
            #expect(anonymous.status == 401)
            #expect(anonymous.conduitErrors?["token"] != nil)
        }

        @Test func followAndUnfollowAProfile() async throws {
            let writer = try await registerMember("writer")
            let reader = try await registerMember("reader")
            let path = Stack.gateway + "/api/profiles/\(writer.username)"

            let anonymous = try await request(.GET, path)
            #expect(anonymous.status == 200)
            #expect(profile(anonymous)["following"] as? Bool == false)

            let followed = try await request(.POST, path + "/follow", headers: [("Authorization", "Token \(reader.token)")])
            #expect(followed.status == 200)
            #expect(profile(followed)["following"] as? Bool == true)
            let seen = try await request(.GET, path, headers: [("Authorization", "Token \(reader.token)")])
            #expect(profile(seen)["following"] as? Bool == true)

            let unfollowed = try await request(.DELETE, path + "/follow", headers: [("Authorization", "Token \(reader.token)")])
            #expect(unfollowed.status == 200)
            #expect(profile(unfollowed)["following"] as? Bool == false)

            let missing = try await request(.GET, Stack.gateway + "/api/profiles/nobody-\(UUID().uuidString.prefix(6))")
            #expect(missing.status == 404)
        }

        @Test(.nativeStackOnly) func everyAuthReplicaPublishesTheSameKeySet() async throws {
            let sets = try await Stack.replicaURLs.filter { $0.service == "auth" }.asyncMap {
                try await request(.GET, $0.url + "/.well-known/jwks.json").body
            }
            #expect(sets.count == Stack.replicas)
            #expect(Set(sets).count == 1)
            #expect(sets.first?.contains(#""alg":"ES256""#) == true)
            // The key set is for services, not for the public.
            #expect(try await request(.GET, Stack.gateway + "/.well-known/jwks.json").status == 404)
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
