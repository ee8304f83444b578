// InputScanner: the command line's inputs -> the list of files to process, in a fixed order.
//
// An input is a file, a folder (walked recursively in name order, symbolic links followed;
// a folder or file reached twice, through a link or a loop, is visited once) or a list file
// (`@FILE`, or a name ending .list/.txt: one path per line, relative to the list, # comments).
// Each file's first bytes decide whether it is an image; the name never does. Each file gets
// an output stem that mirrors where it was found: `photos/2024/a.jpg` -> `photos/2024/a`.
// A folder named by `.`, `..` or a path ending in them is mirrored under its real name, so no
// stem holds a `.` or `..` component (OutputWriter refuses any that would, whatever made it).
// Special files (FIFOs, sockets, devices) are told by stat(2) and never opened: opening a
// FIFO waits for a writer forever. A 0-byte file is unreadable (a failure), not a non-image.

import Foundation
import GlimpseFiles
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
    /// The output folder, which is never read as an input, and its real path.
    private var output: FileIdentity?
    private var outputRealPath: String?
    /// Stems whose JSON would overwrite a run-wide output (`boxes.coco.json`, `boxes.results.json`).
    private var usedStems: Set<String> = ["boxes.coco", "boxes.results"]

    private struct FileIdentity: Hashable { var device: UInt64; var inode: UInt64 }

    /// What stat(2) says a path is.
    private enum FileType: Equatable {
        case folder, regular
        /// A FIFO, socket or device, with its name ("a FIFO").
        case special(String)
    }

    /// The reason recorded for an input (named by an argument or a list line) that is the output
    /// folder or lies inside it: its files are never read.
    public static let outputFolderReason = "is the output folder or inside it: outputs are never read as inputs, and the outputs would be written among the inputs (replacing files such as a.json beside a.png); give -o a folder outside the inputs"

    /// The files under `inputs`, in argument order, folders in name order; `excluding` (the
    /// output folder) is never walked, so a run over a folder that holds its own outputs does
    /// not take its previews for inputs. An input naming the output folder itself, or a file or
    /// folder inside it, is recorded as unreadable with `outputFolderReason`.
    public static func scan(_ inputs: [String], excluding: String? = nil, recognises: @escaping ([UInt8]) -> Bool) -> [InputItem] {
        var scanner = InputScanner(recognises: recognises)
        if let excluding, let info = scanner.status(excluding), info.type == .folder {
            scanner.seenFolders.insert(info.identity)
            scanner.output = info.identity
            scanner.outputRealPath = Self.realPath(excluding)
        }
        for input in inputs { scanner.add(argument: input) }
        return scanner.items
    }

    private mutating func add(argument: String) {
        if argument.hasPrefix("@") {
            addList(String(argument.dropFirst()))
            return
        }
        guard let info = status(argument) else {
            record(path: argument, mirror: mirror(of: argument, at: argument), kind: .unreadable("no such file or folder"))
            return
        }
        switch info.type {
        case .folder:
            walkTop(argument, identity: info.identity, mirror: Self.name(of: argument, relativeTo: nil))
        case .special(let what):
            record(path: argument, mirror: mirror(of: argument, at: argument), kind: .unreadable(Self.specialReason(what)))
        case .regular where argument.hasSuffix(".list") || argument.hasSuffix(".txt"):
            addList(argument)
        case .regular:
            addTopFile(argument, identity: info.identity, mirror: mirror(of: argument, at: argument))
        }
    }

    private mutating func addList(_ listPath: String) {
        let info = status(listPath)
        if case .special(let what)? = info?.type {
            record(path: listPath, mirror: mirror(of: listPath, at: listPath), kind: .unreadable(Self.specialReason(what) + " (a list file)"))
            return
        }
        let data: [UInt8]
        do {
            data = try RegularFile.read(listPath, maxBytes: Self.maximumListBytes)
        } catch {
            record(path: listPath, mirror: mirror(of: listPath, at: listPath), kind: .unreadable("cannot read the list file: \(error.reason)"))
            return
        }
        let base = URL(fileURLWithPath: listPath).deletingLastPathComponent()
        for raw in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let path = line.hasPrefix("/") ? line : base.appendingPathComponent(line).path
            guard let info = status(path) else {
                record(path: path, mirror: mirror(of: line, at: path), kind: .unreadable("no such file (listed in \(listPath))"))
                continue
            }
            switch info.type {
            case .folder: walkTop(path, identity: info.identity, mirror: mirror(of: line, at: path))
            case .special(let what): record(path: path, mirror: mirror(of: line, at: path), kind: .unreadable(Self.specialReason(what)))
            case .regular: addTopFile(path, identity: info.identity, mirror: mirror(of: line, at: path))
            }
        }
    }

    /// A file named by an input: refused when it is inside the output folder.
    private mutating func addTopFile(_ path: String, identity: FileIdentity, mirror: String) {
        if isInsideOutput(path) {
            items.append(InputItem(path: path, stem: mirror, kind: .unreadable(Self.outputFolderReason)))
            return
        }
        addFile(path, identity: identity, mirror: mirror)
    }

    /// A folder named by an input: refused when it is the output folder or inside it, else walked.
    private mutating func walkTop(_ folder: String, identity: FileIdentity, mirror: String) {
        if identity == output || isInsideOutput(folder) {
            items.append(InputItem(path: folder, stem: mirror, kind: .unreadable(Self.outputFolderReason)))
            return
        }
        walk(folder, identity: identity, mirror: mirror)
    }

    private mutating func walk(_ folder: String, identity: FileIdentity, mirror: String) {
        guard seenFolders.insert(identity).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            // Foundation's error has no reason worth printing; opendir's errno does.
            var reason = "cannot list the folder"
            if let handle = opendir(folder) { closedir(handle) } else { reason += ": " + String(cString: strerror(errno)) }
            record(path: folder, mirror: mirror, kind: .unreadable(reason))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            let childMirror = mirror.isEmpty ? name : mirror + "/" + name
            guard let info = status(path) else {
                record(path: path, mirror: childMirror, kind: .unreadable("broken symbolic link or unreadable entry"))
                continue
            }
            switch info.type {
            case .folder: walk(path, identity: info.identity, mirror: childMirror)
            case .special(let what): record(path: path, mirror: childMirror, kind: .unreadable(Self.specialReason(what)))
            case .regular: addFile(path, identity: info.identity, mirror: childMirror)
            }
        }
    }

    private mutating func addFile(_ path: String, identity: FileIdentity, mirror: String) {
        guard seenFiles.insert(identity).inserted else { return }
        // O_NONBLOCK: should the file have become a FIFO since it was stat'ed, open does not wait
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            // the system's reason ("Permission denied"), for the ledger and report.html
            record(path: path, mirror: mirror, kind: .unreadable("cannot be opened: \(String(cString: strerror(errno)))"))
            return
        }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 32)
        let count = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            record(path: path, mirror: mirror, kind: .unreadable("cannot be read: \(String(cString: strerror(errno)))"))
            return
        }
        // A 0-byte file is a broken image (a failed copy or download), not some other document:
        // a failure with the decoders' own words, as `classify` reports it.
        if count == 0 {
            record(path: path, mirror: mirror, kind: .unreadable("empty: the file has no bytes"))
            return
        }
        record(path: path, mirror: mirror, kind: recognises(Array(head.prefix(max(0, count)))) ? .image : .notImage)
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

    /// Where a path named by the user (`display`, read at `path`) lands in the output: the path
    /// itself when it is relative and stays inside the working folder, else the last name of
    /// what it points at.
    private func mirror(of display: String, at path: String) -> String {
        let components = display.split(separator: "/").map(String.init).filter { $0 != "." }
        if display.hasPrefix("/") || components.contains("..") || components.isEmpty {
            return Self.name(of: path, relativeTo: nil)
        }
        return components.joined(separator: "/")
    }

    /// The last name of `path` once `.` and `..` are resolved against the working folder
    /// (lexically, as the user wrote it): `..` from `/a/b` is `a`; empty for `/`.
    static func name(of path: String, relativeTo base: String?) -> String {
        let start = path.hasPrefix("/") ? "" : (base ?? FileManager.default.currentDirectoryPath)
        var resolved = [Substring]()
        for component in (start + "/" + path).split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !resolved.isEmpty { resolved.removeLast() }
            default: resolved.append(component)
            }
        }
        return resolved.last.map(String.init) ?? ""
    }

    /// Whether `path` (symbolic links resolved) is the output folder or lies inside it.
    private func isInsideOutput(_ path: String) -> Bool {
        guard let outputRealPath, let real = Self.realPath(path) else { return false }
        return real == outputRealPath || real.hasPrefix(outputRealPath == "/" ? "/" : outputRealPath + "/")
    }

    /// realpath(3) of an existing path.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The largest list file read (64 MiB, about a million paths).
    static let maximumListBytes = 64 << 20

    private static func specialReason(_ what: String) -> String { "\(what), not a regular file (not opened)" }

    private func status(_ path: String) -> (type: FileType, identity: FileIdentity)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let type: FileType
        switch info.st_mode & S_IFMT {
        case S_IFDIR: type = .folder
        case S_IFREG: type = .regular
        case S_IFIFO: type = .special("a FIFO")
        case S_IFSOCK: type = .special("a socket")
        case S_IFCHR: type = .special("a character device")
        case S_IFBLK: type = .special("a block device")
        default: type = .special("a special file")
        }
        return (type, FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}
