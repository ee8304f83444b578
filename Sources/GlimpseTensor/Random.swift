// Random: a seeded, serialisable random number generator.
//
// Every random choice in Glimpse (initialisation, dropout masks, shuffling, augmentation)
// draws from an explicit generator, never a global one, so a seed reproduces a run and a
// checkpoint can store the generator's state and resume it exactly.

/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64; state is four words.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The four state words; store them to resume the exact sequence.
    public private(set) var state: [UInt64]

    /// Creates a generator from a seed (any value, including 0).
    public init(seed: UInt64) {
        var x = seed
        var words = [UInt64]()
        for _ in 0..<4 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words.append(z ^ (z >> 31))
        }
        state = words
    }

    /// Restores a generator from saved state words.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "SeededGenerator: bad state")
        self.state = state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform Float in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal Float (Box-Muller).
    public mutating func nextNormal() -> Float {
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// A derived generator for an independent stream (for example, one per epoch).
    public func derived(_ stream: UInt64) -> SeededGenerator {
        SeededGenerator(seed: state[0] ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ state[3])
    }
}

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
