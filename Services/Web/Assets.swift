import Crypto
import Foundation
import HTTPKit
import Hummingbird

/// The stylesheet, at a path that names its content's hash: a new version has a new path, so
/// browsers and proxies may keep each one for a year.
enum Assets {
    static func fingerprintedPath(_ name: String, extension fileExtension: String, content: [UInt8]) -> String {
        let hash = SHA256.hash(data: content).prefix(8).map { String(format: "%02x", $0) }.joined()
        return "/assets/\(name)-\(hash).\(fileExtension)"
    }

    static func addRoutes(to router: Router<AppRequestContext>, templates: Templates) {
        let path = templates.stylesheetPath
        let body = ByteBuffer(bytes: templates.stylesheet)
        router.get("/assets/:file") { request, _ -> Response in
            guard request.uri.path == path else { throw WebError.notFound }
            return Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=31536000, immutable"],
                body: .init(byteBuffer: body)
            )
        }
    }
}
