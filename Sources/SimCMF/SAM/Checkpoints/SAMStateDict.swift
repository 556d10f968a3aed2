import Autodiff
import TensorCore

/// Tensors of a SAM checkpoint by name, in the official or in Hugging Face naming.
public struct SAMStateDict: Sendable {
    public enum Naming: String, Sendable { case official, huggingFace }

    public var tensors: [String: Tensor]
    public var naming: Naming
    /// The file name, for error messages.
    public var file: String

    /// Detects the naming: HF when any key starts with `vision_encoder.` or `mask_decoder.upscale_`.
    public init(_ tensors: [String: Tensor], file: String = "state dict") {
        self.tensors = tensors
        self.file = file
        naming = tensors.keys.contains { $0.hasPrefix("vision_encoder.") || $0.hasPrefix("mask_decoder.upscale_") } ? .huggingFace : .official
    }

    /// The names under which an official key may appear in this file (the Gaussian matrix has two in HF files).
    public func storedNames(of official: String) -> [String] {
        guard naming == .huggingFace else { return [official] }
        if official == SAMKeyMap.gaussianMatrixKey {
            return [SAMKeyMap.huggingFaceName(official), SAMKeyMap.hfTiedGaussianMatrixKey]
        }
        return [SAMKeyMap.huggingFaceName(official)]
    }

    /// The tensor stored for an official key, if any.
    public subscript(official: String) -> Tensor? {
        for name in storedNames(of: official) { if let t = tensors[name] { return t } }
        return nil
    }

    /// Assigns every parameter from this state dict by its official name, after checking all of them:
    /// throws one `SAMCheckpointError.mismatch` listing every missing, unexpected and misshapen tensor
    /// (and assigns nothing then). Keys outside `scopes` (official prefixes, e.g. `["prompt_encoder."]`)
    /// are neither required nor reported as unexpected; `nil` means the whole file must match.
    public func assign(to parameters: [Parameter], scopes: [String]? = nil) throws {
        var missing: [String] = [], misshapen: [String] = []
        var used = Set<String>()
        var updates: [(Parameter, Tensor)] = []
        for p in parameters {
            let names = storedNames(of: p.name)
            guard let name = names.first(where: { tensors[$0] != nil }), let t = tensors[name] else {
                missing.append(p.name); continue
            }
            for n in names where tensors[n] != nil { used.insert(n) }
            if t.shape != p.value.shape {
                misshapen.append("\(name): \(t.shape), expected \(p.value.shape)")
            } else {
                updates.append((p, t))
            }
        }
        let inScope: (String) -> Bool = { key in
            guard let scopes else { return true }
            return scopes.contains { key.hasPrefix(naming == .huggingFace ? SAMKeyMap.huggingFaceName($0) : $0) }
        }
        let unexpected = tensors.keys.filter { key in
            !used.contains(key) && inScope(key) && !(naming == .huggingFace && SAMKeyMap.hfIgnoredKeys.contains(key))
        }.sorted()
        guard missing.isEmpty, misshapen.isEmpty, unexpected.isEmpty else {
            throw SAMCheckpointError.mismatch(file: file, missing: missing, unexpected: unexpected, misshapen: misshapen)
        }
        for (p, t) in updates { p.value = t }
    }
}
