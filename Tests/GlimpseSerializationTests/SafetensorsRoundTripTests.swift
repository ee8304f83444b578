// Round trips: Float32 tensors written as F32/F16/BF16 and read back, in memory and on disk.

import Foundation
import GlimpseSerialization
import GlimpseTensor
import Testing

/// Tensors of awkward shapes: a matrix, a scalar, zero-size tensors, a 4-D kernel.
private func sampleTensors() -> [String: Tensor] {
    [
        "fc.weight": Tensor(shape: [2, 3], scalars: [0.5, -1.25, 3, 1e-3, -7.75, 100]),
        "fc.bias": Tensor(shape: [3], scalars: [1, 2, 3]),
        "scale": Tensor(shape: [], scalars: [0.25]),
        "empty": Tensor(shape: [0], scalars: []),
        "empty2d": Tensor(shape: [4, 0], scalars: []),
        "conv.weight": Tensor(shape: [2, 1, 3, 3], generator: { Float($0) * 0.125 - 1 }),
    ]
}

@Test(arguments: [SafetensorsDType.f32, .f16, .bf16, .f64])
func roundTripInMemoryKeepsShapesAndValues(dtype: SafetensorsDType) throws {
    let tensors = sampleTensors()
    let metadata = ["format": "pt", "note": "line\nbreak \"quoted\" é 😀"]
    let bytes = SafetensorsFile(tensors, dtype: dtype, metadata: metadata).serialized()
    let file = try SafetensorsFile(bytes: bytes)
    #expect(file.metadata == metadata)
    #expect(file.names == tensors.keys.sorted())
    let loaded = try file.tensors()
    for (name, tensor) in tensors {
        let got = try #require(loaded[name])
        #expect(got.shape == tensor.shape, "\(name)")
        #expect(file[name]?.dtype == dtype)
        let expected: [Float]
        switch dtype {
        case .f16: expected = tensor.scalars.map { Float(Float16($0)) }
        case .bf16: expected = tensor.scalars.map { BFloat16.float(fromBits: BFloat16.bits(from: $0)) }
        default: expected = tensor.scalars
        }
        #expect(got.scalars == expected, "\(name)")
    }
}

@Test func f32RoundTripIsExactAndBytesAreReproducible() throws {
    let tensors = sampleTensors()
    let first = SafetensorsFile(tensors, metadata: ["a": "1", "b": "2", "c": "3"]).serialized()
    let second = SafetensorsFile(tensors, metadata: ["c": "3", "b": "2", "a": "1"]).serialized()
    #expect(first == second)
    let reread = try SafetensorsFile(bytes: first)
    #expect(try reread.tensors() == tensors)
    #expect(reread.serialized() == first)
    // The header (after the 8-byte length) ends on an 8-byte boundary.
    let headerLength = Int(first[0]) | Int(first[1]) << 8
    #expect((8 + headerLength) % 8 == 0)
}

@Test func f16AndBF16RoundToNearestEven() throws {
    // 1 + 2^-11 is halfway between two binary16 values; ties go to the even one (1.0).
    // 1 + 2^-8 is halfway between two bfloat16 values; ties go to the even one (1.0).
    let values: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 70000, -0.0]
    let tensor = Tensor(shape: [values.count], scalars: values)
    let half = try SafetensorsFile(bytes: SafetensorsFile(["x": tensor], dtype: .f16).serialized())
    #expect(try half.tensor(named: "x").scalars.prefix(2) == [1, 1 + 4 * 0x1p-11])
    #expect(try half.tensor(named: "x").scalars[4] == .infinity)
    let brain = try SafetensorsFile(bytes: SafetensorsFile(["x": tensor], dtype: .bf16).serialized())
    #expect(try brain.tensor(named: "x").scalars[2...3] == [1, 1 + 4 * 0x1p-8])
    // bfloat16 1.0 is 0x3F80, stored little-endian.
    #expect(SafetensorsTensor(name: "one", tensor: Tensor(shape: [1], scalars: [1]), dtype: .bf16).bytes == [0x80, 0x3F])
    #expect(SafetensorsTensor(name: "one", tensor: Tensor(shape: [1], scalars: [1]), dtype: .f16).bytes == [0x00, 0x3C])
}

@Test func writeAndLoadThroughAFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")
    let tensors = sampleTensors()
    try SafetensorsFile.write(tensors, dtype: .f32, metadata: ["epoch": "3"], to: url)
    let file = try SafetensorsFile(contentsOf: url)
    #expect(file.source == url.path)
    #expect(file.metadata == ["epoch": "3"])
    #expect(try file.tensors() == tensors)
    #expect(file.parameterCount == tensors.values.reduce(0) { $0 + $1.count })

    // The ordered-list entry point writes the same bytes as the dictionary one.
    let listURL = directory.appendingPathComponent("list.safetensors")
    let list = tensors.map { (name: $0.key, tensor: $0.value) }.reversed()
    try SafetensorsFile.write(Array(list), dtype: .f32, metadata: ["epoch": "3"], to: listURL)
    #expect(try Data(contentsOf: listURL) == Data(contentsOf: url))
}

@Test func emptyFileHasOnlyAHeader() throws {
    let bytes = SafetensorsFile(tensors: []).serialized()
    #expect(bytes == safetensorsBytes(header: "{}      "))
    let file = try SafetensorsFile(bytes: bytes)
    #expect(file.names.isEmpty && file.metadata.isEmpty)
}

@Test func missingTensorNamesTheKey() throws {
    let file = SafetensorsFile(["a": Tensor(zeros: [1])])
    #expect(throws: SafetensorsError.missingTensor(file: "<memory>", key: "b")) { try file.tensor(named: "b") }
}

@Test func checkNamesReportsEveryDifferenceAtOnce() throws {
    var file = SafetensorsFile([
        "conv.weight": Tensor(zeros: [8, 3, 3, 3]),
        "conv.bias": Tensor(zeros: [8]),
        "extra": Tensor(zeros: [2]),
    ])
    file.source = "m.safetensors"
    try file.checkNames(expected: ["conv.weight": [8, 3, 3, 3], "conv.bias": [8], "extra": [2]])
    let expected = SafetensorsError.namesMismatch(
        file: "m.safetensors",
        missing: ["fc.weight": [10, 8]],
        unexpected: ["extra": [2]],
        wrongShapes: [.init(key: "conv.weight", expected: [3, 3, 3, 8], found: [8, 3, 3, 3])])
    #expect(throws: expected) {
        try file.checkNames(expected: ["conv.weight": [3, 3, 3, 8], "conv.bias": [8], "fc.weight": [10, 8]])
    }
    let text = expected.description
    for part in ["m.safetensors", "fc.weight", "[10, 8]", "extra", "conv.weight", "[3, 3, 3, 8]", "[8, 3, 3, 3]"] {
        #expect(text.contains(part), "\(part)")
    }
}

@Test func decodesIntegerAndEightBitFloatTypes() throws {
    func decode(_ dtype: SafetensorsDType, _ bytes: [UInt8]) -> [Float] {
        SafetensorsTensor(name: "t", dtype: dtype, shape: [bytes.count / dtype.byteSize], bytes: bytes).float32().scalars
    }
    #expect(decode(.i8, [0xFF, 0x05]) == [-1, 5])
    #expect(decode(.u8, [0xFF]) == [255])
    #expect(decode(.bool, [0, 1]) == [0, 1])
    #expect(decode(.i16, [0xFE, 0xFF]) == [-2])
    #expect(decode(.i32, [0x10, 0x00, 0x00, 0x00]) == [16])
    // E5M2 0x3C is binary16 0x3C00 = 1.0; E4M3 0x38 = 2^(7-7) = 1.0, 0x7E = 448 (largest), 0x01 = 2^-9.
    #expect(decode(.f8e5m2, [0x3C, 0xC0]) == [1, -2])
    #expect(decode(.f8e4m3, [0x38, 0x7E, 0x01, 0xB8]) == [1, 448, 0x1p-9, -1])
    #expect(decode(.f8e4m3, [0x7F])[0].isNaN)
}

/// Decoding a few million F16/BF16 values must stay a tight loop (generous bound for debug builds).
@Test func decodesMillionsOfHalfValuesQuickly() throws {
    let count = 2_000_000
    let tensor = Tensor(shape: [count], generator: { Float($0 % 256) / 8 })  // exact in F16 and BF16
    for dtype in [SafetensorsDType.f16, .bf16] {
        let stored = SafetensorsTensor(name: "w", tensor: tensor, dtype: dtype)
        let start = ContinuousClock.now
        let decoded = stored.float32()
        let elapsed = ContinuousClock.now - start
        let exact = decoded.scalars == tensor.scalars  // a Bool: a failing array #expect would diff 2M elements
        #expect(exact)
        #expect(elapsed < .seconds(5), "\(dtype) decode took \(elapsed)")
    }
}
