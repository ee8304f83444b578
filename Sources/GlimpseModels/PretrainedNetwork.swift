// PretrainedNetwork: a network of a known architecture with its weights loaded from a file, and
// what the file says about it: the input its weights expect (the `preprocess.*` metadata, or
// the architecture's published preprocessing when the file has none), its class count (read
// from the head's shape, so fine-tuned weights with new classes load too) and a digest of the
// file's bytes, which names the weights in pipelines and checkpoints.

import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization

/// A network loaded from a weights file.
public struct PretrainedNetwork: Sendable {
    /// Its architecture.
    public let architecture: Architecture
    /// The network with the file's parameters and buffers.
    public let network: Sequential
    /// How images become its input.
    public let preprocessing: ImagePreprocessing
    /// Its class count (the head's output size).
    public let classes: Int
    /// The weights file's path as given.
    public let weightsFile: String
    /// FNV-1a 64 of the file's bytes, 16 hex digits: the same weights have the same digest wherever they lie.
    public let weightsDigest: String

    /// Loads `weightsPath` into a network of `architecture`; throws naming the file when it
    /// cannot be read, has no head tensor, or does not fit the architecture (every missing,
    /// unexpected or misshapen key).
    public init(architecture: Architecture, weights weightsPath: String) throws {
        let data = try Self.mappedData(of: weightsPath)
        let file = try SafetensorsFile(data: data, source: weightsPath)
        let headKey = architecture.head + ".weight"
        guard let head = file[headKey] else {
            throw SafetensorsError.invalidLayout(
                file: weightsPath, key: headKey, reason: "no \(headKey): not \(architecture.rawValue) weights")
        }
        guard let classes = head.shape.first, classes > 0 else {
            throw SafetensorsError.invalidLayout(file: weightsPath, key: headKey, reason: "shape \(head.shape) gives no class count")
        }
        var network = architecture.make(classes: classes, seed: 0)
        try network.load(from: file)
        self.architecture = architecture
        self.network = network
        self.classes = classes
        self.preprocessing = file.metadata["preprocess.input_size"] == nil
            ? architecture.defaultPreprocessing
            : try ImagePreprocessing(metadata: file.metadata, source: weightsPath)
        self.weightsFile = weightsPath
        self.weightsDigest = Self.digest(of: data)
    }

    /// The digest `weightsDigest` would be for the file at `path`, without loading a network.
    public static func digest(of path: String) throws -> String {
        digest(of: try mappedData(of: path))
    }

    /// FNV-1a 64 of `data`, 16 hex digits.
    private static func digest(of data: Data) -> String {
        data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
    }

    /// The file's bytes, memory-mapped (a weights file is read once, never copied whole);
    /// throws `SafetensorsError.unreadable` naming it.
    private static func mappedData(of path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw SafetensorsError.unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
    }
}
