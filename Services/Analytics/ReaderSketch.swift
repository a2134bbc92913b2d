import Foundation

/// A HyperLogLog sketch of a day's readers (precision 14: 16,384 one-byte registers): it counts
/// distinct readers without holding any of them. Each reader is a 64-bit hash (made with the day's
/// key, see ``ReaderKeys``); its first 14 bits choose a register, which keeps the largest rank (the
/// position of the first set bit) among the rest. Two sketches merge by keeping each register's
/// larger value, which is also why applying one twice changes nothing.
struct ReaderSketch: Sendable, Equatable {
    static let precision = 14
    static let registerCount = 1 << precision

    /// The registers that are not zero, by index. Sparse: a day's sketch of one article has few.
    private(set) var registers: [UInt16: UInt8] = [:]

    init() {}

    /// The registers of an event (`index << 8 | rank` each); out-of-range entries are ignored.
    init(packed: [UInt32]) {
        for entry in packed {
            let index = entry >> 8
            let rank = UInt8(entry & 0xFF)
            guard index < UInt32(Self.registerCount), rank > 0, rank <= 64 - UInt8(Self.precision) + 1 else { continue }
            raise(UInt16(index), to: rank)
        }
    }

    /// A stored sketch: every register, one byte each (the database's `bytea`); wrong lengths read as empty.
    init(dense bytes: [UInt8]) {
        guard bytes.count == Self.registerCount else { return }
        for (index, rank) in bytes.enumerated() where rank > 0 {
            registers[UInt16(index)] = rank
        }
    }

    var isEmpty: Bool { registers.isEmpty }

    mutating func add(hash: UInt64) {
        let index = UInt16(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision)
        // The rank of the first set bit among the remaining 50; 51 when all are zero.
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - Self.precision) + 1)
        raise(index, to: rank)
    }

    mutating func merge(_ other: ReaderSketch) {
        for (index, rank) in other.registers { raise(index, to: rank) }
    }

    private mutating func raise(_ index: UInt16, to rank: UInt8) {
        if rank > registers[index, default: 0] { registers[index] = rank }
    }

    var packed: [UInt32] {
        registers.keys.sorted().map { UInt32($0) << 8 | UInt32(registers[$0]!) }
    }

    var dense: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.registerCount)
        for (index, rank) in registers { bytes[Int(index)] = rank }
        return bytes
    }

    /// The estimated number of distinct readers: linear counting while registers are still empty
    /// (exact in practice for the small numbers of one day of a blog), HyperLogLog's estimate beyond.
    var estimate: Int {
        let m = Double(Self.registerCount)
        let zeros = Double(Self.registerCount - registers.count)
        var sum = zeros
        for rank in registers.values { sum += pow(2, -Double(rank)) }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m, zeros > 0 {
            return Int((m * log(m / zeros)).rounded())
        }
        return Int(raw.rounded())
    }
}
