import TensorCore

/// One tensor of a tensor file: its name, the element type it had on disk, and its values
/// converted to `Float32` (row-major, shape as stored).
public struct NamedTensor: Sendable {
    /// Name in the file: the safetensors key, the dotted state-dict key of a `.pth`, or the
    /// file stem of an `.npy`.
    public var name: String
    /// Element type on disk (the values in `tensor` are converted from it).
    public var storedDType: DType
    /// The values, converted to `Float32`, in row-major order.
    public var tensor: Tensor

    public init(name: String, storedDType: DType, tensor: Tensor) {
        self.name = name
        self.storedDType = storedDType
        self.tensor = tensor
    }

    /// Shape of the tensor, outermost first.
    public var shape: [Int] { tensor.shape }
}

/// The format a tensor file was read from.
public enum TensorFileFormat: String, Sendable {
    case npy, safetensors, pytorch
}

/// The tensors of one file, in file order, plus string metadata.
///
/// File order is: the pickle order for `.pth` (the state-dict order), the data-offset order for
/// safetensors, the single array for `.npy`. Metadata holds the safetensors `__metadata__`, the
/// non-tensor scalar leaves of a `.pth` checkpoint (e.g. `epoch` → `"3"`), and format details
/// (`npy.version`, `pytorch.version`, ...).
public struct TensorArchive: Sendable {
    public var format: TensorFileFormat
    public var tensors: [NamedTensor]
    public var metadata: [String: String]

    public init(format: TensorFileFormat, tensors: [NamedTensor] = [], metadata: [String: String] = [:]) {
        self.format = format
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Tensor names in file order.
    public var names: [String] { tensors.map(\.name) }

    /// Total number of elements over all tensors.
    public var elementCount: Int { tensors.reduce(0) { $0 + $1.tensor.count } }

    /// The first tensor called `name`, if any.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    /// The entry called `name`, if any.
    public func entry(_ name: String) -> NamedTensor? { tensors.first { $0.name == name } }

    /// The tensors whose names start with `prefix + "."`, renamed without that prefix, e.g.
    /// `subtree("model")` of a checkpoint `{'model': state_dict, 'epoch': 3}` is the state dict.
    /// Metadata under the prefix is carried over the same way.
    public func subtree(_ prefix: String) -> TensorArchive {
        let p = prefix + "."
        var out = TensorArchive(format: format)
        for t in tensors where t.name.hasPrefix(p) {
            var r = t
            r.name = String(t.name.dropFirst(p.count))
            out.tensors.append(r)
        }
        for (k, v) in metadata where k.hasPrefix(p) { out.metadata[String(k.dropFirst(p.count))] = v }
        return out
    }
}
