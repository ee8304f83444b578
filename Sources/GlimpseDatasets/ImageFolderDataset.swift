// ImageFolderDataset: the layout most users already have for classification: a folder with one
// subfolder per class (`pets/cat/1.jpg`, `pets/dog/2.png`), as torchvision's ImageFolder reads it.
//
// Class names are the subfolder names in sorted order, so label i is the same on every machine.
// Files are recognised by content (PNG or JPEG signature), not by extension; other files are
// skipped and counted. Every image is decoded once, when the set is opened, resized to the
// network's input and kept as bytes `[C, S, S]`: a broken file is found before hours of training,
// not in epoch 7, and later epochs cost no decoding. The set must fit in memory as bytes
// (`maxBytes`, default 4 GiB: 80,000 SqueezeNet-size RGB images).

import Foundation
import GlimpseImaging
import GlimpseTensor

/// A folder that cannot be used as a classification set, naming the path and the cause.
public struct ImageFolderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder or file involved.
    public var path: String
    /// What is wrong.
    public var problem: String

    /// Creates the error.
    public init(path: String, problem: String) {
        (self.path, self.problem) = (path, problem)
    }

    /// "PATH: PROBLEM".
    public var description: String { "\(path): \(problem)" }
}

/// Images in class subfolders, decoded and resized once, as a `ClassificationData`.
public struct ImageFolderDataset: ClassificationData, Equatable {
    /// The folder the set was read from.
    public let directory: String
    /// Subfolder names, sorted: label i is `classNames[i]`.
    public let classNames: [String]
    /// How each image became network input.
    public let preprocessing: ImagePreprocessing
    /// Each image's path relative to `directory`, classes interleaved round-robin (each class's
    /// files in path order).
    public let files: [String]
    /// Each image's label, `[count]`.
    public let labels: [Int]
    /// Files that are not PNG or JPEG (by content), skipped, relative to `directory`.
    public let skipped: [String]
    /// Image files that failed to decode, skipped, with the decoder's message.
    public let failures: [ImageFolderError]
    /// Every image's bytes, `[count, C, S, S]` (S = preprocessing.inputSize).
    private let pixels: [UInt8]
    /// `preprocessing.lookupTables`, made once: byte value -> network input, per channel.
    private let tables: [[Float]]

    /// Number of images.
    public var count: Int { labels.count }
    /// `[C, S, S]` of the preprocessing.
    public var sampleShape: [Int] { [preprocessing.channels, preprocessing.inputSize, preprocessing.inputSize] }

    /// Reads every image under `directory`'s class subfolders (nested folders inside a class
    /// folder belong to that class; hidden files and folders are ignored).
    ///
    /// - Parameters:
    ///   - classNames: the classes to expect, in label order (for a test folder that must use
    ///     the training folder's labels); a subfolder not among them is an error, a class with
    ///     no subfolder simply has no images. Nil: the sorted subfolder names.
    ///   - maxBytes: refuse sets whose resized bytes would exceed this.
    /// - Throws: `ImageFolderError` when the folder is missing, has no class subfolders, holds no
    ///   decodable image, has a subfolder outside `classNames`, has a subfolder whose name holds a
    ///   control character, or would not fit in `maxBytes`; and, when `classNames` is nil (a
    ///   training set), when it has only one class subfolder or a class subfolder without a
    ///   decodable image.
    ///   Single broken images do not throw: they are listed in `failures` and left out.
    public init(directory: String, preprocessing: ImagePreprocessing, classNames expected: [String]? = nil,
                maxBytes: Int = 4 << 30) throws(ImageFolderError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageFolderError(path: directory, problem: "no such folder")
        }
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw ImageFolderError(path: directory, problem: "cannot list the folder (\(error.localizedDescription))")
        }
        let subfolders = entries.filter { name in
            var isFolder: ObjCBool = false
            return manager.fileExists(atPath: directory + "/" + name, isDirectory: &isFolder) && isFolder.boolValue
        }
        guard !subfolders.isEmpty else {
            throw ImageFolderError(path: directory, problem: "no class subfolders (expected DIR/CLASS/IMAGE files)")
        }
        // Class names go into the weights' metadata one per line and onto terminals: a control
        // character (a newline would add a class) is refused, not carried along.
        if let odd = subfolders.first(where: { name in name.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw ImageFolderError(path: directory, problem: "class folder \(odd.debugDescription) has a control character in its "
                                   + "name; rename it (class names are stored one per line)")
        }
        // A classifier of one class learns nothing (loss 0, accuracy 100%): refuse it.
        if expected == nil, subfolders.count == 1 {
            throw ImageFolderError(path: directory, problem: "only one class subfolder (\"\(subfolders[0])\"); "
                                   + "a classifier needs at least two classes")
        }
        let names = expected ?? subfolders
        if let expected, let unknown = subfolders.first(where: { !expected.contains($0) }) {
            throw ImageFolderError(path: directory + "/" + unknown,
                                   problem: "class \"\(unknown)\" is not one of the \(expected.count) training classes")
        }

        // Candidate files per class, by content.
        var candidates = [(path: String, label: Int)]()
        var skipped = [String]()
        for (label, name) in names.enumerated() where subfolders.contains(name) {
            for relative in Self.files(under: directory + "/" + name).map({ name + "/" + $0 }) {
                if Self.looksLikeImage(directory + "/" + relative) {
                    candidates.append((relative, label))
                } else {
                    skipped.append(relative)
                }
            }
        }
        let plane = preprocessing.channels * preprocessing.inputSize * preprocessing.inputSize
        guard candidates.count * plane <= maxBytes else {
            throw ImageFolderError(path: directory, problem: "\(candidates.count) images need \(candidates.count * plane >> 20) MiB "
                                   + "at \(preprocessing.inputSize)x\(preprocessing.inputSize), over the \(maxBytes >> 20) MiB limit")
        }

        // Decode and resize in parallel; each slot is written by exactly one chunk.
        let decoded = UnsafeMutableBufferPointer<[UInt8]?>.allocate(capacity: candidates.count)
        decoded.initialize(repeating: nil)
        let errors = UnsafeMutableBufferPointer<ImageFolderError?>.allocate(capacity: candidates.count)
        errors.initialize(repeating: nil)
        defer {
            decoded.deinitialize().deallocate()
            errors.deinitialize().deallocate()
        }
        let candidateList = candidates
        let (decodedSlots, errorSlots) = (decoded, errors)
        Compute.parallelChunks(candidateList.count) { _, range in
            for i in range {
                let path = directory + "/" + candidateList[i].path
                do {
                    decodedSlots[i] = preprocessing.planarBytes(for: try ImageFile.read(path))
                } catch {
                    errorSlots[i] = ImageFolderError(path: path, problem: "\(error)")
                }
            }
        }
        // Round-robin over the classes (the first image of each class, then the second, ...), so
        // that a hold-out taken from the end, or a --limit taken from the start, has every class.
        var perClass = [[Int]](repeating: [], count: names.count)
        var failures = [ImageFolderError]()
        for i in candidates.indices {
            if decoded[i] != nil {
                perClass[candidates[i].label].append(i)
            } else if let error = errors[i] {
                failures.append(error)
            }
        }
        var pixels = [UInt8]()
        pixels.reserveCapacity(candidates.count * plane)
        var files = [String](), labels = [Int]()
        for round in 0..<(perClass.map(\.count).max() ?? 0) {
            for members in perClass where round < members.count {
                let i = members[round]
                pixels += decoded[i]!
                files.append(candidates[i].path)
                labels.append(candidates[i].label)
            }
        }
        guard !labels.isEmpty else {
            throw ImageFolderError(path: directory, problem: "no decodable PNG or JPEG images in the class subfolders"
                                   + (failures.isEmpty ? "" : " (\(failures.count) failed, first: \(failures[0]))"))
        }
        // A training class without images would be an output that is never trained; a test
        // folder (`expected` given) may lack classes.
        if expected == nil, let empty = perClass.firstIndex(where: \.isEmpty) {
            throw ImageFolderError(path: directory + "/" + names[empty],
                                   problem: "class folder holds no decodable image, so its output would never be trained; "
                                   + "add images or remove the folder")
        }
        self.init(directory: directory, classNames: names, preprocessing: preprocessing, files: files, labels: labels,
                  skipped: skipped, failures: failures, pixels: pixels)
    }

    private init(directory: String, classNames: [String], preprocessing: ImagePreprocessing, files: [String],
                 labels: [Int], skipped: [String], failures: [ImageFolderError], pixels: [UInt8]) {
        self.directory = directory
        self.classNames = classNames
        self.preprocessing = preprocessing
        self.files = files
        self.labels = labels
        self.skipped = skipped
        self.failures = failures
        self.pixels = pixels
        self.tables = preprocessing.lookupTables
    }

    /// Regular files under `folder` (recursively, following symlinked files, not hidden), as
    /// sorted paths relative to it.
    static func files(under folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var found = [String]()
        while let relative = walker.nextObject() as? String {
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue {
                found.append(relative)
            }
        }
        return found.sorted()
    }

    /// Whether the file starts with a PNG or JPEG signature (`ImageFormat.detect(fileAt:)`); an
    /// unreadable file counts as an image, so that decoding reports it as a failure.
    static func looksLikeImage(_ path: String) -> Bool {
        do {
            return try ImageFormat.detect(fileAt: path) != nil
        } catch {
            return true
        }
    }

    // MARK: - ClassificationData

    /// Writes images `indices` normalised by `preprocessing` into `images` `[B, C, S, S]` and
    /// their labels into `labels`.
    public func fillBatch<Indices: Collection>(_ indices: Indices, images: inout Tensor, labels: inout [Int])
    where Indices.Element == Int {
        let shape = [indices.count] + sampleShape
        if images.shape != shape { images = Tensor(zeros: shape) }
        labels.removeAll(keepingCapacity: true)
        let plane = sampleShape.reduce(1, *)
        pixels.withUnsafeBufferPointer { source in
            images.withUnsafeMutableBufferPointer { destination in
                for (slot, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "ImageFolderDataset.batch: index \(index) out of 0..<\(count)")
                    preprocessing.normalize(UnsafeBufferPointer(rebasing: source[(index * plane)..<((index + 1) * plane)]),
                                            tables: tables,
                                            into: UnsafeMutableBufferPointer(rebasing: destination[(slot * plane)..<((slot + 1) * plane)]))
                    labels.append(self.labels[index])
                }
            }
        }
    }

    /// Images `range` as a set of their own (same classes and preprocessing).
    public func subset(_ range: Range<Int>) -> ImageFolderDataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "ImageFolderDataset.subset: \(range) out of 0..<\(count)")
        let plane = sampleShape.reduce(1, *)
        return ImageFolderDataset(directory: directory, classNames: classNames, preprocessing: preprocessing,
                                  files: Array(files[range]), labels: Array(labels[range]), skipped: skipped,
                                  failures: failures, pixels: Array(pixels[(range.lowerBound * plane)..<(range.upperBound * plane)]))
    }
}
