// ModelWeights: a model's parameters and buffers to and from safetensors files.
//
// The file's keys are the parameter paths (`conv1.weight`), exactly as the model names them;
// loading checks the complete set of names and every shape before touching the model, and
// reports every missing, unexpected or misshapen key in one error.

import Foundation
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor

extension Layer {
    /// The shapes of everything a weights file must hold for this model (parameters and buffers).
    public var stateShapes: [String: [Int]] {
        state.mapValues(\.shape)
    }

    /// Replaces parameters and buffers with the file's tensors (decoded from F32, F16 or BF16).
    ///
    /// Throws `SafetensorsError` naming the file and every key that is missing, unexpected or
    /// misshapen; the model is unchanged when it throws. Keys listed in `ignoring` (for example a
    /// checkpoint's optimizer state) are skipped.
    public mutating func load(from file: SafetensorsFile, ignoringPrefixes ignoring: [String] = []) throws {
        var expected = stateShapes
        let extra = file.names.filter { name in ignoring.contains { name.hasPrefix($0) } }
        var filtered = file
        if !extra.isEmpty {
            filtered = SafetensorsFile(tensors: file.entries.filter { entry in !extra.contains(entry.name) },
                                       metadata: file.metadata, source: file.source)
        }
        try filtered.checkNames(expected: expected)
        var tensors = [String: Tensor]()
        for name in expected.keys { tensors[name] = try filtered.tensor(named: name) }
        updateParameters { name, parameter in parameter = tensors[name]! }
        updateBuffers { name, buffer in buffer = tensors[name]! }
        expected.removeAll()
    }

    /// Loads parameters and buffers from a safetensors file on disk.
    public mutating func load(contentsOf url: URL) throws {
        try load(from: SafetensorsFile(contentsOf: url))
    }

    /// Writes parameters and buffers to a safetensors file atomically.
    public func save(to url: URL, dtype: SafetensorsDType = .f32, metadata: [String: String] = [:]) throws {
        try SafetensorsFile.write(state, dtype: dtype, metadata: metadata, to: url)
    }

    /// This model with every parameter and buffer rounded to Float16 and widened back: what
    /// storing the weights in half precision costs.
    public func roundedToHalf() -> Self {
        var copy = self
        copy.updateParameters { _, p in p = p.roundedToHalf() }
        copy.updateBuffers { _, b in b = b.roundedToHalf() }
        return copy
    }
}
