import Foundation
import Tensor
import Transforms

/// The files that make up one sample of a modality inside a dataset folder, relative to its root.
public struct SampleFiles: Sendable, Equatable, Codable {
    /// Sample identifier, unique within a split (e.g. the file stem).
    public var id: String
    /// Input files in the order the modality's `decode` expects.
    public var inputs: [String]
    /// The label map, if the sample has one.
    public var label: String?

    public init(id: String, inputs: [String], label: String? = nil) {
        self.id = id
        self.inputs = inputs
        self.label = label
    }
}

/// A sensor modality plugin: it knows how to find a sample's files in a dataset folder and how to
/// decode them into a `ChannelImage` in physical units. The model never learns which modality it
/// is fed; it sees only a channel count and tensors.
public protocol Modality: Sendable {
    /// Stable identifier used on the command line and in manifests, e.g. `"polarization"`.
    var identifier: String { get }
    /// The channels `decode` produces, in order.
    var channels: [ChannelDescriptor] { get }
    /// Finds the samples under `root` (sorted by id, so listings are reproducible).
    func samples(in root: URL) throws -> [SampleFiles]
    /// Decodes one sample into physical units.
    func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage
}

/// The modalities known by identifier: built-ins and plugins registered at run time.
public struct ModalityRegistry: Sendable {
    private var byIdentifier: [String: any Modality] = [:]

    public init() {}

    /// Adds or replaces a modality under its identifier.
    public mutating func register(_ modality: any Modality) {
        byIdentifier[modality.identifier] = modality
    }

    /// The modality with this identifier, if registered.
    public func modality(_ identifier: String) -> (any Modality)? { byIdentifier[identifier] }

    /// All identifiers, sorted.
    public var identifiers: [String] { byIdentifier.keys.sorted() }
}
