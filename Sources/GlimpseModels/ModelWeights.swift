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
        let kept = Self.keptTest(keeping)
        var found = [String: [Int]]()
        for entry in file.entries where !kept(entry.name) { found[entry.name] = entry.shape }
        // names and shapes first, so nothing is decoded for a file that does not fit
        try SafetensorsFile.checkNames(found: found, expected: stateShapes.filter { !kept($0.key) }, source: file.source)
        var tensors = [String: Tensor]()
        for name in found.keys { tensors[name] = try file.tensor(named: name) }
        replaceState(with: tensors)
    }

    /// Replaces parameters and buffers with `tensors`, a plain name-to-tensor map (a checkpoint's
    /// model state, converted weights): the same checks as `load(from:keeping:)`, with `source`
    /// named in the error, and nothing re-encoded.
    public mutating func load(_ tensors: [String: Tensor], source: String, keeping: [String] = []) throws {
        let kept = Self.keptTest(keeping)
        let relevant = tensors.filter { !kept($0.key) }
        try SafetensorsFile.checkNames(found: relevant.mapValues(\.shape), expected: stateShapes.filter { !kept($0.key) },
                                       source: source)
        replaceState(with: relevant)
    }

    /// Whether a name lies under one of the `keeping` prefixes.
    private static func keptTest(_ keeping: [String]) -> (String) -> Bool {
        { name in keeping.contains { name.hasPrefix($0) } }
    }

    /// Sets every parameter and buffer named in `tensors` (already checked for names and shapes).
    private mutating func replaceState(with tensors: [String: Tensor]) {
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
