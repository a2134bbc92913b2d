import Foundation
import Testing

@testable import Basics

@Suite struct RandomUUIDTests {
    @Test func randomUUIDsAreVersionFourOfTheStandardVariantAndDistinct() {
        let ids = (0..<1000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.uuid.6 >> 4 == 4, "version 4: \(id)")
            #expect(id.uuid.8 >> 6 == 0b10, "RFC 4122 variant: \(id)")
            #expect(UUID(uuidString: id.uuidString) == id)
        }
    }
}
