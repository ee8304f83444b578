// SeededGenerator+Shuffle: the one shuffle in Glimpse, so a seed gives the same order wherever
// data is shuffled (MNIST and image-folder epochs, detection sources, the caption grammar).
//
// Fisher-Yates (Knuth, TAOCP vol. 2, 3.4.2, algorithm P), swapping position i = n-1 down to 1
// with a uniform j in 0...i. Each j comes from Lemire's multiply-and-reject method ("Fast
// random integer generation in an interval", 2019), written out here so an order never
// depends on the standard library's choice of algorithm. This is the order the MNIST trainer
// has always used, so trained results and the shipped figures keep their meaning.

extension SeededGenerator {
    /// A uniform integer in `0..<bound` (Lemire's method); `bound` must be positive.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "SeededGenerator.nextIndex: bound \(bound) must be positive")
        let bound = UInt64(bound)
        let threshold = (0 &- bound) % bound
        while true {
            let (high, low) = bound.multipliedFullWidth(by: next())
            if low >= threshold { return Int(high) }
        }
    }

    /// Shuffles `elements` in place by Fisher-Yates, drawing from this generator.
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        var i = elements.count - 1
        while i > 0 {
            elements.swapAt(i, nextIndex(below: i + 1))
            i -= 1
        }
    }

    /// A permutation of `0..<count` for `epoch`: `0..<count` shuffled by
    /// `SeededGenerator(seed: seed).derived(epoch)`, so it is a pure function of its arguments.
    public static func epochOrder(count: Int, epoch: Int, seed: UInt64) -> [Int] {
        precondition(count >= 0 && epoch >= 0, "SeededGenerator.epochOrder: negative count or epoch")
        var generator = SeededGenerator(seed: seed).derived(UInt64(epoch))
        var order = Array(0..<count)
        generator.shuffle(&order)
        return order
    }
}
