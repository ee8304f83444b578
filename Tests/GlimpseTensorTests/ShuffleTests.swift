// The one shuffle: Fisher-Yates over Lemire's bounded integers, pinned to values from an
// independent Python transcription of xoshiro256** (SplitMix64 seeding, `derived`) and the
// algorithm, so the MNIST trainer's batch order can never change unnoticed.

import GlimpseTensor
import Testing

@Suite struct ShuffleTests {
    @Test func epochOrderIsPinned() {
        // python: epochOrder(10, 0, 42) and epochOrder(10, 3, 7) with the transcription in the
        // commit that added this test.
        #expect(SeededGenerator.epochOrder(count: 10, epoch: 0, seed: 42) == [3, 8, 4, 0, 9, 5, 7, 1, 2, 6])
        #expect(SeededGenerator.epochOrder(count: 10, epoch: 3, seed: 7) == [8, 7, 0, 3, 4, 6, 5, 2, 9, 1])
    }

    @Test func shuffleIsTheEpochOrdersPermutation() {
        var generator = SeededGenerator(seed: 42).derived(0)
        var letters = Array("abcdefghij")
        generator.shuffle(&letters)
        #expect(letters == SeededGenerator.epochOrder(count: 10, epoch: 0, seed: 42).map { Array("abcdefghij")[$0] })
        var empty = [Int](), one = [5]
        generator.shuffle(&empty)
        generator.shuffle(&one)
        #expect(empty.isEmpty && one == [5])
    }

    @Test func nextIndexStaysBelowItsBound() {
        var generator = SeededGenerator(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let value = generator.nextIndex(below: 7)
            #expect((0..<7).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == 7)
        #expect(generator.nextIndex(below: 1) == 0)
    }
}
