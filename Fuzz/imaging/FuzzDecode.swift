// libFuzzer entry points for the PNG and JPEG decoders (built by run.sh, not by SwiftPM):
// compiled with -D FUZZ_PNG or -D FUZZ_JPEG, one binary per decoder.
//
// Every input must come back as an image or an ImagingError: a crash, an exit, a sanitizer
// report or a hang is a finding. The signature is forced onto the input so the fuzzer spends
// its time inside the codec rather than on format detection.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let options = DecodeOptions(pixelBudget: 4_000_000)
    var bytes = Array(UnsafeBufferPointer(start: start, count: count))
#if FUZZ_PNG
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    if !bytes.starts(with: signature) { bytes = signature + bytes }
    _ = try? PNG.header(bytes)
    _ = try? PNG.decode(bytes, options: options)
    _ = try? PNG.decodeIndices(bytes, options: options)
#elseif FUZZ_JPEG
    if !bytes.starts(with: [0xFF, 0xD8, 0xFF]) { bytes = [0xFF, 0xD8, 0xFF] + bytes }
    _ = try? JPEG.header(bytes)
    _ = try? JPEG.decode(bytes, options: options)
#endif
    return 0
}
