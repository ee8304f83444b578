// LabelledSourceFolder: opens a folder as the `LabelledImageSource` its files make it: a scene
// split (instances.json), a scene set's split subfolder, a VOC folder (Annotations/) or a COCO
// folder (annotations.json). The one place commands turn a user's folder into a source.

import Foundation

/// Opens labelled-image folders by what they hold.
public enum LabelledSourceFolder {
    /// The source in `directory` (for a scene set's root, its `split` subfolder); throws naming
    /// the folder when it holds none of the known layouts, or the reader's error.
    public static func open(_ directory: String, split: String = "train") throws -> any LabelledImageSource {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory + "/instances.json") { return try SceneFolder(directory: directory) }
        if fm.fileExists(atPath: directory + "/" + split + "/instances.json") {
            return try SceneFolder(directory: directory + "/" + split)
        }
        if fm.fileExists(atPath: directory + "/Annotations") { return try VOCFolder(directory: directory) }
        if fm.fileExists(atPath: directory + "/annotations.json") {
            return try COCOFolder(annotations: directory + "/annotations.json")
        }
        guard fm.fileExists(atPath: directory) else { throw DatasetError(.unreadable, file: directory, "no such folder") }
        throw DatasetError(.unreadable, file: directory, "no instances.json, split folder, Annotations/ or annotations.json here")
    }
}
