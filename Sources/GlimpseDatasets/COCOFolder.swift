// COCOFolder: a COCO instances file (and optionally a captions file and a folder of palette
// label maps) as a `LabelledImageSource`.

import Foundation
import GlimpseImaging

/// Images and annotations described by a COCO instances JSON file.
public struct COCOFolder: LabelledImageSource {
    /// The parsed instances file.
    public let instances: COCOInstances
    /// The instances file's path.
    public let annotationsFile: String
    /// The folder that `file_name`s are relative to.
    public let imagesDirectory: String
    /// Where `NAME.png` label maps live (NAME = the image file's name without extension), if any.
    public let labelMapsDirectory: String?
    /// Captions per image id, when a captions file was given.
    public let captions: [Int: [String]]?
    /// Class names by category id.
    public let classNames: [String]
    private let annotationsByImage: [Int: [COCOAnnotation]]

    /// Opens a COCO instances file; image paths are relative to `imagesDirectory` (default: the
    /// JSON file's folder). A captions file, when given, must describe the same image ids.
    public init(annotations: String, imagesDirectory: String? = nil, captions captionsFile: String? = nil,
                labelMapsDirectory: String? = nil) throws(DatasetError) {
        instances = try COCOInstances.read(annotations)
        annotationsFile = annotations
        self.imagesDirectory = imagesDirectory ?? URL(fileURLWithPath: annotations).deletingLastPathComponent().path
        self.labelMapsDirectory = labelMapsDirectory
        if let captionsFile {
            let file = try COCOCaptions.read(captionsFile)
            let known = Set(instances.images.map(\.id))
            if let stray = file.images.first(where: { !known.contains($0.id) }) {
                throw DatasetError(.invalidValue, file: captionsFile, record: "image \(stray.id)", field: "id",
                                   "no image with this id in \(annotations)")
            }
            captions = file.captionsByImage()
        } else {
            captions = nil
        }
        var names = [String](repeating: "", count: (instances.categories.map(\.id).max() ?? -1) + 1)
        for c in instances.categories where c.id >= 0 { names[c.id] = c.name }
        classNames = names
        annotationsByImage = instances.annotationsByImage()
    }

    /// The number of images.
    public var count: Int { instances.images.count }

    /// Image `index` with its boxes (label = category id), masks when every annotation has a
    /// segmentation, label map when a label-map folder was given, and captions when a captions file was.
    public func item(at index: Int) throws(DatasetError) -> LabelledImage {
        precondition(index >= 0 && index < count, "COCOFolder.item: index \(index) outside 0..<\(count)")
        let entry = instances.images[index]
        let path = imagesDirectory + "/" + entry.fileName
        let image = try DatasetImages.read(path)
        guard image.width == entry.width, image.height == entry.height else {
            throw DatasetError(.invalidValue, file: annotationsFile, record: "image \(entry.id)", field: "width",
                               "\(entry.fileName) is \(image.width)x\(image.height), the file states \(entry.width)x\(entry.height)")
        }
        let annotations = annotationsByImage[entry.id] ?? []
        let masks = annotations.map { $0.mask(width: entry.width, height: entry.height) }
        var labelMap: LabelMap?
        if let labelMapsDirectory {
            let stem = URL(fileURLWithPath: entry.fileName).deletingPathExtension().lastPathComponent
            labelMap = try DatasetImages.readLabelMap(labelMapsDirectory + "/" + stem + ".png",
                                                      width: entry.width, height: entry.height)
        }
        return LabelledImage(name: entry.fileName, image: image, boxes: annotations.map(\.boundingBox),
                             masks: masks.contains(where: { $0 == nil }) ? nil : masks.map { $0! },
                             labelMap: labelMap, captions: captions.map { $0[entry.id] ?? [] })
    }
}
