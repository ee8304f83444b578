// SceneSetWriter: writes generated scenes to disk in the standard formats, in parallel.
//
// Layout of one split folder (a COCO folder with label maps, read back by `SceneFolder`):
//   SPLIT/images/000000.png   RGB scene
//   SPLIT/labels/000000.png   VOC-palette label map (0 background, digit + 1, 255 ignore)
//   SPLIT/instances.json      COCO instances: bbox, area, iscrowd 0, segmentation as RLE,
//                             attributes {color, size, source}; image attributes {background}
//   SPLIT/captions.json       COCO captions, at least 5 per image
// Scenes are generated on `Compute.threads` workers; each scene has its own random stream and
// the JSON lists are assembled in index order, so the files do not depend on the thread count.

import Foundation
import GlimpseImaging
import GlimpseTensor

/// Writes scene splits made by a `SceneGenerator`.
public struct SceneSetWriter: Sendable {
    /// The generator.
    public let generator: SceneGenerator

    /// Wraps a generator.
    public init(generator: SceneGenerator) { self.generator = generator }

    /// The COCO categories of generated sets: id digit + 1, name the digit.
    public static let categories = (0...9).map { COCOCategory(id: $0 + 1, name: String($0), supercategory: "digit") }

    /// The file name of scene `index`: six digits and ".png".
    public static func fileName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    /// Generates `count` scenes of `split` from `seed` into `directory/split/`; returns the
    /// instances and captions written.
    @discardableResult
    public func write(split: SceneSplit, count: Int, seed: UInt64, to directory: String)
        throws(DatasetError) -> (instances: COCOInstances, captions: COCOCaptions) {
        precondition(count >= 0, "SceneSetWriter: negative count")
        let root = directory + "/" + split.rawValue
        try DatasetFiles.makeDirectory(root + "/images")
        try DatasetFiles.makeDirectory(root + "/labels")
        let results = Slots(count: count)
        let generator = self.generator
        Compute.parallelChunks(count) { _, range in
            for index in range {
                let scene = generator.scene(seed: seed, split: split, index: index)
                let name = Self.fileName(index)
                do throws(DatasetError) {
                    try DatasetImages.write(scene.image, to: root + "/images/" + name)
                    try DatasetImages.writeLabelMap(scene.labelMap, palette: .voc, to: root + "/labels/" + name)
                } catch {
                    results.fail(error)
                    return
                }
                results.store(index, scene: scene)
            }
        }
        if let error = results.error { throw error }
        var images = [COCOImage](), annotations = [COCOAnnotation](), captions = [COCOCaption]()
        for index in 0..<count {
            let (objects, background, sentences) = results.slots[index]!
            images.append(COCOImage(id: index, fileName: "images/" + Self.fileName(index), width: generator.size,
                                    height: generator.size, attributes: ["background": background]))
            for object in objects {
                annotations.append(object.annotation(id: annotations.count + 1, imageID: index))
            }
            for sentence in sentences {
                captions.append(COCOCaption(id: captions.count + 1, imageID: index, caption: sentence))
            }
        }
        let instances = COCOInstances(images: images, categories: Self.categories, annotations: annotations)
        let captionFile = COCOCaptions(images: images, annotations: captions)
        try instances.write(to: root + "/instances.json")
        try captionFile.write(to: root + "/captions.json")
        return (instances, captionFile)
    }

    /// What is kept of each scene once its images are written: the objects as annotation
    /// builders, the background name and the captions.
    private final class Slots: @unchecked Sendable {
        private let lock = NSLock()
        var slots: [(objects: [ObjectRecord], background: String, captions: [String])?]
        var error: DatasetError?

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func store(_ index: Int, scene: Scene) {
            let objects = scene.objects.map(ObjectRecord.init)
            lock.lock()
            slots[index] = (objects, scene.background.name, scene.captions)
            lock.unlock()
        }

        func fail(_ error: DatasetError) {
            lock.lock()
            if self.error == nil { self.error = error }
            lock.unlock()
        }
    }

    /// One object's annotation content, with its mask already run-length encoded.
    struct ObjectRecord: Sendable {
        let object: SceneObject
        let rle: RunLengthMask

        init(_ object: SceneObject) {
            rle = RunLengthMask(object.mask)
            var light = object
            light.mask = InstanceMask(width: 0, height: 0)  // the RLE holds it; keep memory small
            self.object = light
        }

        func annotation(id: Int, imageID: Int) -> COCOAnnotation {
            let b = object.box
            return COCOAnnotation(
                id: id, imageID: imageID, categoryID: object.digit + 1,
                bbox: [Double(b.x0), Double(b.y0), Double(b.x1 - b.x0), Double(b.y1 - b.y0)], area: Double(rle.area),
                segmentation: .rle(rle),
                attributes: ["color": object.color.rawValue, "size": object.size.rawValue, "source": object.source])
        }
    }
}
