// Decode throughput of GlimpseImaging's PNG and JPEG decoders in megapixels per second, on
// the files named on the command line (built and run by run.sh next to Pillow's numbers).
// Bytes are read once; each file is decoded repeatedly for at least one second.

import Foundation

@main
struct DecodeBenchmark {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let bytes = try ImageFile.bytes(of: path)
            var image = try ImageFile.decode(bytes, file: path)
            let megapixels = Double(image.width * image.height) / 1e6
            var runs = 0
            let start = Date()
            while Date().timeIntervalSince(start) < 1 || runs < 5 {
                image = try ImageFile.decode(bytes, file: path)
                runs += 1
            }
            let seconds = Date().timeIntervalSince(start)
            let name = URL(fileURLWithPath: path).lastPathComponent
            print("glimpse " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %4dx%-4d %8.1f MP/s  (%d runs)",
                         image.width, image.height, megapixels * Double(runs) / seconds, runs))
        }
    }
}
