// libFuzzer entry points for every parser of outside files except the image codecs (those are
// Fuzz/imaging): built by run.sh, not by SwiftPM, once per target with -D FUZZ_<TARGET>, and
// linked against library modules that SwiftPM compiled with the fuzzer's coverage and
// AddressSanitizer (`--sanitize fuzzer --sanitize address`).
//
// Every input must come back as a value or a typed error: a crash, a precondition failure, an
// exit, a sanitizer report, a hang or a runaway allocation is a finding. Parsers that only read
// files (pipeline files, list files, the ledger) get the input through a file in /dev/shm.

import Foundation
import GlimpseDatasets
import GlimpseSerialization
#if FUZZ_PROPOSALS
import GlimpseProposals
#endif
#if FUZZ_YAML || FUZZ_LEDGER || FUZZ_LISTS
import GlimpsePipeline
import GlimpseRegistry
#endif
#if FUZZ_CAPTION
import GlimpseCaptioning
#endif

/// A file private to this process for parsers that take a path.
private let scratch = "/dev/shm/glimpse-fuzz-\(getpid())"

private func withFile(_ bytes: [UInt8], named name: String, _ body: (String) -> Void) {
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let path = scratch + "/" + name
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    body(path)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParse(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
#if FUZZ_SAFETENSORS
    // The 8-byte header length, the JSON header, dtypes, shapes and offsets.
    _ = try? SafetensorsFile(bytes: bytes, source: "fuzz.safetensors")
#elseif FUZZ_JSON
    _ = try? JSONParser().parse(bytes)
    _ = try? JSONParser(rejectsDuplicateKeys: true, maximumDepth: 64).parse(bytes)
#elseif FUZZ_COCO
    if let root = try? JSONParser().parse(bytes) {
        _ = try? COCOInstances.decode(root, file: "fuzz.json")
        _ = try? COCOCaptions.decode(root, file: "fuzz.json")
    }
#elseif FUZZ_VOC
    _ = try? VOCAnnotation.parse(bytes, file: "fuzz.xml")
#elseif FUZZ_IDX
    // Plain and gzipped IDX (the gzip path takes the header first, then inflates up to the size
    // it implies), and gzip alone, each with a limit that keeps a bomb from using all memory.
    _ = try? IDX.parse(bytes, maxBytes: 16 << 20, file: "fuzz-idx")
    _ = try? Gzip.decompress(bytes, maxOutputSize: 16 << 20, file: "fuzz.gz")
    _ = try? Gzip.prefix(bytes, count: 1024, file: "fuzz.gz")
#elseif FUZZ_PROPOSALS
    _ = try? ProposalListText.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.txt")
#elseif FUZZ_CAPTION
    // Caption weights' metadata: the safetensors header's string map, then the vocabulary and
    // the captioner description read from it; a plain JSON object of strings is tried too.
    var metadata = (try? SafetensorsFile(bytes: bytes, source: "fuzz"))?.metadata
    if metadata == nil, case .object(let members)? = try? JSONParser().parse(bytes) {
        var map = [String: String]()
        for (key, value) in members { if case .string(let text) = value { map[key] = text } }
        metadata = map
    }
    if let metadata {
        _ = try? CaptionVocabulary(metadata: metadata, file: "fuzz")
        _ = try? CaptionerDescription(metadata: metadata, file: "fuzz")
    }
#elseif FUZZ_YAML
    // The whole reading path of a pipeline file: size cap, BOM, UTF-8 check, nesting check,
    // libyaml and the validation against the standard registry (no weights are loaded).
    withFile(bytes, named: "p.yaml") { path in
        _ = try? PipelineFile.load(path, registry: .standard) { _ in nil }
    }
#elseif FUZZ_LEDGER
    // A ledger left by an earlier run, as `--resume` reads it (torn lines, bad JSON, bad fields).
    withFile(bytes, named: "ledger.jsonl") { path in
        _ = Ledger.read(URL(fileURLWithPath: path))
    }
#elseif FUZZ_LISTS
    // A list file: comments, blank lines, odd bytes, names. Slashes become "_" so that a line
    // cannot name "/" and send the scanner walking the whole file system (a slow input, not a
    // defect); "." and ".." still reach the scratch folder and /dev/shm.
    withFile(bytes.map { $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }, named: "inputs.list") { path in
        _ = InputScanner.scan(["@" + path], excluding: nil) { $0.count > 3 && $0[0] == 0x89 }
    }
#endif
    return 0
}
