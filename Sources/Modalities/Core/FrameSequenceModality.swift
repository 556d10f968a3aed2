import Foundation

/// A modality whose input files may hold several frames (a FLIR SEQ); `SampleFiles.frame` picks one.
public protocol FrameSequenceModality: Modality {
    /// The number of frames in the sample's input (1 for a single-frame file).
    func frameCount(_ sample: SampleFiles, root: URL) throws -> Int
}

extension ThermalModality: FrameSequenceModality {}
