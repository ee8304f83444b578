// IndexedDataset: what every data set in Glimpse shares, whether a trainer reads it as batched
// network input (`ClassificationData`: MNIST, class folders) or item by item with its labels
// (`LabelledImageSource`: COCO, VOC, the scene sets): items addressed by index, named classes,
// and one seeded epoch order, so a checkpoint can store (seed, epoch, position) and resume.
//
// The order is `SeededGenerator.epochOrder`, the one Fisher-Yates shuffle of the project, so a
// seed orders every kind of data set the same way.

import GlimpseTensor

/// Items addressed by index `0..<count`, with class names indexed by class id.
public protocol IndexedDataset: Sendable {
    /// The number of items.
    var count: Int { get }
    /// Class names indexed by class id (label `i` is `classNames[i]`).
    var classNames: [String] { get }
}

extension IndexedDataset {
    /// A shuffled order of all indices for `epoch`, a pure function of (`seed`, `epoch`, `count`).
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: count, epoch: epoch, seed: seed)
    }

    /// The indices of one epoch cut into batches of `size` (the last one shorter unless
    /// `dropLast`); shuffled by `epochOrder(epoch:seed:)`, or in index order when `seed` is nil.
    public func batches(size: Int, seed: UInt64?, epoch: Int = 0, dropLast: Bool = false) -> [[Int]] {
        precondition(size >= 1, "batches: size \(size) must be at least 1")
        let indices = seed.map { epochOrder(epoch: epoch, seed: $0) } ?? Array(0..<count)
        var out = [[Int]]()
        var start = 0
        while start < indices.count {
            let end = min(start + size, indices.count)
            if end - start == size || !dropLast { out.append(Array(indices[start..<end])) }
            start = end
        }
        return out
    }
}
