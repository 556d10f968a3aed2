import Foundation
import Transforms

/// A modality whose input files may hold several frames (a FLIR SEQ); `SampleFiles.frame` picks one.
public protocol FrameSequenceModality: Modality {
    /// The number of frames in the sample's input (1 for a single-frame file).
    func frameCount(_ sample: SampleFiles, root: URL) throws -> Int
    /// Every frame of the sample's input in order, each as `decode` gives it with `frame = index`, the file read
    /// once: `body(index, count, image)`. A single-frame input calls `body` once, with count 1.
    func forEachFrame(_ sample: SampleFiles, root: URL, _ body: (_ index: Int, _ count: Int, ChannelImage) throws -> Void) throws
}

extension ThermalModality: FrameSequenceModality {}
