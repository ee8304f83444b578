// ClassificationData: a labelled set of images of one size that a classifier trains on, batch
// by batch. MNIST's IDX files and a folder of class subfolders both conform, so one trainer
// serves both.

import GlimpseTensor

/// Labelled images of one shape, addressed by index, read as batched network input.
public protocol ClassificationData: IndexedDataset {
    /// One image's network-input shape `[C, H, W]`.
    var sampleShape: [Int] { get }

    /// Writes images `indices` into `images` (reshaped to `[B, C, H, W]` if needed) as network
    /// input, and their labels into `labels`, reusing both buffers when the batch size is unchanged.
    func fillBatch<Indices: Collection>(_ indices: Indices, images: inout Tensor, labels: inout [Int])
    where Indices.Element == Int

    /// Images `range` as a set of their own.
    func subset(_ range: Range<Int>) -> Self
}

extension ClassificationData {
    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// Images `indices` as network input `[B, C, H, W]` with their `B` labels.
    public func batch<Indices: Collection>(_ indices: Indices) -> (images: Tensor, labels: [Int])
    where Indices.Element == Int {
        var images = Tensor(zeros: [indices.count] + sampleShape)
        var labels = [Int]()
        fillBatch(indices, images: &images, labels: &labels)
        return (images, labels)
    }

    /// Holds out the LAST `validation` images; deterministic, no seed.
    public func split(validation: Int) -> (training: Self, validation: Self) {
        precondition(validation >= 0 && validation <= count, "split: cannot hold out \(validation) of \(count) images")
        return (subset(0..<(count - validation)), subset((count - validation)..<count))
    }
}
