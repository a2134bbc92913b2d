import Foundation
import HTTPKit
import Hummingbird

/// `GET /.well-known/jwks.json`: the public keys that verify auth's tokens, for the other services.
struct KeysController: Sendable {
    let keys: SigningKeys

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = ByteBuffer(data: (try? encoder.encode(keys.jwks)) ?? Data())
        routes.get(".well-known/jwks.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/jwk-set+json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: body)
            )
        }
        return routes
    }
}
