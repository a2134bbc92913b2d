import HTTPKit
import HTTPTypes
import Hummingbird
import Metrics

/// `POST /internal/reads`: the gateway's mirror of every read of an article (`GET
/// /api/articles/{slug}`, `GET /article/{slug}`), cache hits included. The original request's
/// address comes in `X-Read-URI`, the client's address in `X-Reader-Address`, and its own headers
/// (`Authorization`, `Cookie`, `User-Agent`) as they were. Counted in memory, answered at once with
/// 204 whatever it holds: the gateway does not wait for anything else, and writes nothing.
struct ReadsController: Sendable {
    let tally: ReadTally
    let keys: ReaderKeys

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/internal/reads", use: count)
    }

    @Sendable func count(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let uri = request.headers[.readURI], let slug = ReadSource.slug(fromURI: uri) else {
            return Response(status: .noContent)
        }
        let reader = ReadSource.reader(
            authorization: request.headers[.authorization], cookie: request.headers[.cookie], address: request.headers[.readerAddress],
            userAgent: request.headers[.userAgent])
        let day = Day.today
        if tally.count(slug: slug, readerHash: keys.hash(reader, on: day), on: day) {
            Counter(label: "inkwell_reads_counted_total").increment()
        } else {
            Counter(label: "inkwell_reads_dropped_total").increment()
        }
        return Response(status: .noContent)
    }
}

extension HTTPField.Name {
    static let readURI = HTTPField.Name("X-Read-URI")!
    static let readerAddress = HTTPField.Name("X-Reader-Address")!
}
