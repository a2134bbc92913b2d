import Foundation

/// A HyperLogLog sketch of a day's readers: it counts distinct readers without holding any of them.
/// Each reader is a 64-bit hash (made with the day's key, see ``ReaderKeys``). As HyperLogLog++
/// does, a sketch starts sparse: for each hash, its first 25 bits choose one of 2²⁵ buckets, which
/// keeps the rank (the position of the first set bit) of the rest; so few readers share a bucket
/// that counting the buckets is exact in practice. Past ``sparseLimit`` buckets it turns dense:
/// 16,384 one-byte registers chosen by the first 14 bits (about 1 % error). Two sketches merge by
/// keeping each bucket's larger rank, which is also why applying one twice changes nothing.
struct ReaderSketch: Sendable, Equatable {
    static let precision = 14
    static let registerCount = 1 << precision
    static let sparsePrecision = 25
    static let sparseLimit = 3_000

    private enum Storage: Sendable, Equatable {
        /// Bucket (the hash's first 25 bits) → rank among the other 39 bits (1...40).
        case sparse([UInt32: UInt8])
        /// Register (the first 14 bits) → rank among the other 50 bits (1...51); 0 when empty.
        case dense([UInt8])
    }

    private var storage = Storage.sparse([:])

    init() {}

    var isEmpty: Bool {
        switch storage {
        case .sparse(let buckets): buckets.isEmpty
        case .dense(let registers): registers.allSatisfy { $0 == 0 }
        }
    }

    mutating func add(hash: UInt64) {
        let bucket = UInt32(hash >> UInt64(64 - Self.sparsePrecision))
        let rest = hash << UInt64(Self.sparsePrecision)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - Self.sparsePrecision) + 1)
        add(bucket: bucket, rank: rank)
    }

    mutating func merge(_ other: ReaderSketch) {
        switch other.storage {
        case .sparse(let buckets):
            for (bucket, rank) in buckets { add(bucket: bucket, rank: rank) }
        case .dense(let registers):
            var mine = denseRegisters
            for index in 0..<Self.registerCount where registers[index] > mine[index] { mine[index] = registers[index] }
            storage = .dense(mine)
        }
    }

    private mutating func add(bucket: UInt32, rank: UInt8) {
        switch storage {
        case .sparse(var buckets):
            guard rank > buckets[bucket, default: 0] else { return }
            storage = .sparse([:])
            buckets[bucket] = rank
            storage = buckets.count > Self.sparseLimit ? .dense(Self.dense(buckets)) : .sparse(buckets)
        case .dense(var registers):
            let (index, denseRank) = Self.register(bucket: bucket, rank: rank)
            guard denseRank > registers[index] else { return }
            storage = .sparse([:])
            registers[index] = denseRank
            storage = .dense(registers)
        }
    }

    /// The dense register and rank of a sparse bucket and rank: the register is the bucket's first
    /// 14 bits; the rank counts from the bucket's other 11 bits on.
    private static func register(bucket: UInt32, rank: UInt8) -> (Int, UInt8) {
        let extraBits = sparsePrecision - precision
        let index = Int(bucket >> UInt32(extraBits))
        let low = bucket & ((1 << UInt32(extraBits)) - 1)
        guard low != 0 else { return (index, UInt8(extraBits) + rank) }
        return (index, UInt8(low.leadingZeroBitCount - (32 - extraBits) + 1))
    }

    private static func dense(_ buckets: [UInt32: UInt8]) -> [UInt8] {
        var registers = [UInt8](repeating: 0, count: registerCount)
        for (bucket, rank) in buckets {
            let (index, denseRank) = register(bucket: bucket, rank: rank)
            registers[index] = max(registers[index], denseRank)
        }
        return registers
    }

    private var denseRegisters: [UInt8] {
        switch storage {
        case .sparse(let buckets): Self.dense(buckets)
        case .dense(let registers): registers
        }
    }

    // MARK: encodings

    /// In an event: sparse buckets as `bucket << 6 | rank`; dense registers that are not zero as
    /// `1 << 31 | register << 8 | rank`.
    var packed: [UInt32] {
        switch storage {
        case .sparse(let buckets):
            buckets.keys.sorted().map { $0 << 6 | UInt32(buckets[$0]!) }
        case .dense(let registers):
            registers.indices.filter { registers[$0] > 0 }.map { 1 << 31 | UInt32($0) << 8 | UInt32(registers[$0]) }
        }
    }

    /// An event's sketch; entries out of range are ignored.
    init(packed: [UInt32]) {
        for entry in packed {
            if entry & (1 << 31) == 0 {
                let bucket = entry >> 6
                let rank = UInt8(entry & 0x3F)
                guard rank > 0, rank <= UInt8(64 - Self.sparsePrecision + 1) else { continue }
                add(bucket: bucket, rank: rank)
            } else {
                let index = Int((entry >> 8) & 0x7F_FFFF)
                let rank = UInt8(entry & 0xFF)
                guard index < Self.registerCount, rank > 0, rank <= UInt8(64 - Self.precision + 1) else { continue }
                var registers = denseRegisters
                registers[index] = max(registers[index], rank)
                storage = .dense(registers)
            }
        }
    }

    /// As the database keeps it (`bytea`): a format byte, then 4 bytes per sparse bucket (as in
    /// ``packed``) or every dense register. Anything else reads as empty.
    var stored: [UInt8] {
        switch storage {
        case .sparse:
            return [1] + packed.flatMap { entry in (0..<4).map { UInt8(truncatingIfNeeded: entry >> (24 - 8 * $0)) } }
        case .dense(let registers):
            return [2] + registers
        }
    }

    init(stored bytes: [UInt8]) {
        self.init()
        guard let format = bytes.first else { return }
        let body = bytes.dropFirst()
        switch format {
        case 1 where body.count % 4 == 0:
            var entries: [UInt32] = []
            var iterator = body.makeIterator()
            while let a = iterator.next(), let b = iterator.next(), let c = iterator.next(), let d = iterator.next() {
                entries.append(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
            }
            self = ReaderSketch(packed: entries.filter { $0 & (1 << 31) == 0 })
        case 2 where body.count == Self.registerCount && body.allSatisfy({ $0 <= UInt8(64 - Self.precision + 1) }):
            storage = .dense(Array(body))
        default:
            return
        }
    }

    // MARK: estimate

    /// The estimated number of distinct readers: linear counting over the buckets while sparse
    /// (exact unless two readers share one of 33 million buckets), HyperLogLog's estimate once
    /// dense (with linear counting while registers are still empty).
    var estimate: Int {
        switch storage {
        case .sparse(let buckets):
            let m = Double(1 << Self.sparsePrecision)
            return Int((m * log(m / (m - Double(buckets.count)))).rounded())
        case .dense(let registers):
            let m = Double(Self.registerCount)
            var zeros = 0.0
            var sum = 0.0
            for rank in registers {
                if rank == 0 { zeros += 1 }
                sum += pow(2, -Double(rank))
            }
            let alpha = 0.7213 / (1 + 1.079 / m)
            let raw = alpha * m * m / sum
            if raw <= 2.5 * m, zeros > 0 { return Int((m * log(m / zeros)).rounded()) }
            return Int(raw.rounded())
        }
    }
}
