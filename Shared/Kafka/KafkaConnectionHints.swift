/// What a service's settings have to do with a connection failure librdkafka reports, so that its
/// log line names the setting to look at (librdkafka's own text names librdkafka's properties).
enum KafkaConnectionHints {
    static func hint(for text: String) -> String? {
        if text.contains("certificate verify failed") || text.contains("certificate could not be verified") {
            return "the broker's TLS certificate was refused: KAFKA_SSL_CA_LOCATION must name the CA that signed it, "
                + "and the broker's host name (KAFKA_BROKERS, and the addresses it advertises) must be one the certificate holds"
        }
        if text.contains("SSL handshake failed") {
            return "the TLS handshake with the broker failed: check KAFKA_SECURITY_PROTOCOL and KAFKA_SSL_CA_LOCATION"
        }
        if text.contains("SASL") && (text.contains("failed") || text.contains("error") || text.contains("Unsupported")) {
            return "the broker refused the SASL authentication: check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and the password "
                + "(KAFKA_SASL_PASSWORD_FILE)"
        }
        if text.contains("incorrect security.protocol") {
            return "the broker expects another protocol: check KAFKA_SECURITY_PROTOCOL"
        }
        return nil
    }
}
