import Foundation

/// Why a folder is not one DICOM series aims can stack into a volume.
public enum DICOMSeriesError: Error, LocalizedError, Equatable, Sendable {
    /// No DICOM Part 10 file (`DICM` at byte 128) in the folder; `skipped` names what was there.
    case noImages(folder: String, skipped: [String])
    /// Files of several series: each Series Instance UID (0020,000E) with its file count.
    case mixedSeries(folder: String, uids: [String], fileCounts: [Int])
    /// Two slices at the same position along the slice normal (millimetres), e.g. echoes or time points.
    case duplicatePosition(folder: String, files: [String], position: Double)
    /// Slice steps (millimetres along the normal, in slice order) that differ from their mean by more than
    /// 0.1 mm + 5 % (dicom2nifti's tolerance): a gap or a mixed acquisition.
    case unevenSpacing(folder: String, steps: [Double])

    public var errorDescription: String? {
        switch self {
        case let .noImages(folder, skipped):
            return "\(folder): expected DICOM files ('DICM' at byte 128), found none"
                + (skipped.isEmpty ? " (empty folder)" : " among \(skipped.count) file(s): \(skipped.prefix(5).joined(separator: ", "))")
        case let .mixedSeries(folder, uids, counts):
            let list = zip(uids, counts).map { "\($0) (\($1) file\($1 == 1 ? "" : "s"))" }.joined(separator: ", ")
            return "\(folder): SeriesInstanceUID (0020,000E): expected one series, got \(uids.count): \(list); put each series in its own folder"
        case let .duplicatePosition(folder, files, position):
            return "\(folder): ImagePositionPatient (0020,0032): expected one slice per position, got \(files.joined(separator: " and ")) both at \(position) mm along the slice normal"
        case let .unevenSpacing(folder, steps):
            return "\(folder): ImagePositionPatient (0020,0032): expected evenly spaced slices, got steps of "
                + steps.map { String(format: "%.3f", $0) }.joined(separator: ", ") + " mm along the slice normal"
        }
    }
}
