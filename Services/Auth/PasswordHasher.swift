import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt on NIO's thread pool: a hash takes tens of milliseconds at cost 10, far too long for an
/// event loop.
struct PasswordHasher: Sendable {
    let cost: UInt8
    /// A hash no password matches, checked when a login names an unknown email so that the answer
    /// takes as long as for a wrong password and does not reveal which emails exist.
    private let decoyHash: String

    init(cost: UInt8) async throws {
        self.cost = cost
        let secret = UUID().uuidString
        self.decoyHash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(secret, cost: cost) }
    }

    func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { [cost] in Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Takes as long as a real check, for an email no user has; always false.
    func verifyAgainstDecoy(_ password: String) async throws -> Bool {
        _ = try await verify(password, against: decoyHash)
        return false
    }
}
