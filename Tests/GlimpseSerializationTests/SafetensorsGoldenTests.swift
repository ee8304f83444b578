// Golden files: bytes written by the reference implementation (Python `safetensors` 0.8.0,
// numpy 2.4.6), embedded as base64 because test resources would need Package.swift changes.
// Our writer must reproduce them byte for byte and our reader must read them back.

import Foundation
import GlimpseSerialization
import GlimpseTensor
import Testing

/// ```python
/// import numpy as np, base64
/// from safetensors.numpy import save
/// t = {
///   "b": np.array([1.0, -2.5, 3.25], dtype=np.float32),
///   "a.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
///   "s": np.array(7.0, dtype=np.float32),
///   "z": np.zeros((0, 2), dtype=np.float32),
/// }
/// print(base64.b64encode(save(t, metadata={"format": "pt"})).decode())
/// t16 = {k: v.astype(np.float16) for k, v in t.items()}
/// print(base64.b64encode(save(t16, metadata={"format": "pt"})).decode())
/// ```
private let goldenF32 = """
    CAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCJ9LCJhLndlaWdodCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwzXSwiZGF0YV9vZmZzZXRzIjpbMCwyNF19LCJiIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlszXSwiZGF0YV9vZmZzZXRzIjpbMjQsMzZdfSwicyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbXSwiZGF0YV9vZmZzZXRzIjpbMzYsNDBdfSwieiI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMCwyXSwiZGF0YV9vZmZzZXRzIjpbNDAsNDBdfX0gICAAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8AAIA/AAAgwAAAUEAAAOBA
    """
private let goldenF16 = """
    CAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCJ9LCJhLndlaWdodCI6eyJkdHlwZSI6IkYxNiIsInNoYXBlIjpbMiwzXSwiZGF0YV9vZmZzZXRzIjpbMCwxMl19LCJiIjp7ImR0eXBlIjoiRjE2Iiwic2hhcGUiOlszXSwiZGF0YV9vZmZzZXRzIjpbMTIsMThdfSwicyI6eyJkdHlwZSI6IkYxNiIsInNoYXBlIjpbXSwiZGF0YV9vZmZzZXRzIjpbMTgsMjBdfSwieiI6eyJkdHlwZSI6IkYxNiIsInNoYXBlIjpbMCwyXSwiZGF0YV9vZmZzZXRzIjpbMjAsMjBdfX0gICAAAAA0ADgAOgA8AD0APADBgEIARw==
    """

/// ```python
/// ts = {"a": np.array([1.5], np.float16), "b": np.array([-3], np.int64), "c": np.array([2.0], np.float32),
///       "d": np.array([200], np.uint8), "e": np.array([0.1], np.float64), "f": np.array([True]),
///       "g": np.array([-300], np.int16), "h": np.array([7], np.uint64), "i": np.array([-5], np.int8),
///       "j": np.array([-70000], np.int32), "k": np.array([70000], np.uint32), "l": np.array([60000], np.uint16)}
/// print(base64.b64encode(save(ts)).decode())
/// ```
private let goldenMixed = """
    mAIAAAAAAAB7ImgiOnsiZHR5cGUiOiJVNjQiLCJzaGFwZSI6WzFdLCJkYXRhX29mZnNldHMiOlswLDhdfSwiYiI6eyJkdHlwZSI6Ikk2NCIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6WzgsMTZdfSwiZSI6eyJkdHlwZSI6IkY2NCIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6WzE2LDI0XX0sImMiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzFdLCJkYXRhX29mZnNldHMiOlsyNCwyOF19LCJrIjp7ImR0eXBlIjoiVTMyIiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbMjgsMzJdfSwiaiI6eyJkdHlwZSI6IkkzMiIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6WzMyLDM2XX0sImEiOnsiZHR5cGUiOiJGMTYiLCJzaGFwZSI6WzFdLCJkYXRhX29mZnNldHMiOlszNiwzOF19LCJsIjp7ImR0eXBlIjoiVTE2Iiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbMzgsNDBdfSwiZyI6eyJkdHlwZSI6IkkxNiIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6WzQwLDQyXX0sImkiOnsiZHR5cGUiOiJJOCIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6WzQyLDQzXX0sImQiOnsiZHR5cGUiOiJVOCIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6WzQzLDQ0XX0sImYiOnsiZHR5cGUiOiJCT09MIiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbNDQsNDVdfX0gICAgICAgBwAAAAAAAAD9/////////5qZmZmZmbk/AAAAQHARAQCQ7v7/AD5g6tT++8gB
    """

/// ```python
/// print(base64.b64encode(save({"x": np.array([[0.5, -1.0]], np.float32)},
///                             metadata={"note": "a\"b\\c\n\x01é"})).decode())
/// ```
private let goldenEscapes = """
    aAAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJub3RlIjoiYVwiYlxcY1xuXHUwMDAxw6kifSwieCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMSwyXSwiZGF0YV9vZmZzZXRzIjpbMCw4XX19ICAgIAAAAD8AAIC/
    """

private func goldenTensors() -> [String: Tensor] {
    [
        "b": Tensor(shape: [3], scalars: [1, -2.5, 3.25]),
        "a.weight": Tensor(shape: [2, 3], scalars: [0, 0.25, 0.5, 0.75, 1, 1.25]),
        "s": Tensor(shape: [], scalars: [7]),
        "z": Tensor(shape: [0, 2], scalars: []),
    ]
}

@Test(arguments: [(SafetensorsDType.f32, goldenF32), (.f16, goldenF16)])
func writerMatchesReferenceBytes(dtype: SafetensorsDType, golden: String) throws {
    let expected = base64Bytes(golden)
    #expect(SafetensorsFile(goldenTensors(), dtype: dtype, metadata: ["format": "pt"]).serialized() == expected)
    let file = try SafetensorsFile(bytes: expected)
    #expect(file.metadata == ["format": "pt"])
    #expect(try file.tensors() == goldenTensors())  // every value is exact in binary16
    #expect(file["a.weight"]?.dtype == dtype)
}

@Test func writerMatchesReferenceLayoutForMixedDTypes() throws {
    let expected = base64Bytes(goldenMixed)
    let file = try SafetensorsFile(bytes: expected)
    let values = try file.tensors().mapValues(\.scalars)
    #expect(values == [
        "a": [1.5], "b": [-3], "c": [2], "d": [200], "e": [Float(0.1)], "f": [1],
        "g": [-300], "h": [7], "i": [-5], "j": [-70000], "k": [70000], "l": [60000],
    ])
    #expect(file["f"]?.dtype == .bool && file["l"]?.dtype == .u16 && file["e"]?.dtype == .f64)
    // Rebuilt from the parsed tensors, in a shuffled order, the bytes are the reference's.
    #expect(SafetensorsFile(tensors: file.entries.shuffled()).serialized() == expected)
}

@Test func writerEscapesStringsLikeTheReference() throws {
    let expected = base64Bytes(goldenEscapes)
    let metadata = ["note": "a\"b\\c\n\u{01}é"]
    let tensors = ["x": Tensor(shape: [1, 2], scalars: [0.5, -1])]
    #expect(SafetensorsFile(tensors, metadata: metadata).serialized() == expected)
    #expect(try SafetensorsFile(bytes: expected).metadata == metadata)
}
