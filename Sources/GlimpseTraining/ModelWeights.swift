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
    /// misshapen; the model is unchanged when it throws. Names under a `keeping` prefix (a new
    /// head when fine-tuning) keep the model's values and are neither expected nor read in the file.
    public mutating func load(from file: SafetensorsFile, keeping: [String] = []) throws {
        let kept = { (name: String) in keeping.contains { name.hasPrefix($0) } }
        let expected = stateShapes.filter { !kept($0.key) }
        let relevant = keeping.isEmpty ? file
            : SafetensorsFile(tensors: file.entries.filter { !kept($0.name) }, metadata: file.metadata, source: file.source)
        try relevant.checkNames(expected: expected)
        var tensors = [String: Tensor]()
        for name in expected.keys { tensors[name] = try relevant.tensor(named: name) }
        updateParameters { name, parameter in if let value = tensors[name] { parameter = value } }
        updateBuffers { name, buffer in if let value = tensors[name] { buffer = value } }
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
