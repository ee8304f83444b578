// MPIRankProcess: finds one rank of an `mpirun` job among the launcher's descendants, so the
// failure tests of data-parallel training and sharded runs can kill exactly that rank.

import Foundation

/// Finds an `mpirun` job's ranks among its descendants (Linux `/proc`).
public enum MPIRankProcess {
    /// The process below `parent` whose environment says it is Open MPI rank `rank`, or nil.
    public static func descendant(of parent: Int32, rank: Int) -> Int32? {
        var queue = [parent]
        while let pid = queue.popLast() {
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            for child in children.split(separator: " ").compactMap({ Int32($0) }) {
                let environment = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/environ"))) ?? Data()
                let entries = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if entries.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return child }
                queue.append(child)
            }
        }
        return nil
    }
}
