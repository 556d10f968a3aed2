import AIMS

extension DatasetSelection {
    /// `--normalize` of `aims train` and `aims eval`: the name as given, checked by `normalizationOption`
    /// (`Sources/AIMS/Runs/DatasetSelection.swift`).
    static let normalizationType = ValueType<String>(placeholder: "modality|stats|range|none", expectation: "modality, stats, range or none") {
        (try? normalizationOption($0)) == nil ? nil : $0
    }
}
