// MNIST: the MNIST (and Fashion-MNIST) data set in memory, with batching, a validation
// hold-out and a seeded epoch order (`IndexedDataset.epochOrder`, the one shuffle).
//
// Both data sets ship as four IDX files (see IDX.swift), 28x28 unsigned-byte images and labels
// 0-9. Images stay as bytes (47 MB for the 60,000 training images, a quarter of the Float size)
// and are scaled to [0, 1] Floats one batch at a time. Nothing here is random except through an
// explicit seed, so a training run can be resumed at any epoch and reproduce its batches.

import Foundation
import GlimpseTensor

/// A failure to load an MNIST-style data set, naming the file and the cause.
public struct MNISTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Equatable, Sendable {
        /// None of the accepted file names exists; `tried` lists them.
        case missingFile(tried: [String])
        /// The file could not be read as IDX.
        case idx(IDXError.Cause)
        /// The image file is not `[count, 28, 28]`.
        case wrongImageShape(dimensions: [Int])
        /// The image and label files hold different numbers of items.
        case countMismatch(images: Int, labels: Int, labelFile: String)
        /// A label is not in 0..<10.
        case labelOutOfRange(index: Int, label: UInt8)
    }

    /// The file (or, for `missingFile`, the directory) the problem is in.
    public var file: String
    /// What went wrong.
    public var cause: Cause

    /// Creates an error for `file` with `cause`.
    public init(file: String, cause: Cause) {
        self.file = file
        self.cause = cause
    }

    /// A one-line message: `MNIST: FILE: cause` (for IDX problems, the IDX reader's message).
    public var description: String {
        let reason: String
        switch cause {
        case .missingFile(let tried):
            reason = "none of the files \(tried.joined(separator: ", ")) exists in this directory"
        case .idx(let idxCause):
            return IDXError(file: file, cause: idxCause).description
        case .wrongImageShape(let dims):
            reason = "images have dimensions \(dims), expected [count, 28, 28]"
        case .countMismatch(let images, let labels, let labelFile):
            reason = "\(images) images but \(labels) labels in \(labelFile)"
        case .labelOutOfRange(let index, let label):
            reason = "label \(label) at index \(index) is not in 0..<10"
        }
        return "MNIST: \(file): \(reason)"
    }
}

/// MNIST or Fashion-MNIST images `[count, 28, 28]` (unsigned bytes) with their labels 0-9.
public struct MNISTDataset: Sendable, Equatable {
    /// Image height and width in pixels.
    public static let side = 28
    /// Pixels per image (28 * 28).
    public static let pixelsPerImage = side * side
    /// Number of classes (labels are 0..<10).
    public static let classCount = 10

    /// Which of the two standard splits to load.
    public enum Split: String, Sendable, CaseIterable {
        /// The 60,000 training images (file prefix `train`).
        case train
        /// The 10,000 test images (file prefix `t10k`).
        case test

        /// The file-name prefix the split's files share.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// Pixels of all images, row-major `[count, 28, 28]`, 0 (background) to 255.
    public let images: [UInt8]
    /// The class of each image, `[count]`, each in 0..<10.
    public let labels: [UInt8]

    /// The number of images.
    public var count: Int { labels.count }

    /// Creates a data set from pixels `[count * 28 * 28]` and labels `[count]` (each < 10).
    public init(images: [UInt8], labels: [UInt8]) {
        precondition(images.count == labels.count * Self.pixelsPerImage,
                     "MNISTDataset: \(images.count) pixels for \(labels.count) labels")
        precondition(labels.allSatisfy { Int($0) < Self.classCount }, "MNISTDataset: label out of range")
        self.images = images
        self.labels = labels
    }

    /// The accepted file names of a split, in the order they are tried: the MNIST spelling
    /// (`train-images.idx3-ubyte.gz`), the Fashion-MNIST one (`train-images-idx3-ubyte.gz`),
    /// then both without `.gz`.
    public static func candidateFileNames(for split: Split) -> (images: [String], labels: [String]) {
        let prefix = split.filePrefix
        func names(_ kind: String, _ idx: String) -> [String] {
            let dotted = "\(prefix)-\(kind).\(idx)-ubyte"
            let dashed = "\(prefix)-\(kind)-\(idx)-ubyte"
            return [dotted + ".gz", dashed + ".gz", dotted, dashed]
        }
        return (names("images", "idx3"), names("labels", "idx1"))
    }

    /// Loads a split from `directory`, trying each name of `candidateFileNames(for:)`.
    ///
    /// - Throws: `MNISTError` naming the file when a file is missing or malformed, the image and
    ///   label counts differ, or a label is 10 or more.
    public init(directory: String, split: Split) throws(MNISTError) {
        let candidates = Self.candidateFileNames(for: split)
        let imagesFile = try Self.firstExisting(candidates.images, in: directory)
        let labelsFile = try Self.firstExisting(candidates.labels, in: directory)
        try self.init(imagesFile: imagesFile, labelsFile: labelsFile)
    }

    /// Loads images and labels from two IDX files (plain or gzipped).
    ///
    /// - Throws: `MNISTError` naming the file, as for `init(directory:split:)`.
    public init(imagesFile: String, labelsFile: String) throws(MNISTError) {
        let imageArray: IDXArray
        let labelArray: IDXArray
        do throws(IDXError) {
            imageArray = try IDX.read(path: imagesFile, expectedMagic: IDX.imagesMagic)
            labelArray = try IDX.read(path: labelsFile, expectedMagic: IDX.labelsMagic)
        } catch {
            throw MNISTError(file: error.file, cause: .idx(error.cause))
        }
        let dims = imageArray.dimensions
        guard dims.count == 3, dims[1] == Self.side, dims[2] == Self.side else {
            throw MNISTError(file: imagesFile, cause: .wrongImageShape(dimensions: dims))
        }
        guard dims[0] == labelArray.dimensions[0] else {
            throw MNISTError(file: imagesFile, cause: .countMismatch(
                images: dims[0], labels: labelArray.dimensions[0], labelFile: labelsFile))
        }
        if let bad = labelArray.bytes.firstIndex(where: { Int($0) >= Self.classCount }) {
            throw MNISTError(file: labelsFile, cause: .labelOutOfRange(index: bad, label: labelArray.bytes[bad]))
        }
        self.init(images: imageArray.bytes, labels: labelArray.bytes)
    }

    private static func firstExisting(_ names: [String], in directory: String) throws(MNISTError) -> String {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                return base + name
            }
        }
        throw MNISTError(file: directory, cause: .missingFile(tried: names))
    }

    // MARK: - Batches

    /// Writes images `indices` into `images` (reshaped to `[B, 1, 28, 28]` if needed) and their
    /// labels into `labels`, reusing both buffers across steps when the batch size is unchanged.
    public func fillBatch<Indices: Collection>(_ indices: Indices, images: inout Tensor, labels: inout [Int])
    where Indices.Element == Int {
        let batchShape = [indices.count, 1, Self.side, Self.side]
        if images.shape != batchShape {
            images = Tensor(zeros: batchShape)
        }
        labels.removeAll(keepingCapacity: true)
        let pixels = Self.pixelsPerImage
        let scale: Float = 1.0 / 255.0
        self.images.withUnsafeBufferPointer { source in
            images.withUnsafeMutableBufferPointer { destination in
                for (slot, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "MNISTDataset.batch: index \(index) out of 0..<\(count)")
                    let from = source.baseAddress! + index * pixels
                    let to = destination.baseAddress! + slot * pixels
                    for p in 0..<pixels { to[p] = Float(from[p]) * scale }
                    labels.append(Int(self.labels[index]))
                }
            }
        }
    }

    /// The mean pixel value over all images, on the 0-255 scale (MNIST train: 33.318).
    public var meanPixel: Double {
        guard !images.isEmpty else { return 0 }
        let total = images.withUnsafeBufferPointer { buffer -> UInt64 in
            var sum: UInt64 = 0
            for value in buffer { sum &+= UInt64(value) }
            return sum
        }
        return Double(total) / Double(images.count)
    }

    // MARK: - Subsets

    /// Images `range` as a data set of their own (copies), for small tests and quick runs.
    public func subset(_ range: Range<Int>) -> MNISTDataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "MNISTDataset.subset: \(range) out of 0..<\(count)")
        let pixels = Self.pixelsPerImage
        return MNISTDataset(images: Array(images[(range.lowerBound * pixels)..<(range.upperBound * pixels)]),
                            labels: Array(labels[range]))
    }
}

extension MNISTDataset: ClassificationData {
    /// The digits "0" to "9" (for Fashion-MNIST, the same indices name its ten garment classes).
    public var classNames: [String] { (0..<Self.classCount).map(String.init) }
    /// `[1, 28, 28]`.
    public var sampleShape: [Int] { [1, Self.side, Self.side] }
}
