import Foundation

/// Paths named on a command line (`aims predict --sample`, `aims convert`), grouped in order: each folder on its own
/// (the modality finds its samples in it), each run of consecutive files together, so that `samples(fromFiles:)`
/// can cut the run into samples of `filesPerSample` files (RGB then depth for `rgb+depth`).
public enum InputPathGroup: Equatable, Sendable {
    case folder(String)
    /// Consecutive paths that are not folders, as given (a path that does not exist counts as a file, so that the
    /// caller's reader names it).
    case files([String])

    /// `paths` in order, folders apart and consecutive files in one group.
    public static func split(_ paths: [String]) -> [InputPathGroup] {
        var groups: [InputPathGroup] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                groups.append(.folder(path))
            } else if case .files(let run)? = groups.last {
                groups[groups.count - 1] = .files(run + [path])
            } else {
                groups.append(.files([path]))
            }
        }
        return groups
    }
}
