import Basics
import CCurl
import Foundation
import NIOPosix
import Synchronization

/// Sends email through libcurl's SMTP client: plain, STARTTLS (`?starttls=required` or
/// `?starttls=try` on the URL) or implicit TLS (`smtps://`), with AUTH (PLAIN or LOGIN, as the
/// server offers) when the URL has a user and password. Each message is one curl transfer on
/// NIO's thread pool, so the event loops never wait for the SMTP server.
struct SMTPMailer: Sendable {
    struct Configuration: Sendable {
        /// `smtp://[user:password@]host:port[?starttls=required|try]` or `smtps://…`.
        var url: String
        var timeout: Duration
    }

    struct SendError: Error, CustomStringConvertible {
        let description: String
    }

    let configuration: Configuration
    private let serverURL: String
    private let startTLS: Int

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init(configuration: Configuration) {
        _ = Self.globalInit
        self.configuration = configuration
        var components = URLComponents(string: configuration.url)
        let mode = components?.queryItems?.first { $0.name == "starttls" }?.value
        self.startTLS =
            switch mode {
            case "required": Int(CURLUSESSL_ALL.rawValue)
            case "try": Int(CURLUSESSL_TRY.rawValue)
            default: Int(CURLUSESSL_NONE.rawValue)
            }
        components?.query = nil
        self.serverURL = components?.string ?? configuration.url
    }

    /// The server's address without credentials, for logs.
    var redactedURL: String {
        guard var components = URLComponents(string: serverURL) else { return "(invalid SMTP_URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "(invalid SMTP_URL)"
    }

    func send(_ message: EmailMessage) async throws {
        let payload = try message.rendered()
        let sender = try EmailMessage.checked(message.from.email)
        let recipient = try EmailMessage.checked(message.to.email)
        try await NIOThreadPool.singleton.runIfActive { [serverURL, startTLS, configuration] in
            try Self.transfer(url: serverURL, startTLS: startTLS, timeout: configuration.timeout, from: sender, to: recipient, payload: payload)
        }
    }

    /// The bytes curl reads as the message, and how far it has read.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static func transfer(url: String, startTLS: Int, timeout: Duration, from: String, to: String, payload: [UInt8]) throws {
        guard let handle = curl_easy_init() else { throw SendError(description: "curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let recipients = curl_slist_append(nil, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        let upload = Upload(payload)
        let context = Unmanaged.passRetained(upload)
        defer { context.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code = errorBuffer.withUnsafeMutableBufferPointer { errorText -> CURLcode in
            let milliseconds = Int(timeout.milliseconds)
            let settings: [CURLcode] = [
                inkwell_curl_set_string(handle, CURLOPT_URL, url),
                inkwell_curl_set_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"),
                inkwell_curl_set_pointer(handle, CURLOPT_MAIL_RCPT, recipients),
                inkwell_curl_set_long(handle, CURLOPT_USE_SSL, startTLS),
                inkwell_curl_set_long(handle, CURLOPT_UPLOAD, 1),
                inkwell_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds),
                inkwell_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 5000)),
                inkwell_curl_set_long(handle, CURLOPT_NOSIGNAL, 1),
                inkwell_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorText.baseAddress),
                inkwell_curl_set_pointer(handle, CURLOPT_READDATA, context.toOpaque()),
                inkwell_curl_set_read_function(handle) { buffer, size, count, context in
                    guard let buffer, let context else { return 0 }
                    let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
                    let length = min(size * count, upload.bytes.count - upload.offset)
                    upload.bytes.withUnsafeBufferPointer { bytes in
                        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + upload.offset, byteCount: length)
                    }
                    upload.offset += length
                    return length
                },
            ]
            if let failed = settings.first(where: { $0 != CURLE_OK }) { return failed }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw SendError(description: "SMTP: \(reason)")
        }
    }
}
