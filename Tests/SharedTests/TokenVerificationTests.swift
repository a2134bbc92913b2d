import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Authentication
@testable import Basics
@testable import HTTPKit

/// A router with both kinds of protected route, behind the shared error middleware.
func tokenTestApplication(verifier: TokenVerifier) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ConduitErrorMiddleware())
    router.group("private").add(middleware: verifier.required).get { _, context in try context.requireIdentity().username }
    router.group("public").add(middleware: verifier.optional).get { _, context in context.identity?.username ?? "anonymous" }
    return Application(router: router)
}

@Suite struct TokenVerificationTests {
    let factory = TokenFactory()

    func check(_ token: String?, scheme: String = "Token", path: String = "/private", verifier: TokenVerifier? = nil) async throws -> (
        HTTPResponse.Status, String
    ) {
        let verifier = if let verifier { verifier } else { TokenVerifier(keySource: await factory.keySource) }
        return try await tokenTestApplication(verifier: verifier).test(.router) { client in
            var headers: HTTPFields = [:]
            if let token { headers[.authorization] = "\(scheme) \(token)" }
            return try await client.execute(uri: path, method: .get, headers: headers) { response in
                (response.status, String(buffer: response.body))
            }
        }
    }

    @Test(arguments: ["Token", "Bearer", "bearer"])
    func aValidTokenIsAcceptedInEitherScheme(scheme: String) async throws {
        let (status, body) = try await check(try await factory.validToken(username: "ada"), scheme: scheme)
        #expect(status == .ok)
        #expect(body == "ada")
    }

    @Test func spacesAndTabsAroundTheTokenAreIgnored() async throws {
        let token = try await factory.validToken(username: "ada")
        for padded in ["  \(token)", "\t\(token) \t", "\(token)  "] {
            let (status, body) = try await check(padded)
            #expect(status == .ok && body == "ada", "\(padded.debugDescription)")
        }
        #expect(try TokenAuthenticationMiddleware.token(fromAuthorization: "Bearer \t abc \t") == "abc")
        #expect(try TokenAuthenticationMiddleware.token(fromAuthorization: "Token \t ") == "")
    }

    @Test func requiredRoutesRefuseAnonymousCallsAndOptionalOnesServeThem() async throws {
        let (status, body) = try await check(nil)
        #expect(status == .unauthorized)
        #expect(body.contains("missing token"))
        let (publicStatus, publicBody) = try await check(nil, path: "/public")
        #expect(publicStatus == .ok && publicBody == "anonymous")
        let (signedIn, name) = try await check(try await factory.validToken(username: "grace"), path: "/public")
        #expect(signedIn == .ok && name == "grace")
        // A token that is sent must be valid, on optional routes too.
        let (badOnPublic, _) = try await check("nonsense", path: "/public")
        #expect(badOnPublic == .unauthorized)
    }

    @Test func expiredAndNotYetValidTokensAreRefused() async throws {
        let expired = try await factory.sign(
            AccessTokenClaims(userID: UUID(), username: "old", issuedAt: Date().addingTimeInterval(-7200), lifetime: .seconds(3600)))
        let (expiredStatus, expiredBody) = try await check(expired)
        #expect(expiredStatus == .unauthorized)
        #expect(expiredBody.contains("token has expired"))

        let future = try await factory.sign(
            AccessTokenClaims(userID: UUID(), username: "early", issuedAt: Date().addingTimeInterval(3600), lifetime: .seconds(7200)))
        let (futureStatus, futureBody) = try await check(future)
        #expect(futureStatus == .unauthorized)
        #expect(futureBody.contains("not valid yet"))

        var notBefore = AccessTokenClaims(userID: UUID(), username: "early", issuedAt: Date(), lifetime: .seconds(7200))
        notBefore.nbf = NotBeforeClaim(value: Date().addingTimeInterval(3600))
        let (nbfStatus, nbfBody) = try await check(try await factory.sign(notBefore))
        #expect(nbfStatus == .unauthorized)
        #expect(nbfBody.contains("not valid yet"))
    }

    @Test func theNoneAlgorithmIsRefused() async throws {
        let token = TokenFactory.craft(header: #"{"alg":"none","typ":"JWT","kid":"\#(factory.kid)"}"#, claims: factory.validClaimsJSON()) { _ in "" }
        let (status, body) = try await check(token)
        #expect(status == .unauthorized)
        #expect(body.contains("token algorithm none is not accepted"))
    }

    @Test func hs256SignedWithThePublicKeyIsRefused() async throws {
        // The classic key confusion: HMAC keyed with the (public) PEM of the ES256 key.
        let secret = SymmetricKey(data: Data(factory.key.publicKey.pemRepresentation.utf8))
        let token = TokenFactory.craft(header: #"{"alg":"HS256","typ":"JWT","kid":"\#(factory.kid)"}"#, claims: factory.validClaimsJSON()) { input in
            TokenFactory.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: secret)))
        }
        let (status, body) = try await check(token)
        #expect(status == .unauthorized)
        #expect(body.contains("token algorithm HS256 is not accepted"))
    }

    @Test func aTamperedPayloadOrSignatureIsRefused() async throws {
        let valid = try await factory.validToken(username: "jake")
        let parts = valid.split(separator: ".").map(String.init)
        let other = try await factory.validToken(username: "admin").split(separator: ".").map(String.init)
        let swappedPayload = [parts[0], other[1], parts[2]].joined(separator: ".")
        var signature = Array(parts[2])
        signature[10] = signature[10] == "A" ? "B" : "A"
        let flippedSignature = [parts[0], parts[1], String(signature)].joined(separator: ".")
        let emptySignature = parts[0] + "." + parts[1] + "."
        let impostor = try await TokenFactory(kid: factory.kid).validToken()

        for token in [swappedPayload, flippedSignature, emptySignature, impostor] {
            let (status, body) = try await check(token)
            #expect(status == .unauthorized)
            #expect(body.contains("token signature is invalid"), "\(body)")
        }
    }

    @Test(arguments: ["abc", "a.b", "a.b.c.d", "!!!.e30.sig", ".e30.sig", "e30.e30.sig"])
    func malformedTokensAreRefused(token: String) async throws {
        let (status, body) = try await check(token)
        #expect(status == .unauthorized)
        #expect(body.contains("token"))
    }

    @Test func tokensOfAnotherIssuerOrAudienceAreRefused() async throws {
        let cases: [(String, String)] = [
            (factory.validClaimsJSON(issuer: "someone-else"), "not issued by Inkwell"),
            (factory.validClaimsJSON(audience: "another-api"), "not meant for Inkwell"),
            (factory.validClaimsJSON().replacingOccurrences(of: #""iss":"\#(AccessTokenClaims.issuer)","#, with: ""), "malformed"),
        ]
        for (claims, message) in cases {
            let (status, body) = try await check(try factory.sign(claimsJSON: claims))
            #expect(status == .unauthorized)
            #expect(body.contains(message), "\(body)")
        }
        let (status, _) = try await check(try factory.sign(claimsJSON: factory.validClaimsJSON()))
        #expect(status == .ok)
    }

    @Test func tokensIssuedBeforeTheUsersRevocationAreRefused() async throws {
        struct Revocations: TokenRevocationSource {
            let validAfter: [UUID: Date]
            func tokensValidAfter(userID: UUID) async throws -> Date? { validAfter[userID] }
        }
        let revokedUser = UUID()
        let otherUser = UUID()
        let revocationTime = Date()
        let verifier = TokenVerifier(keySource: await factory.keySource, revocations: Revocations(validAfter: [revokedUser: revocationTime]))
        let before = try await factory.sign(
            AccessTokenClaims(userID: revokedUser, username: "ada", issuedAt: revocationTime.addingTimeInterval(-5), lifetime: .seconds(3600)))
        let after = try await factory.sign(
            AccessTokenClaims(userID: revokedUser, username: "ada", issuedAt: revocationTime, lifetime: .seconds(3600)))
        let someoneElse = try await factory.sign(
            AccessTokenClaims(userID: otherUser, username: "bob", issuedAt: revocationTime.addingTimeInterval(-5), lifetime: .seconds(3600)))

        let (beforeStatus, beforeBody) = try await check(before, verifier: verifier)
        #expect(beforeStatus == .unauthorized)
        #expect(beforeBody.contains("revoked"))
        #expect(try await check(after, verifier: verifier).0 == .ok)
        #expect(try await check(someoneElse, verifier: verifier).0 == .ok)
    }

    /// A key source that counts how often it is asked.
    final class CountedKeys: TokenKeySource {
        let source: StaticTokenKeys
        let calls = Atomic<Int>(0)
        init(_ source: StaticTokenKeys) { self.source = source }
        var made: Int { calls.load(ordering: .relaxed) }

        func keys(for kid: String) async throws -> JWTKeyCollection {
            calls.add(1, ordering: .relaxed)
            return try await source.keys(for: kid)
        }
    }

    /// Revocation times that can change, and a count of how often they were read.
    final class RevocationTimes: TokenRevocationSource {
        let times = Mutex<[UUID: Date]>([:])
        let calls = Atomic<Int>(0)
        var made: Int { calls.load(ordering: .relaxed) }

        func tokensValidAfter(userID: UUID) async throws -> Date? {
            calls.add(1, ordering: .relaxed)
            return times.withLock { $0[userID] }
        }
    }

    @Test func anAcceptedTokensSignatureIsCheckedOnceButItsRevocationEveryTime() async throws {
        let keys = CountedKeys(await factory.keySource)
        let revocations = RevocationTimes()
        let verifier = TokenVerifier(keySource: keys, revocations: revocations)
        let user = UUID()
        let token = try await factory.sign(
            AccessTokenClaims(userID: user, username: "ada", issuedAt: Date().addingTimeInterval(-5), lifetime: .seconds(3600)))
        for _ in 0..<5 { #expect(try await verifier.verify(token).username == "ada") }
        #expect(keys.made == 1)
        #expect(revocations.made == 5)

        revocations.times.withLock { $0[user] = Date() }
        await #expect(throws: TokenRejection.revoked) { try await verifier.verify(token) }
        // A refused token is not remembered: each try is checked in full.
        let forged = String(token.dropLast(4)) + "AAAA"
        for _ in 0..<2 { await #expect(throws: TokenRejection.self) { try await verifier.verify(forged) } }
        #expect(keys.made == 3)
    }

    @Test func aTokenIsRememberedNoLongerThanItIsValid() async throws {
        let keys = CountedKeys(await factory.keySource)
        let verifier = TokenVerifier(keySource: keys)
        let claims = AccessTokenClaims(userID: UUID(), username: "ada", issuedAt: Date().addingTimeInterval(-5), lifetime: .seconds(7))
        let shortLived = try await factory.sign(claims)
        // Accepted now, unless the machine took two seconds to get here; either way not after it expired.
        _ = try? await verifier.verify(shortLived)
        try await Task.sleep(for: .seconds(claims.exp.value.timeIntervalSinceNow + 0.5))
        await #expect(throws: TokenRejection.expired) { try await verifier.verify(shortLived) }
        #expect(keys.made == 2)
    }

    @Test func rememberedRevocationsAreReadOncePerUserAndLifetime() async throws {
        let revocations = RevocationTimes()
        let ada = UUID()
        let bob = UUID()
        let remembered = revocations.remembered(for: .seconds(3600))
        for _ in 0..<3 {
            #expect(try await remembered.tokensValidAfter(userID: ada) == nil)
            #expect(try await remembered.tokensValidAfter(userID: bob) == nil)
        }
        #expect(revocations.made == 2)

        let revoked = Date()
        revocations.times.withLock { $0[ada] = revoked }
        let brief = revocations.remembered(for: .milliseconds(50))
        #expect(try await brief.tokensValidAfter(userID: ada) == revoked)
        try await Task.sleep(for: .milliseconds(100))
        revocations.times.withLock { $0[ada] = nil }
        #expect(try await brief.tokensValidAfter(userID: ada) == nil)
        #expect(revocations.made == 4)
    }

    @Test func foreignClaimsAndUnknownKeysAreRefused() async throws {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: factory.key, kid: JWKIdentifier(string: factory.kid))
        struct Foreign: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            func verify(using algorithm: some JWTAlgorithm) throws {}
        }
        let foreign = try await keys.sign(
            Foreign(sub: "x", exp: .init(value: Date().addingTimeInterval(60))), kid: JWKIdentifier(string: factory.kid))
        let (foreignStatus, foreignBody) = try await check(foreign)
        #expect(foreignStatus == .unauthorized)
        #expect(foreignBody.contains("malformed"))

        let unknown = try await TokenFactory().validToken()
        let (unknownStatus, unknownBody) = try await check(unknown)
        #expect(unknownStatus == .unauthorized)
        #expect(unknownBody.contains("unknown key"))
    }
}

/// A JWKS endpoint whose answer the test controls, counting the fetches.
final class JWKSServer: Sendable {
    let keys = Mutex<[String]>([])
    let failing = Mutex(false)
    let fetches = Atomic<Int>(0)

    func publish(_ factories: [TokenFactory]) {
        keys.withLock { $0 = factories.map(\.jwk) }
    }

    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("jwks") { _, _ -> Response in
            self.fetches.add(1, ordering: .relaxed)
            if self.failing.withLock({ $0 }) { return Response(status: .internalServerError) }
            let json = #"{"keys":[\#(self.keys.withLock { $0.joined(separator: ",") })]}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in try await body(client.port!) }
    }
}

@Suite struct JWKSKeySourceTests {
    func source(_ urls: [String], refetch: Duration = .milliseconds(500)) -> TokenVerifier {
        var logger = Logger(label: "jwks-test")
        logger.logLevel = .critical
        // A generous fetch timeout: these tests are about caching, not timeouts, and must pass on a busy machine.
        let configuration = TokenVerificationConfiguration(
            jwksURLs: urls, fetchTimeout: .seconds(10), minimumRefetchInterval: refetch, maximumAge: .seconds(300))
        return TokenVerifier(keySource: JWKSKeySource(configuration: configuration, logger: logger))
    }

    @Test func theKeySetIsFetchedOnceAndCached() async throws {
        let server = JWKSServer()
        let factory = TokenFactory()
        server.publish([factory])
        try await server.run { port in
            let verifier = source(["http://127.0.0.1:\(port)/jwks"])
            for _ in 0..<5 {
                let claims = try await verifier.verify(try await factory.validToken(username: "ada"))
                #expect(claims.username == "ada")
            }
            #expect(server.fetches.load(ordering: .relaxed) == 1)
        }
    }

    @Test func concurrentFirstRequestsShareOneFetchAndAllSucceed() async throws {
        let server = JWKSServer()
        let factory = TokenFactory()
        server.publish([factory])
        try await server.run { port in
            let verifier = source(["http://127.0.0.1:\(port)/jwks"], refetch: .seconds(30))
            let token = try await factory.validToken(username: "many")
            let names = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await verifier.verify(token).username } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(names == Array(repeating: "many", count: 20))
            #expect(server.fetches.load(ordering: .relaxed) == 1)
        }
    }

    @Test func aNewKeyIsFetchedWhenATokenNamesItAndOldTokensStayValid() async throws {
        let server = JWKSServer()
        let old = TokenFactory()
        let new = TokenFactory()
        server.publish([old])
        try await server.run { port in
            let verifier = source(["http://127.0.0.1:\(port)/jwks"], refetch: .zero)
            _ = try await verifier.verify(try await old.validToken())
            server.publish([new, old])
            _ = try await verifier.verify(try await new.validToken())
            _ = try await verifier.verify(try await old.validToken())
            #expect(server.fetches.load(ordering: .relaxed) == 2)
        }
    }

    @Test func unknownKeysRefetchAtMostOncePerInterval() async throws {
        let server = JWKSServer()
        let factory = TokenFactory()
        server.publish([factory])
        try await server.run { port in
            let verifier = source(["http://127.0.0.1:\(port)/jwks"], refetch: .seconds(30))
            _ = try await verifier.verify(try await factory.validToken())
            for _ in 0..<10 {
                await #expect(throws: TokenRejection.self) { try await verifier.verify(try await TokenFactory().validToken()) }
            }
            // The first unknown kid may refetch once (the cache is fresh, so it does not); ten never do ten.
            #expect(server.fetches.load(ordering: .relaxed) <= 2)
        }
    }

    @Test func anUnreachableKeySetIsA503UntilItIsBack() async throws {
        let server = JWKSServer()
        let factory = TokenFactory()
        server.publish([factory])
        server.failing.withLock { $0 = true }
        try await server.run { port in
            let verifier = source(["http://127.0.0.1:\(port)/jwks"])
            let token = try await factory.validToken()
            await #expect(throws: ConduitError.self) { try await verifier.verify(token) }
            let (status, body) = try await tokenTestApplication(verifier: verifier).test(.router) { client in
                try await client.execute(uri: "/private", method: .get, headers: [.authorization: "Token \(token)"]) {
                    ($0.status, String(buffer: $0.body))
                }
            }
            #expect(status == .serviceUnavailable)
            #expect(body.contains("key set is unreachable"))

            server.failing.withLock { $0 = false }
            let recovered = try await eventually(timeout: .seconds(5)) { (try? await verifier.verify(token)) != nil }
            #expect(recovered)
        }
    }

    @Test func theNextURLIsTriedWhenTheFirstIsDown() async throws {
        let server = JWKSServer()
        let factory = TokenFactory()
        server.publish([factory])
        try await server.run { port in
            let verifier = source(["http://127.0.0.1:1/jwks", "http://127.0.0.1:\(port)/jwks"])
            _ = try await verifier.verify(try await factory.validToken())
        }
    }
}
