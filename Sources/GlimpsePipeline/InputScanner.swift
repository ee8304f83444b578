// InputScanner: the command line's inputs -> the list of files to process, in a fixed order.
//
// An input is a file, a folder (walked recursively in name order, symbolic links followed;
// a folder or file reached twice, through a link or a loop, is visited once) or a list file
// (`@FILE`, or a name ending .list/.txt: one path per line, relative to the list, # comments).
// Each file's first bytes decide whether it is an image; the name never does. Each file gets
// an output stem that mirrors where it was found: `photos/2024/a.jpg` -> `photos/2024/a`.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One file found among the inputs.
public struct InputItem: Sendable, Equatable {
    /// What the scan decided about the file.
    public enum Kind: Sendable, Equatable {
        /// A file the decoder recognises.
        case image
        /// Another kind of file (skipped and counted).
        case notImage
        /// A file or input that cannot be read, with the reason.
        case unreadable(String)
    }

    /// The path to read.
    public var path: String
    /// The output path stem relative to the output folder, unique within a run.
    public var stem: String
    /// What it is.
    public var kind: Kind
}

/// Expands inputs into `InputItem`s.
public struct InputScanner {
    /// Whether the first bytes of a file are an image.
    let recognises: ([UInt8]) -> Bool
    private var items = [InputItem]()
    private var seenFiles = Set<FileIdentity>()
    private var seenFolders = Set<FileIdentity>()
    /// Stems whose JSON would overwrite a run-wide output (`boxes.coco.json`, `boxes.results.json`).
    private var usedStems: Set<String> = ["boxes.coco", "boxes.results"]

    private struct FileIdentity: Hashable { var device: UInt64; var inode: UInt64 }

    /// The files under `inputs`, in argument order, folders in name order; `excluding` (the
    /// output folder) is never walked, so a run over a folder that holds its own outputs does
    /// not take its previews for inputs.
    public static func scan(_ inputs: [String], excluding: String? = nil, recognises: @escaping ([UInt8]) -> Bool) -> [InputItem] {
        var scanner = InputScanner(recognises: recognises)
        if let excluding, let info = scanner.status(excluding), info.isFolder { scanner.seenFolders.insert(info.identity) }
        for input in inputs { scanner.add(argument: input) }
        return scanner.items
    }

    private mutating func add(argument: String) {
        if argument.hasPrefix("@") {
            addList(String(argument.dropFirst()))
            return
        }
        guard let info = status(argument) else {
            record(path: argument, mirror: mirror(of: argument), kind: .unreadable("no such file or folder"))
            return
        }
        if info.isFolder {
            let name = URL(fileURLWithPath: argument).standardized.lastPathComponent
            walk(argument, identity: info.identity, mirror: name == "/" || name == "." ? "" : name)
        } else if argument.hasSuffix(".list") || argument.hasSuffix(".txt") {
            addList(argument)
        } else {
            addFile(argument, identity: info.identity, mirror: mirror(of: argument))
        }
    }

    private mutating func addList(_ listPath: String) {
        guard let data = FileManager.default.contents(atPath: listPath) else {
            record(path: listPath, mirror: mirror(of: listPath), kind: .unreadable("cannot read the list file"))
            return
        }
        let base = URL(fileURLWithPath: listPath).deletingLastPathComponent()
        for raw in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let path = line.hasPrefix("/") ? line : base.appendingPathComponent(line).path
            guard let info = status(path) else {
                record(path: path, mirror: mirror(of: line), kind: .unreadable("no such file (listed in \(listPath))"))
                continue
            }
            if info.isFolder {
                walk(path, identity: info.identity, mirror: mirror(of: line))
            } else {
                addFile(path, identity: info.identity, mirror: mirror(of: line))
            }
        }
    }

    private mutating func walk(_ folder: String, identity: FileIdentity, mirror: String) {
        guard seenFolders.insert(identity).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            record(path: folder, mirror: mirror, kind: .unreadable("cannot list the folder"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            let childMirror = mirror.isEmpty ? name : mirror + "/" + name
            guard let info = status(path) else {
                record(path: path, mirror: childMirror, kind: .unreadable("broken symbolic link or unreadable entry"))
                continue
            }
            if info.isFolder {
                walk(path, identity: info.identity, mirror: childMirror)
            } else {
                addFile(path, identity: info.identity, mirror: childMirror)
            }
        }
    }

    private mutating func addFile(_ path: String, identity: FileIdentity, mirror: String) {
        guard seenFiles.insert(identity).inserted else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            record(path: path, mirror: mirror, kind: .unreadable("cannot be opened"))
            return
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 32)) ?? Data())
        record(path: path, mirror: mirror, kind: recognises(head) ? .image : .notImage)
    }

    /// A unique stem: the mirror path without its extension; on a clash the full name, then a counter.
    /// Only images reserve a stem (only they write outputs); other files keep their full name.
    private mutating func record(path: String, mirror: String, kind: InputItem.Kind) {
        guard kind == .image else {
            items.append(InputItem(path: path, stem: mirror, kind: kind))
            return
        }
        let url = URL(fileURLWithPath: mirror.isEmpty ? "input" : mirror)
        let withoutExtension = url.pathExtension.isEmpty ? mirror : String(mirror.dropLast(url.pathExtension.count + 1))
        var stem = withoutExtension.isEmpty ? mirror : withoutExtension
        if usedStems.contains(stem) { stem = mirror }
        var counter = 2
        let base = stem
        while usedStems.contains(stem) {
            stem = "\(base)-\(counter)"
            counter += 1
        }
        usedStems.insert(stem)
        items.append(InputItem(path: path, stem: stem, kind: kind))
    }

    /// Where a directly given path lands in the output: the path itself when it is relative and
    /// stays inside the working folder, else its last component.
    private func mirror(of path: String) -> String {
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        if path.hasPrefix("/") || components.contains("..") || components.isEmpty {
            return URL(fileURLWithPath: path).lastPathComponent
        }
        return components.joined(separator: "/")
    }

    private func status(_ path: String) -> (isFolder: Bool, identity: FileIdentity)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return ((info.st_mode & S_IFMT) == S_IFDIR, FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}
