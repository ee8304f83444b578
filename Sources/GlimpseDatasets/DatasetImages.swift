// DatasetImages: image and label-map files read on behalf of a dataset, with the imaging
// module's errors carried over into `DatasetError` so a source throws one error type.

import GlimpseImaging

/// Reads images and palette label maps for the dataset sources.
public enum DatasetImages {
    /// Decodes a PNG or JPEG; failures become `.unreadable` naming the file.
    public static func read(_ path: String) throws(DatasetError) -> Image {
        do {
            return try ImageFile.read(path)
        } catch let error as ImagingError {
            throw DatasetError(.unreadable, file: path, "\(error.kind.rawValue): \(error.detail)")
        } catch {
            throw DatasetError(.unreadable, file: path, "\(error)")
        }
    }

    /// Reads a palette (or 8-bit gray) PNG label map and checks it is `width` x `height` and, for
    /// a palette PNG, that the colours of the ids it uses are the VOC palette's (what VOC's
    /// devkit, the scene generator and every writer here use): a colour image saved as a palette
    /// PNG has indices that are not class ids, and is refused naming the first id whose colour differs.
    public static func readLabelMap(_ path: String, width: Int, height: Int) throws(DatasetError) -> LabelMap {
        let map: LabelMap, palette: Palette
        do {
            (map, palette) = try PNG.decodeIndices(ImageFile.bytes(of: path), file: path)
        } catch let error as ImagingError {
            throw DatasetError(.unreadable, file: path, "\(error.kind.rawValue): \(error.detail)")
        } catch {
            throw DatasetError(.unreadable, file: path, "\(error)")
        }
        guard map.width == width, map.height == height else {
            throw DatasetError(.invalidValue, file: path, "label map is \(map.width)x\(map.height), its image is \(width)x\(height)")
        }
        if !palette.colors.isEmpty {
            for id in map.presentIDs where Int(id) < palette.colors.count && palette.colors[Int(id)] != Palette.voc.color(id) {
                let (found, expected) = (palette.colors[Int(id)], Palette.voc.color(id))
                throw DatasetError(.invalidValue, file: path,
                                   "palette colour of id \(id) is (\(found.map(String.init).joined(separator: ", "))), the VOC palette's is"
                                   + " (\(expected.map(String.init).joined(separator: ", "))): a foreign palette, so the indices are not class ids")
            }
        }
        return map
    }

    /// Writes a label map as a palette PNG atomically.
    public static func writeLabelMap(_ map: LabelMap, palette: Palette, to path: String) throws(DatasetError) {
        do {
            try ImageFile.write(map, palette: palette, to: path)
        } catch {
            throw DatasetError(.unwritable, file: path, "\(error)")
        }
    }

    /// Writes an image (format from the extension) atomically.
    public static func write(_ image: Image, to path: String) throws(DatasetError) {
        do {
            try ImageFile.write(image, to: path)
        } catch {
            throw DatasetError(.unwritable, file: path, "\(error)")
        }
    }
}
